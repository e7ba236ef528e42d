#!/bin/sh
# CLI checks for `tripact import` and `tripact export`: exit statuses and
# the messages users see. Usage: cli.sh TRIPACT SOURCE_DIR
set -u
T=$1
S=$2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0

# expect STATUS DESCRIPTION -- command...; stderr in $W/err, stdout in $W/out
expect() {
	want=$1
	what=$2
	shift 3
	"$@" >"$W/out" 2>"$W/err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, want $want"
		sed 's/^/  stderr: /' "$W/err" | head -5
		fails=$((fails + 1))
	fi
}
# grep_err PATTERN DESCRIPTION
grep_err() {
	if ! grep -q -- "$1" "$W/err"; then
		echo "FAIL: $2: stderr lacks '$1'"
		sed 's/^/  stderr: /' "$W/err" | head -5
		fails=$((fails + 1))
	fi
}

D=$S/tests/data/convert
A=$S/data/intel/attack/attack-dprk-v18.1.stix21.json

expect 0 "import --help" -- "$T" import --help
expect 2 "import without --from" -- "$T" import "$D/mixed.txt"
grep_err "tripact: import: --from FORMAT is required" "import without --from"
expect 2 "unknown format" -- "$T" import --from yaml "$D/mixed.txt"
grep_err "unknown format 'yaml'" "unknown format"
expect 2 "unknown TLP" -- "$T" import --from list --tlp purple "$D/mixed.txt"
grep_err "unknown TLP level 'purple'" "unknown TLP"
expect 2 "missing file" -- "$T" import --from list -o "$W/x.json" "$W/nope.txt"
grep_err "cannot open" "missing file"
[ -e "$W/x.json" ] && { echo "FAIL: output left behind after an error"; fails=$((fails + 1)); }
expect 2 "ATT&CK id without --attack" -- "$T" import --from list --attribute-to G0032 "$D/mixed.txt"
grep_err "give --attack" "ATT&CK id without --attack"
expect 2 "bad --bundle-id" -- "$T" import --from list --bundle-id report--1 "$D/mixed.txt"
grep_err "import: --bundle-id" "bad --bundle-id"
expect 2 "bad --time" -- "$T" import --from list --time yesterday "$D/mixed.txt"

# malformed rows: the bundle is written, each bad line named, exit 1
expect 1 "malformed list" -- "$T" import --from list -o "$W/m.json" "$D/malformed.txt"
grep_err "malformed.txt:4: 'not a value' is not" "malformed list line 4"
grep_err "malformed.txt:9:" "malformed list line 9"
grep_err "3 indicators" "malformed list summary"
expect 1 "malformed csv" -- "$T" import --from csv -o "$W/c.json" "$D/malformed.csv"
grep_err "malformed.csv:4: unknown type 'registry-key'" "malformed csv line 4"
expect 2 "misp: not JSON" -- "$T" import --from misp "$D/malformed.txt"
grep_err "import:" "misp: not JSON"

# a good import, attributed through the ATT&CK bundle
expect 0 "import mixed" -- "$T" import --from list --identity "US CISA (demo)" --tlp amber \
	--attack "$A" --attribute-to G0032 --time 2026-01-01T00:00:00Z -o "$W/b.json" "$D/mixed.txt"
grep_err "13 indicators, 0 observables, 13 relationships" "import mixed summary"
grep -q '"target_ref":"intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a"' "$W/b.json" ||
	{ echo "FAIL: no relationship to Lazarus Group"; fails=$((fails + 1)); }
grep -q '"tlp_2_0":"amber"' "$W/b.json" ||
	{ echo "FAIL: no TLP:AMBER marking-definition"; fails=$((fails + 1)); }

# options apply to the files after them: two sources, two attributions
expect 1 "interleaved sources" -- "$T" import --attack "$A" --from list --attribute-to G0032 \
	"$D/mixed.txt" --from csv --attribute-to G0094 --source vendor "$D/malformed.csv" -o "$W/two.json"
n=$(grep -c '"target_ref":"intrusion-set--0ec2f388-bf0f-4b5c-97b1-fc736d26c25f"' "$W/two.json")
[ "$n" = 3 ] || { echo "FAIL: interleaved: $n Kimsuky relationships, want 3"; fails=$((fails + 1)); }
n=$(grep -c '"target_ref":"intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a"' "$W/two.json")
[ "$n" = 13 ] || { echo "FAIL: interleaved: $n Lazarus relationships, want 13"; fails=$((fails + 1)); }
n=$(grep -c '"source_name":"vendor"' "$W/two.json")
[ "$n" = 3 ] || { echo "FAIL: interleaved: $n vendor references, want 3"; fails=$((fails + 1)); }
expect 2 "file before --from" -- "$T" import "$D/mixed.txt" --from list
grep_err "required before" "file before --from"

# warninglists: flagged values become observables, reported, exit 0
expect 0 "warninglists" -- "$T" import --from list --warninglist "$S/data/intel/misp-warninglists/rfc1918.json" \
	-o "$W/wl.json" "$D/warninglist.txt"
grep_err "warninglist.txt:3: '10.20.30.40' is on the MISP warninglist 'List of RFC 1918 CIDR blocks'" "warninglist report"
grep_err "1 on warninglists" "warninglist summary"
expect 2 "bad warninglist" -- "$T" import --from list --warninglist "$D/mixed.txt" "$D/mixed.txt"
grep_err "import: --warninglist" "bad warninglist"

# export
expect 1 "export zeek" -- "$T" export --to zeek-intel -o "$W/z.intel" "$W/b.json"
grep_err "13 indicators: 10 written, 3 left out" "export zeek summary"
head -1 "$W/z.intel" | grep -q '^#fields	indicator	indicator_type	meta.source	meta.desc	meta.url$' ||
	{ echo "FAIL: zeek header"; fails=$((fails + 1)); }
expect 0 "export csv" -- "$T" export --to csv -o "$W/e.csv" "$W/b.json"
expect 0 "re-import csv" -- "$T" import --from csv --identity "US CISA (demo)" --tlp amber \
	--time 2026-01-01T00:00:00Z -o "$W/r.json" "$W/e.csv"
grep -o '"id":"indicator--[^"]*"' "$W/b.json" | sort >"$W/ids1"
grep -o '"id":"indicator--[^"]*"' "$W/r.json" | sort >"$W/ids2"
cmp -s "$W/ids1" "$W/ids2" || { echo "FAIL: csv round trip changed indicator ids"; fails=$((fails + 1)); }
expect 2 "suricata without -d" -- "$T" export --to suricata "$W/b.json"
grep_err "give -d DIR" "suricata without -d"
expect 1 "export suricata" -- "$T" export --to suricata -d "$W/suri" "$W/b.json"
[ -s "$W/suri/tripact.rules" ] || { echo "FAIL: no tripact.rules"; fails=$((fails + 1)); }
expect 2 "export: not JSON" -- "$T" export --to csv "$D/malformed.txt"
grep_err "malformed.txt:1:1:" "export: not JSON"
expect 2 "export: unknown format" -- "$T" export --to stix1 "$W/b.json"

if [ "$fails" -ne 0 ]; then
	echo "$fails CLI check(s) failed"
	exit 1
fi
echo "all CLI checks passed"
