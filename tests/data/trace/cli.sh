#!/bin/sh
# tripact trace from the command line: import, labels, every report
# format, exit statuses. Usage: cli.sh TRIPACT SOURCE_DIR
set -u
T=$1
S=$2
D=$S/tests/data/trace
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export TRIPACT_DATA_DIR=$S/data

"$T" trace import --chain btc --out "$W/g" "$D/peel.json" 2>"$W/err" || fail "import: $(cat "$W/err")"
grep -q "imported 6 transactions" "$W/err" || fail "import summary: $(cat "$W/err")"
grep -q "default label set" "$W/err" || fail "no default labels stored"
"$T" trace labels add --graph "$W/g" "$D/labels.csv" 2>/dev/null || fail "labels add"
"$T" trace labels list --graph "$W/g" | grep -q "^btc,3ExchangeDeposit,exchange" || fail "labels list"
"$T" trace info --graph "$W/g" | grep -q "transactions  6" || fail "info"

run() { "$T" trace run --graph "$W/g" --seed 1Thief --model haircut "$@"; }
run >"$W/text" || fail "run text"
grep -q "exact (endpoints + held + fees == seed)" "$W/text" || fail "text conservation line"
grep -q "43585 .* exchange .*3ExchangeDeposit (Example Exchange deposit)" "$W/text" || fail "text endpoint: $(cat "$W/text")"
run --format json >"$W/json" || fail "run json"
grep -q '"seed": "99000"' "$W/json" || fail "json seed"
grep -q '"fees": "1245"' "$W/json" || fail "json fees"
grep -q '"conserved": true' "$W/json" || fail "json conserved"
run --format csv >"$W/csv" || fail "run csv"
head -1 "$W/csv" | grep -q '^address,label,category,stop,asset,amount,share,hops,first_seen,last_seen,path$' || fail "csv header"
grep -q '^3ExchangeDeposit,Example Exchange deposit,exchange,label,btc,43585,0.440252,2,2020-09-13T12:56:40Z' "$W/csv" || fail "csv row: $(cat "$W/csv")"
run --format dot >"$W/dot" || fail "run dot"
grep -q '"1Thief" -> "1X" \[penwidth=' "$W/dot" || fail "dot edge"
run --format stix --intrusion-set intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a \
	--intrusion-set-name "Lazarus Group" --indicator-min 30000 >"$W/stix" || fail "run stix"
grep -q '"type": "extension-definition"' "$W/stix" || fail "stix extension"
grep -q '"pattern": "\[cryptocurrency-wallet:value = '"'"'3ExchangeDeposit'"'"'\]"' "$W/stix" || fail "stix indicator"
[ "$(grep -c '"type": "indicator"' "$W/stix")" = 2 ] || fail "stix: indicators above 30000 only"
[ "$(grep -c '"relationship_type": "indicates"' "$W/stix")" = 2 ] || fail "stix relationships"

# seeds that received nothing in the window: an empty report and a warning
run --until 2001-01-01 >"$W/text" 2>"$W/err" || fail "run before the chain"
grep -q "no tainted endpoints" "$W/text" || fail "empty window report: $(cat "$W/text")"
grep -q "warning: the seeds received nothing to trace between --since and --until" "$W/err" || fail "empty window warning: $(cat "$W/err")"
run 2>"$W/err" >/dev/null && [ ! -s "$W/err" ] || fail "warning on a trace with stolen value: $(cat "$W/err")"

# usage and input errors exit 2 with a message
"$T" trace run --graph "$W/g" --seed 1Thief --model bogus 2>"$W/err"; [ $? = 2 ] || fail "bad model exit"
grep -q "unknown model 'bogus'" "$W/err" || fail "bad model message"
"$T" trace run --graph "$W/g" --seed 1Nobody --model fifo 2>"$W/err"; [ $? = 2 ] || fail "unknown seed exit"
grep -q "does not occur in the graph" "$W/err" || fail "unknown seed message"
"$T" trace run --graph "$W/none" --seed 1Thief --model fifo 2>/dev/null; [ $? = 2 ] || fail "no graph exit"
"$T" trace synth 2>"$W/err"; [ $? = 2 ] || fail "synth without --out"
printf '{"hash":"zz"}\n' >"$W/bad.json"
"$T" trace import --chain btc --out "$W/g2" "$W/bad.json" 2>"$W/err"; [ $? = 2 ] || fail "bad import exit"
grep -q "bad.json:1: " "$W/err" || fail "bad import message: $(cat "$W/err")"
# raw getblock hex (blocks 50001-50002): the coinbases import, the spends
# of earlier outputs are refused (or counted with --skip-bad); ids come out
# in the display order bitcoin-etl uses
H=$S/tests/data/btc/blocks_50001_50002.hex
"$T" trace import --chain btc --out "$W/raw" --height 50001 --no-default-labels "$H" 2>"$W/err"; [ $? = 2 ] || fail "raw import should fail"
grep -q "block 50001, transaction 7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a: an input spends an output not in the graph" "$W/err" || fail "raw message: $(cat "$W/err")"
"$T" trace import --chain btc --out "$W/raw" --height 50001 --skip-bad --no-default-labels "$H" 2>"$W/err" || fail "raw skip-bad"
grep -q "skipped 2 bad rows" "$W/err" || fail "raw skip count"
"$T" trace run --graph "$W/raw" --seed e1882d41800d96d0fddc196cd8d3f0b45d65b030c652d97eaba79a1174e64d58:0 --model fifo --format csv >"$W/csv" || fail "raw trace"
grep -q "^1PkqKGbNLDdDJGveCcNUMV9CEFH77ADrPQ,,held,unspent,btc,5000000000," "$W/csv" || fail "raw ids/addresses: $(cat "$W/csv")"
"$T" trace info --graph "$W/raw" | grep -q "last block    50002" || fail "raw heights"
# --height 0 is a height (a genesis block), not "unknown"
"$T" trace import --chain btc --out "$W/raw0" --height 0 --skip-bad --no-default-labels "$H" 2>"$W/err" || fail "raw --height 0: $(cat "$W/err")"
"$T" trace info --graph "$W/raw0" | grep -q "last block    1$" || fail "raw --height 0 heights"
echo ok
