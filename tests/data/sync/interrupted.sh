#!/bin/sh
# tripact sync killed at any point, and `sync run --every` stopped by a
# signal. US pulls KR's CLEAR, GREEN and AMBER bundles and pushes its own
# CLEAR and GREEN to JP; each `sync run` is killed with SIGKILL at a
# different moment until one finishes by itself.
# Checks: after the interrupted runs each node holds every version the
# other serves it exactly once (nothing lost, nothing stored twice, SCOs
# without created/modified included), the same as one uninterrupted run;
# a run afterwards moves nothing; `--every` picks up an object added on
# the peer while it waits, and exits 0 on SIGTERM within its second.
# Usage: interrupted.sh TRIPACT SOURCE_DIR [postgres]
set -eu
T=$1
SRC=$2
STORE=${3:-}
. "$SRC/tests/data/sync/lib.sh"

node kr kr-kisa
node us us-cisa
node jp jp-nisc
$T admin --data "$(store kr)" load --collection feed --org kr-kisa "$DEMO/dprk-iocs-clear.json" \
	"$DEMO/dprk-iocs-green.json" "$DEMO/dprk-iocs-amber.json" >/dev/null
$T admin --data "$(store us)" load --collection feed --org us-cisa "$DEMO/dprk-iocs-clear.json" \
	"$DEMO/dprk-iocs-green.json" >/dev/null
accounts
token us node-jp "$D/us-for-jp.token"
serve kr
KR=$PORT
serve jp --max-content-length 200000
JP=$PORT
S="$T sync --data $(store us)"
expect 0 "" $S peer add kr --url "http://127.0.0.1:$KR/dprk/" --remote-collection feed \
	--collection feed --as node-kr --pull --token-file "$D/kr-for-us.token"
expect 0 "" $S peer add jp --url "http://127.0.0.1:$JP/dprk/" --remote-collection feed \
	--collection feed --as node-jp --push --token-file "$D/jp-for-us.token"

# cursor PEER: that peer's line of `sync peer list`
cursor() {
	$S peer list 2>/dev/null | grep "^$1  " || true
}
# versions FILE: "id modified" of each line of a dump, sorted (SCOs have none)
versions() {
	jq -r '.id + " " + (.modified // .created // "-")' "$1" | sort
}
# killed_runs PEER STEP: runs `sync run --peer PEER` again and again, each
# killed once its peer's cursors have moved (or, with no cursor to watch,
# after a delay growing by STEP seconds) plus a delay that varies from run
# to run, until one finishes; sets $kills, and $out to the last run's output
killed_runs() {
	peer=$1
	step=$2
	kills=0
	k=0
	while :; do
		k=$((k + 1))
		[ $k -le 60 ] || { fail "$peer: 60 killed runs and still not done"; return; }
		before=$(cursor "$peer")
		$S run --peer "$peer" >"$D/run.out" 2>&1 &
		pid=$!
		if [ "$step" = 0 ]; then
			while kill -0 $pid 2>/dev/null && [ "$(cursor "$peer")" = "$before" ]; do
				sleep 0.02
			done
			sleep "0.0$((k % 8))"
		else
			sleep "$(awk "BEGIN { print $k * $step }")"
		fi
		kill -9 $pid 2>/dev/null || true
		set +e
		wait $pid
		st=$?
		set -e
		out=$(cat "$D/run.out")
		if [ $st = 137 ]; then
			kills=$((kills + 1))
		elif [ $st = 0 ]; then
			return
		else
			fail "$peer: sync run ended with $st: $out"
			return
		fi
	done
}

# ---- pull, killed after each page it stores and at moments between ----
killed_runs kr 0
echo "pull from KR: killed $kills times, then: $out"
[ "$kills" -ge 2 ] || fail "the pull was killed only $kills times: the test did not test"
serve us
US=$PORT
dump "$KR" "$D/kr-for-us.token" >"$D/kr.for-us"
dump "$US" "$D/us-analyst.token" >"$D/us.all"
versions "$D/kr.for-us" >"$D/kr.v"
versions "$D/us.all" >"$D/us.v"
uniq -d "$D/us.v" >"$D/twice"
[ ! -s "$D/twice" ] || fail "versions stored twice on US: $(head -3 "$D/twice")"
# every version KR serves US is on US (US's own copies of the same
# bundles share their ids and versions: one copy each, by the check above)
comm -23 "$D/kr.v" "$D/us.v" >"$D/lost"
[ ! -s "$D/lost" ] || fail "$(wc -l <"$D/lost") versions lost by the pull: $(head -3 "$D/lost")"
expect 0 "peer kr: pulled 0 (0 already here), pushed 0" $S run --peer kr

# ---- push, killed at growing delays (its cursor moves once, at the end) ----
killed_runs jp 0.3
echo "push to JP: killed $kills times, then: $out"
[ "$kills" -ge 1 ] || fail "the push was never killed: the test did not test"
dump "$US" "$D/us-for-jp.token" >"$D/us.for-jp"
dump "$JP" "$D/jp-analyst.token" >"$D/jp.all"
versions "$D/us.for-jp" >"$D/usjp.v"
versions "$D/jp.all" >"$D/jp.v"
uniq -d "$D/jp.v" >"$D/twice"
[ ! -s "$D/twice" ] || fail "versions stored twice on JP: $(head -3 "$D/twice")"
# JP holds exactly what US's own organisation may share with it: what US
# serves node-jp less what US pulled from KR (a partner node's, not passed on)
[ "$(wc -l <"$D/jp.v")" -gt 0 ] || fail "nothing reached JP"
comm -13 "$D/usjp.v" "$D/jp.v" >"$D/extra"
[ ! -s "$D/extra" ] || fail "JP holds versions US does not serve it: $(head -3 "$D/extra")"
expect 0 "peer jp: pulled 0 (0 already here), pushed 0," $S run --peer jp
# the same push, never interrupted, to a second JP: the same versions
node jp2 jp-nisc
user jp2 node-us us-cisa read,write --partner-node
user jp2 analyst jp-nisc read
token jp2 node-us "$D/jp2-for-us.token"
token jp2 analyst "$D/jp2-analyst.token"
serve jp2 --max-content-length 200000
JP2=$PORT
expect 0 "" $S peer add jp2 --url "http://127.0.0.1:$JP2/dprk/" --remote-collection feed \
	--collection feed --as node-jp --push --token-file "$D/jp2-for-us.token"
expect 0 "peer jp2: pulled 0 (0 already here), pushed [1-9]" $S run --peer jp2
dump "$JP2" "$D/jp2-analyst.token" >"$D/jp2.all"
versions "$D/jp2.all" >"$D/jp2.v"
cmp -s "$D/jp.v" "$D/jp2.v" ||
	fail "interrupted push differs from one run: $(diff "$D/jp.v" "$D/jp2.v" | head -5)"

# ---- --every: picks up what is added on the peer, stops on SIGTERM ----
$S run --peer kr --every 1 >"$D/every.out" 2>&1 &
EVERY=$!
PIDS="$PIDS $EVERY"
sleep 1
cat >"$D/new.json" <<'EOF'
{"type":"bundle","id":"bundle--6f0c4b0e-2a39-4a57-9d1c-2b0f8e0b6a01","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--0b5f0c64-6b0e-4c2e-9f0a-3c1f8f3e7a55",
"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",
"name":"every test","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix",
"valid_from":"2026-11-01T00:00:00Z",
"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}]}
EOF
$T admin --data "$(store kr)" load --collection feed --org kr-kisa "$D/new.json" >/dev/null
i=0
until dump "$US" "$D/us-analyst.token" | grep -q indicator--0b5f0c64-6b0e-4c2e-9f0a-3c1f8f3e7a55; do
	i=$((i + 1))
	[ $i -lt 100 ] || { fail "--every did not pull the new object in 20 s"; break; }
	sleep 0.2
done
kill -TERM $EVERY
i=0
while kill -0 $EVERY 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { fail "--every still running 5 s after SIGTERM"; kill -9 $EVERY; break; }
	sleep 0.1
done
set +e
wait $EVERY
st=$?
set -e
[ $st = 0 ] || fail "--every exited $st after SIGTERM: $(cat "$D/every.out")"
grep -q "^peer kr: pulled 1 (0 already here)" "$D/every.out" ||
	fail "--every did not report the new object: $(cat "$D/every.out")"

finish interrupted-sync
