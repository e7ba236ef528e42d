#!/bin/sh
# tripact match from the command line: summary, exit statuses, the
# sightings bundle passing validate --strict, hits lines, bad input.
# Usage: cli.sh TRIPACT SOURCE_DIR
set -u
T=$1
S=$2
D=$S/tests/data/match
A=$S/data/telemetry/zeek_apt29eval_otrf/day1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$T" match --indicators "$D/indicators.json" --identity "CERT test" --output "$W/s.json" \
	--hits "$W/hits.jsonl" "$A/SCRANTON_conn.log" "$A/SCRANTON_dns.log" "$A/SCRANTON_http.log" \
	"$A/SCRANTON_files.log" 2>"$W/err"
rc=$?
[ $rc -eq 1 ] || fail "hits should exit 1, got $rc: $(cat "$W/err")"
grep -q "records: zeek-json 297 " "$W/err" || fail "summary records: $(cat "$W/err")"
grep -q "indicators: 11 matched against (2 over several records), 0 not matched" "$W/err" ||
	fail "summary indicators: $(cat "$W/err")"
# 46 records match one-record patterns; "[ip] AND [wpad]" 4 times 2,
# "[ip] REPEATS 5 TIMES" 15 times 5
grep -q "hits: 129 by 7 indicators" "$W/err" || fail "summary hits: $(cat "$W/err")"
[ "$(wc -l <"$W/hits.jsonl")" -eq 129 ] || fail "hits lines"
grep -q '  *4  indicator--00000000-0000-4000-8000-000000000007$' "$W/err" || fail "AND matches"
[ "$(grep -c '"indicator":"indicator--00000000-0000-4000-8000-000000000007",.*"log":"dns"' "$W/hits.jsonl")" -eq 4 ] ||
	fail "AND: the four lookups"
grep -q '"indicator":"indicator--00000000-0000-4000-8000-000000000004",.*"log":"files"' "$W/hits.jsonl" ||
	fail "hits line content"
"$T" validate --strict "$W/s.json" >"$W/v" 2>&1 || fail "sightings not valid: $(cat "$W/v")"

# the same indicators are valid from 2026 on: held to valid_from, nothing counts
"$T" match --validity both --indicators "$D/indicators.json" --output "$W/s4.json" \
	"$A/SCRANTON_conn.log" "$A/SCRANTON_dns.log" "$A/SCRANTON_http.log" "$A/SCRANTON_files.log" 2>"$W/err"
[ $? -eq 0 ] || fail "--validity both should find no hits: $(cat "$W/err")"
grep -q "hits: 0 by 0 indicators" "$W/err" || fail "validity summary hits: $(cat "$W/err")"
grep -q "match: 206 matches left out: the record's time is outside" "$W/err" ||
	fail "validity summary: $(cat "$W/err")"
grep -q "0  indicator--00000000-0000-4000-8000-000000000004 (.* more outside its validity)" "$W/err" ||
	fail "validity per indicator: $(cat "$W/err")"

# a pattern no window can hold is reported with its reason, not matched
cat >"$W/big.json" <<'EOF2'
{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000aa","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.168.0.4'] REPEATS 5000 TIMES","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}
EOF2
"$T" match --indicators "$W/big.json" --output "$W/s5.json" "$A/SCRANTON_conn.log" 2>"$W/err"
[ $? -eq 0 ] || fail "REPEATS 5000: no hits expected: $(cat "$W/err")"
grep -q "indicator--00000000-0000-4000-8000-0000000000aa: not matched: REPEATS needs more records than a window keeps (1024)" "$W/err" ||
	fail "REPEATS 5000 not reported: $(cat "$W/err")"

# gzip from stdin, nothing found: exit 0
gzip -c "$A/SCRANTON_dns.log" | "$T" match -q --indicators "$D/indicators.json" --output "$W/s2.json" \
	--format zeek-json - 2>"$W/err"
rc=$?
[ $rc -eq 1 ] || fail "stdin: wpad is in dns, expected 1, got $rc"
"$T" match --indicators "$D/indicators.json" --output "$W/s3.json" "$S/tests/data/match/escapes.log" 2>"$W/err"
[ $? -eq 0 ] || fail "no hits should exit 0: $(cat "$W/err")"
"$T" validate --strict "$W/s3.json" >/dev/null 2>&1 || fail "empty sightings bundle not valid"

# bad input: file:line, exit 2; --skip-bad goes on
N=$S/data/telemetry/slips_ctu/zeek-tsv-test10/notice.log
"$T" match --indicators "$D/indicators.json" --output "$W/x" "$N" 2>"$W/err"
[ $? -eq 2 ] || fail "bad row should exit 2"
grep -q "notice.log:21: 23 columns, the #fields header has 26" "$W/err" || fail "bad row message: $(cat "$W/err")"
"$T" match --skip-bad --indicators "$D/indicators.json" --output "$W/x" "$N" 2>"$W/err"
[ $? -eq 0 ] || fail "--skip-bad should go on"
grep -q "bad records skipped: 1" "$W/err" || fail "skip count"

# usage errors
"$T" match --validity sometimes --indicators "$D/indicators.json" "$N" 2>"$W/err"
[ $? -eq 2 ] && grep -q "until, both or none" "$W/err" || fail "bad --validity"
"$T" match "$N" 2>"$W/err"; [ $? -eq 2 ] || fail "no --indicators"
"$T" match --indicators "$D/indicators.json" --format pcap "$N" 2>"$W/err"; [ $? -eq 2 ] || fail "bad format"
"$T" match --indicators "$D/indicators.json" --format jsonl --map nosuch=x "$N" 2>"$W/err"
[ $? -eq 2 ] || fail "bad map"
"$T" match --indicators "$D/nonexistent.json" "$N" 2>"$W/err"; [ $? -eq 2 ] || fail "missing bundle"
"$T" match --help | grep -q "exit status: 0 no hits, 1 hits, 2 error" || fail "help"
echo ok
