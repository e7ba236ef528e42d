# Shared by the sync tests: a scratch directory removed on exit, the check
# helpers and the node set-up. Sourced after T (the tripact binary), SRC
# (the source tree) and STORE are set: with STORE=postgres each node's
# store is a database in a throw-away PostgreSQL cluster, else a directory.
D=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "$STORE" != postgres ] || pg_stop
	rm -rf "$D"
}
trap cleanup EXIT
if [ "$STORE" = postgres ]; then
	. "$SRC/tests/integration/pg_cluster.sh"
	pg_start "$D"
fi
# store NAME: node NAME's --data
store() {
	if [ "$STORE" = postgres ]; then
		echo "$PG_BASE$1"
	else
		echo "$D/$1"
	fi
}
. "$SRC/tests/integration/check.sh"
PW='a long enough password'
DEMO=$SRC/data/demo
RED_REF=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
AMBER_REF=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421
GREEN_REF=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
CLEAR_REF=marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487

# node NAME ORG: a store with the three organisations, an API root and a
# collection "feed"
node() {
	[ "$STORE" != postgres ] || pg_createdb "$1"
	A="$T admin --data $(store "$1")"
	for o in us-cisa jp-nisc kr-kisa; do $A org add $o >/dev/null; done
	$A node set --org "$2" >/dev/null
	$A api-root add dprk --title DPRK --default >/dev/null
	$A collection add --api-root dprk --title Feed --alias feed >/dev/null
}
# user NODE NAME ORG GRANT [--partner-node]: an account with a grant
user() {
	echo "$PW" | $T admin --data "$(store "$1")" user add "$2" --org "$3" ${5:-} >/dev/null
	$T admin --data "$(store "$1")" grant "$4" --collection feed --user "$2" >/dev/null
}
# token NODE USER FILE
token() {
	$T admin --data "$(store "$1")" token create --user "$2" >"$3"
}
# accounts: on KR, JP and US (nodes made by `node`) the accounts each node
# gives its partners and the ones standing for them, and the tokens
# $D/kr-for-us.token, jp-for-us.token, jp-analyst.token, us-analyst.token
accounts() {
	user kr node-us us-cisa read --partner-node
	user jp node-us us-cisa read,write --partner-node
	user jp analyst jp-nisc read
	user us node-kr kr-kisa read --partner-node
	user us node-jp jp-nisc read --partner-node
	user us analyst us-cisa read
	token kr node-us "$D/kr-for-us.token"
	token jp node-us "$D/jp-for-us.token"
	token jp analyst "$D/jp-analyst.token"
	token us analyst "$D/us-analyst.token"
}
# serve NODE [options]: starts it, sets PORT
serve() {
	n=$1
	shift
	rm -f "$D/$n.port"
	$T serve --data "$(store "$n")" --listen 127.0.0.1:0 --port-file "$D/$n.port" --quiet "$@" \
		>"$D/$n.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID_$n=$!"
	i=0
	while [ ! -s "$D/$n.port" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "$n did not start"; cat "$D/$n.log"; exit 1; }
		sleep 0.1
	done
	PORT=$(cat "$D/$n.port")
}
# dump PORT TOKENFILE: every version in feed readable by that token, one a line
dump() {
	url="http://127.0.0.1:$1/dprk/collections/feed/objects/?limit=1000&match%5Bversion%5D=all"
	next=""
	while :; do
		curl -sf -H "Authorization: Bearer $(cat "$2")" \
			-H "Accept: application/taxii+json;version=2.1" "$url$next" >"$D/page.json"
		jq -c '.objects[]?' "$D/page.json"
		[ "$(jq -r '.more // false' "$D/page.json")" = true ] || break
		next="&next=$(jq -r .next "$D/page.json")"
	done
}
# count FILE PATTERN...: lines of FILE matching every pattern
count() {
	f=$1
	shift
	cp "$f" "$D/count"
	for p in "$@"; do
		grep -F -- "$p" "$D/count" >"$D/count.new" || true
		mv "$D/count.new" "$D/count"
	done
	wc -l <"$D/count" | tr -d ' '
}
