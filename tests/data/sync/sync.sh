#!/bin/sh
# tripact sync between three nodes built from the demo bundles:
#   KR (kr-kisa) holds KR's AMBER and RED; US (us-cisa) holds its CLEAR and,
#   as its own, a RED bundle; JP (jp-nisc) holds its GREEN.
#   US pulls from KR, and pulls from and pushes to JP.
# Checks: a pull brings what the puller's account may read there and nothing
# else; a push never sends RED, nor the AMBER that came from KR, nor JP's
# own objects back; a second run moves nothing; a stopped peer or a bad
# token is a clear error that leaves the cursors alone.
# Usage: sync.sh TRIPACT SOURCE_DIR [postgres]
set -eu
T=$1
SRC=$2
STORE=${3:-}
. "$SRC/tests/data/sync/lib.sh"

node kr kr-kisa
node us us-cisa
node jp jp-nisc
$T admin --data "$(store kr)" load --collection feed --org kr-kisa \
	"$DEMO/dprk-iocs-amber.json" "$DEMO/dprk-iocs-red.json" >/dev/null
$T admin --data "$(store us)" load --collection feed --org us-cisa \
	"$DEMO/dprk-iocs-clear.json" "$DEMO/dprk-iocs-red.json" >/dev/null
$T admin --data "$(store jp)" load --collection feed --org jp-nisc "$DEMO/dprk-iocs-green.json" >/dev/null
accounts
serve kr
KR=$PORT
# a small body cap: the push needs many envelopes
serve jp --max-content-length 200000
JP=$PORT
S="$T sync --data $(store us)"

# ---- peers ----
expect 2 "exactly one of --token-file and --user" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" \
	--remote-collection feed --collection feed --as node-jp --pull
expect 2 "not an API root URL" $S peer add jp --url "http://127.0.0.1:$JP" \
	--remote-collection feed --collection feed --as node-jp --pull --token-file "$D/jp-for-us.token"
expect 2 "not a partner-node account" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" \
	--remote-collection feed --collection feed --as analyst --pull --token-file "$D/jp-for-us.token"
expect 2 "say --pull, --push or both" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" \
	--remote-collection feed --collection feed --as node-jp --token-file "$D/jp-for-us.token"
expect 0 "" $S peer add kr --url "http://127.0.0.1:$KR/dprk/" --remote-collection feed \
	--collection feed --as node-kr --pull --token-file "$D/kr-for-us.token"
expect 0 "" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" --remote-collection feed \
	--collection feed --as node-jp --pull --push --token-file "$D/jp-for-us.token"
expect 2 "peer 'jp' already exists" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" \
	--remote-collection feed --collection feed --as node-jp --pull --token-file "$D/jp-for-us.token"
expect 0 "^jp  http.*as=node-jp  pull,push  auth=token:.*pull_cursor=none  push_cursor=none" $S peer list
expect 0 "^kr  .*  pull  " $S peer list

# ---- the first run ----
expect 0 "peer kr: pulled [1-9]" $S run --peer kr
kr_out=$out
expect 0 "peer jp: pulled .*, pushed [1-9]" $S run --peer jp
echo "$out" | sed 's/^/    /'

serve us
US=$PORT
dump "$US" "$D/us-analyst.token" >"$D/us.all"
dump "$JP" "$D/jp-analyst.token" >"$D/jp.all"
dump "$KR" "$D/kr-for-us.token" >"$D/kr.for-us"

# pull from KR: exactly what node-us reads on KR (its AMBER, never its RED)
n_kr=$(wc -l <"$D/kr.for-us")
got=$(echo "$kr_out" | sed -n 's/^peer kr: pulled \([0-9]*\) (\([0-9]*\) already here).*/\1 \2/p' |
	awk '{print $1 + $2}')
[ "$got" = "$n_kr" ] || fail "pulled $got from KR, but KR serves $n_kr to us-cisa"
# and nothing else: every AMBER object on US is one KR serves to us-cisa
jq -r .id "$D/kr.for-us" | sort >"$D/kr.ids"
grep -F "$AMBER_REF" "$D/us.all" | jq -r .id | sort -u | comm -23 - "$D/kr.ids" >"$D/extra"
[ ! -s "$D/extra" ] || fail "AMBER on US that KR does not serve: $(head -3 "$D/extra")"
[ "$(count "$D/kr.for-us" "\"$RED_REF\"]")" = 0 ] || fail "KR serves RED to us-cisa"
[ "$(count "$D/us.all" '"created_by_ref"' "$AMBER_REF")" -gt 0 ] || fail "no KR AMBER pulled"
for id in $(jq -r .id "$D/kr.for-us" | head -50); do
	grep -q "\"id\":\"$id\"" "$D/us.all" || fail "$id readable by us-cisa on KR was not pulled"
done
# RED on US: only US's own copy of the RED bundle (same count as the bundle)
red_us=$(count "$D/us.all" '"type":"indicator"' "$RED_REF")
[ "$red_us" = 387 ] || fail "US holds $red_us RED indicators, want its own 387"
# push to JP: CLEAR went, no RED, no AMBER (KR's, relayed), GREEN not duplicated
[ "$(count "$D/jp.all" "$RED_REF\"]")" = 0 ] || fail "RED reached JP"
[ "$(count "$D/jp.all" '"type":"indicator"' "$AMBER_REF")" = 0 ] || fail "KR's AMBER relayed to JP"
[ "$(count "$D/jp.all" '"type":"indicator"' "$CLEAR_REF")" = 1959 ] ||
	fail "JP has $(count "$D/jp.all" '"type":"indicator"' "$CLEAR_REF") CLEAR indicators, want 1959"
[ "$(count "$D/jp.all" '"type":"indicator"' "$GREEN_REF")" = 2008 ] || fail "JP's GREEN changed"
# pull from JP: its GREEN, stored as JP's
[ "$(count "$D/us.all" '"type":"indicator"' "$GREEN_REF")" = 2008 ] || fail "GREEN not pulled from JP"

# ---- a second run moves nothing ----
expect 0 "peer jp: pulled 0 (4403 already here), pushed 0, skipped by TLP 0, not echoed 0" $S run
# the third: not even what went to JP comes back
expect 0 "peer jp: pulled 0 (0 already here), pushed 0, skipped by TLP 0, not echoed 0" $S run
expect 0 "peer kr: pulled 0 (0 already here), pushed 0, skipped by TLP 0" $S run

# ---- Basic authentication, the password piped in and never shown ----
expect 2 "no password on standard input" sh -c "$S peer add kr-basic --url http://127.0.0.1:$KR/dprk/ \
	--remote-collection feed --collection feed --as node-kr --pull --user node-us </dev/null"
expect 0 "" sh -c "echo '$PW' | $S peer add kr-basic --url http://127.0.0.1:$KR/dprk/ \
	--remote-collection feed --collection feed --as node-kr --pull --user node-us"
expect 0 "^kr-basic  .*auth=user:node-us  " $S peer list
printf '%s\n' "$out" | grep -q "$PW" && fail "peer list shows a password"
expect 0 "peer kr-basic: pulled 0 ($n_kr already here)" $S run --peer kr-basic
expect 0 "" $S peer remove kr-basic

# ---- a bad token: the peer's 401, nothing moves ----
echo "not-a-valid-token-at-all-but-long-enough-xx" >"$D/bad.token"
expect 0 "" $S peer add jp-bad --url "http://127.0.0.1:$JP/dprk/" --remote-collection feed \
	--collection feed --as node-jp --pull --token-file "$D/bad.token"
expect 2 "peer jp-bad: GET http://127.0.0.1:$JP/dprk/: HTTP 401" $S run --peer jp-bad
expect 2 "lists no collection 'nope'" sh -c "$S peer remove jp-bad && $S peer add jp-bad \
	--url http://127.0.0.1:$JP/dprk/ --remote-collection nope --collection feed --as node-jp \
	--pull --token-file $D/jp-for-us.token && $S run --peer jp-bad"
expect 0 "" $S peer remove jp-bad
expect 2 "no peer 'jp-bad'" $S peer remove jp-bad

# ---- a stopped peer: a clear error, the cursors stay ----
$S peer list >"$D/peers.before"
echo "$PW" | $T admin --data "$(store us)" user add poster --org us-cisa >/dev/null
kill "$PID_jp"
wait "$PID_jp" 2>/dev/null || true
expect 2 "peer jp: GET http://127.0.0.1:$JP/dprk/: .*onnect" $S run --peer jp
$S peer list >"$D/peers.after"
cmp -s "$D/peers.before" "$D/peers.after" || fail "cursors moved: $(diff "$D/peers.before" "$D/peers.after")"
expect 2 "peer jp: " $S run
echo "$out" | grep -q "^peer kr: pulled 0" || fail "a stopped peer stopped the others: $out"

# ---- TLS: verified by default, a private CA with --ca-file ----
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/jp.key" -out "$D/jp.crt" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	serve jp --tls-cert "$D/jp.crt" --tls-key "$D/jp.key"
	expect 0 "" $S peer add jp-tls --url "https://127.0.0.1:$PORT/dprk/" --remote-collection feed \
		--collection feed --as node-jp --pull --token-file "$D/jp-for-us.token"
	expect 2 "peer jp-tls: GET https://127.0.0.1:$PORT/dprk/: .*certificate" $S run --peer jp-tls
	expect 0 "" $S peer remove jp-tls
	expect 0 "" $S peer add jp-tls --url "https://127.0.0.1:$PORT/dprk/" --remote-collection feed \
		--collection feed --as node-jp --pull --token-file "$D/jp-for-us.token" \
		--ca-file "$D/jp.crt"
	expect 0 "peer jp-tls: pulled 0 (8460 already here)" $S run --peer jp-tls
	expect 0 "" $S peer remove jp-tls
fi
expect 2 "no peers" $T sync run --data "$(store jp)"

# ---- refusals: reported by id, and sent again until accepted ----
# JP again, taking at most 1,024 bytes a request: the larger CLEAR
# indicators cannot go; the cursor stays before the first of them
serve jp --max-content-length 1024
expect 0 "" $S peer add jp-small --url "http://127.0.0.1:$PORT/dprk/" --remote-collection feed \
	--collection feed --as node-jp --push --token-file "$D/jp-for-us.token"
expect 2 "indicator--.* not sent: 1[0-9]* bytes, over the peer's max_content_length of 1024" \
	$S run --peer jp-small
big=$(echo "$out" | grep -c "not sent")
echo "$out" | grep -q "^peer jp-small: pulled 0 (0 already here), pushed 0," ||
	fail "JP held everything that fits, yet: $out"
expect 2 "not sent" $S run --peer jp-small
[ "$(echo "$out" | grep -c "not sent")" = "$big" ] || fail "refused versions were skipped: $out"

finish sync
