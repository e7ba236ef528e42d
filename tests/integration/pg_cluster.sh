# A throw-away PostgreSQL cluster for the shell tests, on a Unix socket in
# a scratch directory, no TCP. Sourced; then `pg_start DIR` starts it in
# DIR/pg (DIR is chowned to postgres when running as root: the server
# refuses root) and sets PG_URL, the URI of its database "postgres" as
# user tripact (host = the socket directory written %2F, no '&', so it is
# safe in `sh -c`); `pg_createdb NAME` adds a database, whose URI is
# ${PG_BASE}NAME; `pg_stop` stops it (call it from the EXIT trap).
# TP_PG_BIN: the server's directory (default Debian 12's).
PGBIN=${TP_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_AS=""
PG_DIR=""
pg_start() {
	PG_DIR=$1
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$PG_DIR"
		PG_AS="runuser -u postgres --"
	fi
	if ! $PG_AS "$PGBIN/initdb" -D "$PG_DIR/pg" -A trust -U tripact --no-sync \
		>"$PG_DIR/pg.log" 2>&1 ||
		! $PG_AS "$PGBIN/pg_ctl" -D "$PG_DIR/pg" -l "$PG_DIR/pg/log" -w \
			-o "-k $PG_DIR -c listen_addresses='' -F" start >>"$PG_DIR/pg.log" 2>&1; then
		echo "cannot start a PostgreSQL cluster with $PGBIN:" >&2
		cat "$PG_DIR/pg.log" >&2
		exit 1
	fi
	PG_BASE="postgresql://tripact@$(printf '%s' "$PG_DIR" | sed 's|/|%2F|g')/"
	PG_URL="${PG_BASE}postgres"
}
pg_createdb() {
	$PG_AS "$PGBIN/createdb" -h "$PG_DIR" -U tripact "$1"
}
pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	$PG_AS "$PGBIN/pg_ctl" -D "$PG_DIR/pg" -m immediate -w stop >/dev/null 2>&1 || true
}
