#!/bin/sh
# tripact admin end to end: every command, its output and exit status, and
# the error messages a newcomer meets. Usage: admin.sh TRIPACT SOURCE_DIR
# [postgres]: with "postgres", the store is a database in a throw-away
# PostgreSQL cluster (TP_PG_BIN: the server's directory) instead of $D.
set -eu
T=$1
SRC=$2
D=$(mktemp -d)
DATA=$D
trap 'rm -rf "$D"' EXIT
if [ "${3:-}" = postgres ]; then
	. "$SRC/tests/integration/pg_cluster.sh"
	# stopped (if it started) and removed whatever happens
	trap 'pg_stop; rm -rf "$D"' EXIT
	pg_start "$D"
	DATA=$PG_URL
fi
. "$SRC/tests/integration/check.sh"
A="$T admin --data $DATA"

expect 2 "must come first" $T admin org add x
expect 0 "usage: tripact admin" $T admin --help
expect 2 "unknown command" $A frobnicate now
expect 0 "" $A org add us-cisa --title "CISA"
expect 0 "" $A org add jp-nisc
expect 2 "already exists" $A org add us-cisa
expect 2 "only letters, digits" $A org add "bad name"
expect 0 "us-cisa  CISA" $A org list
expect 2 "no password on standard input" sh -c "$A user add alice --org us-cisa </dev/null"
expect 2 "too short" sh -c "echo short | $A user add alice --org us-cisa"
expect 2 "no organisation 'nowhere'" sh -c "echo 'long enough pw' | $A user add alice --org nowhere"
expect 0 "" sh -c "echo 'long enough pw' | $A user add alice --org us-cisa"
expect 0 "" sh -c "echo 'long enough pw' | $A user add node-jp --org jp-nisc --partner-node"
expect 0 "node-jp  org=jp-nisc  partner-node" $A user list
expect 2 "still has users" $A org remove us-cisa
expect 0 "^[A-Za-z0-9_-]\{43\}$" $A token create --user alice --label ci
expect 0 "1  user=alice  label=ci" $A token list
expect 0 "" $A token revoke 1
expect 2 "no token 1" $A token revoke 1
expect 2 "no user 'bob'" $A token create --user bob
expect 2 "discovery path" $A api-root add taxii2
expect 0 "" $A api-root add dprk --title "DPRK" --default
expect 0 "dprk  (default)  DPRK" $A api-root list
expect 2 "no API root 'nope'" $A collection add --api-root nope --title X
expect 2 "--title is required" $A collection add --api-root dprk
expect 2 "not a TLP level" $A collection add --api-root dprk --title X --tlp purple
expect 0 "^[0-9a-f-]\{36\}$" $A collection add --api-root dprk --title "Feed" --alias feed --tlp amber+strict
expect 0 "alias=feed  Feed  tlp=amber+strict  objects=0" $A collection list
expect 2 "no collection 'nope'" $A grant read --collection nope --org us-cisa
expect 2 "read, write or read,write" $A grant admin --collection feed --org us-cisa
expect 2 "exactly one user or organisation" $A grant read --collection feed
expect 0 "" $A grant read,write --collection feed --org us-cisa
expect 0 "" $A grant read --collection feed --user node-jp
expect 0 "feed  org=us-cisa  read,write" $A grant list
expect 0 "" $A revoke write --collection feed --org us-cisa
expect 0 "feed  org=us-cisa  read$" $A grant list
expect 0 "default_tlp=amber (not set)" $A node show
expect 0 "" $A node set --org jp-nisc --default-tlp green --title "JP node"
expect 0 "default_tlp=green" $A node show
expect 2 "no organisation 'xx'" $A node set --org xx
# load: a real bundle, a broken file, invalid objects
expect 0 "2182 stored, 0 already present, 0 rejected -> feed" \
	$A load --collection feed --org us-cisa "$SRC/data/intel/attack/attack-dprk-v18.1.stix21.json"
expect 0 "0 stored, 2182 already present" \
	$A load --collection feed --org us-cisa "$SRC/data/intel/attack/attack-dprk-v18.1.stix21.json"
printf '{"type":"bundle","objects":[' >"$D/broken.json"
expect 2 "broken.json:1:" $A load --collection feed --org us-cisa "$D/broken.json"
cat >"$D/bad.json" <<'JSON'
{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[
 {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001",
  "created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[x:y = 1]",
  "pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002",
  "created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[x:y = 1]",
  "pattern_type":"stix"}]}
JSON
expect 1 "objects\[1\].*valid_from" $A load --collection feed --org us-cisa "$D/bad.json"
expect 0 "objects=2183" $A collection list
expect 0 "" $A collection remove feed
expect 2 "no collection 'feed'" $A collection remove feed
expect 0 "" $A user remove alice
expect 2 "no user 'alice'" $A user remove alice
expect 2 "cannot connect to PostgreSQL" $T admin --data "postgresql:///tripact?host=/nonexistent" org list
expect 2 "--data DIR is required" $T serve
expect 2 "is not HOST:PORT" $T serve --data "$D" --listen nowhere
expect 2 "not a TLP level\|is not clear, green" $T serve --data "$D" --default-tlp purple

finish admin
