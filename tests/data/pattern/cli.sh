#!/bin/sh
# CLI contract of `tripact pattern`: exit codes, output and messages.
# usage: cli.sh TRIPACT SOURCE_DIR
set -u
t=$1
data=$2/tests/data/pattern/data
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS DESCRIPTION -- command...
expect() {
	want=$1
	what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, want $want"
		sed 's/^/  stdout: /' "$tmp/out"
		sed 's/^/  stderr: /' "$tmp/err"
		fails=$((fails + 1))
	fi
}

# has FILE TEXT: the last command's stdout/stderr contains TEXT
has() {
	if ! grep -qF -- "$2" "$tmp/$1"; then
		echo "FAIL: $1 lacks '$2'"
		sed "s/^/  $1: /" "$tmp/$1"
		fails=$((fails + 1))
	fi
}

expect 0 "check valid" -- "$t" pattern check "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']"
expect 1 "check syntax error" -- "$t" pattern check "[file:name = 'a'"
has err "column 17"
has err "expected ']'"
expect 1 "check short hash" -- "$t" pattern check "[file:hashes.MD5 = 'abc']"
has err "not a valid MD5 hash"
expect 1 "check repeated qualifier" -- "$t" pattern check "[a:b = 1] WITHIN 1 SECONDS WITHIN 2 SECONDS"
expect 0 "check warns on unknown property" -- "$t" pattern check "[file:nmae = 'a']"
has err "warning: file: 'nmae'"
expect 2 "check without pattern" -- "$t" pattern check
expect 2 "unknown subcommand" -- "$t" pattern frobnicate x
expect 0 "help" -- "$t" pattern --help
has out "tripact pattern match PATTERN FILE"

expect 0 "explain" -- "$t" pattern explain "[a:b = 1] REPEATS 2 TIMES"
has out "REPEATS 2 TIMES"
has out "  OBSERVATION (one observed-data)"
expect 0 "explain compact" -- "$t" pattern explain --compact "[a:b = 1] REPEATS 2 TIMES"
has out "(REPEATS 2 [(= a:b 1)])"
expect 1 "explain invalid" -- "$t" pattern explain "[a:b = ]"

expect 0 "match" -- "$t" pattern match "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [url:value LIKE '%evil%']" "$data/basic.json"
has out "observed-data--00000000-0000-4000-8000-000000000001"
has out "observed-data--00000000-0000-4000-8000-000000000003"
[ "$(wc -l <"$tmp/out")" -eq 2 ] || { echo "FAIL: match prints 2 ids"; fails=$((fails + 1)); }
expect 1 "no match" -- "$t" pattern match "[ipv4-addr:value = '10.9.9.9']" "$data/basic.json"
[ -s "$tmp/out" ] && { echo "FAIL: no match prints nothing"; fails=$((fails + 1)); }
expect 1 "wrong-length hash just does not match" -- "$t" pattern match "[file:hashes.MD5 = 'abc']" "$data/basic.json"
expect 0 "array of bundles" -- "$t" pattern match "[email-message:from_ref.value LIKE 'lazarus@%']" "$data/crossbundle.json"
expect 0 "array of bare objects" -- "$t" pattern match "[mutex:name LIKE '%AppleJeus']" "$data/bare.json"
expect 0 "stdin" -- sh -c "\"$t\" pattern match \"[mutex:name LIKE '%AppleJeus']\" - < \"$data/bare.json\""
expect 2 "match parse error" -- "$t" pattern match "[a:b =" "$data/basic.json"
has err "column 7"
expect 2 "WITHIN 0 SECONDS" -- "$t" pattern match "[a:b = 1] WITHIN 0 SECONDS" "$data/basic.json"
has err "WITHIN needs a positive number"
expect 2 "missing file" -- "$t" pattern match "[a:b = 1]" "$tmp/nope.json"
expect 2 "bad observed-data" -- "$t" pattern match "[a:b = 1]" "$data/bad-number.json"
has err "number_observed"
printf '{"type": "bundle", "objects": [' >"$tmp/broken.json"
expect 2 "broken JSON" -- "$t" pattern match "[a:b = 1]" "$tmp/broken.json"
has err "broken.json:1:"
expect 2 "match without file" -- "$t" pattern match "[a:b = 1]"

# tripact validate checks indicator patterns with this parser
expect 1 "validate indicators" -- "$t" validate "$data/indicators.json"
has out "invalid STIX pattern at column 34"
has out "'abc' is not a valid MD5 hash"
grep -q "indicator--ae2e2d2b" "$tmp/out" && { echo "FAIL: valid pattern reported"; fails=$((fails + 1)); }

if [ $fails -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "pattern CLI: all checks passed"
