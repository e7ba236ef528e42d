#!/bin/sh
# tripact validate on hostile sizes, generated here rather than stored:
# a 1 MiB string (valid: STIX sets no length limit), an object over the
# per-object cap (a clear limit error, exit 1), and 100,000 objects of
# JSON lines (counted, exit 0).
set -eu
tripact=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
obj() { # $1 = description text
	printf '{"type":"note","spec_version":"2.1","id":"note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","content":"%s","object_refs":["identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"]}\n' "$1"
}
big=$(head -c 1048576 /dev/zero | tr '\0' 'a')
obj "$big" >"$tmp/big.json"
"$tripact" validate -q "$tmp/big.json" >"$tmp/out" 2>&1 || { cat "$tmp/out"; echo "1 MiB string rejected"; exit 1; }
grep -q '1 object, 0 errors' "$tmp/out" || { cat "$tmp/out"; exit 1; }

set +e
"$tripact" validate --max-object-size 65536 "$tmp/big.json" >"$tmp/out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$tmp/out"; echo "expected exit 1 over the object cap, got $rc"; exit 1; }
grep -q 'larger than 65536 bytes' "$tmp/out" || { cat "$tmp/out"; exit 1; }

i=0
: >"$tmp/many.jsonl"
line=$(obj "x")
yes "$line" | head -n 100000 >"$tmp/many.jsonl"
"$tripact" validate -q "$tmp/many.jsonl" >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
grep -q '100000 objects' "$tmp/out" || { cat "$tmp/out"; exit 1; }
echo "limits ok"
