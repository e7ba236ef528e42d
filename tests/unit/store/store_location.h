/*
 * Where a test's store lives. By default the scratch directory the test
 * made (SQLite). With TP_TEST_STORE=postgres, a fresh database in a
 * throw-away PostgreSQL cluster that the first call starts (initdb +
 * pg_ctl in a temporary directory, listening only on a Unix socket there;
 * as the `postgres` account when run as root) and that is stopped and
 * removed when the test program ends, even by a crash. TP_PG_BIN
 * overrides the server's directory (default /usr/lib/postgresql/15/bin).
 *
 *	assert_int_equal(tp_store_open(test_store_location(dir), &s, &d), TP_OK);
 */
#ifndef TP_TEST_STORE_LOCATION_H
#define TP_TEST_STORE_LOCATION_H

#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char pg_test_dir[64];
static char pg_test_url[256];
static int pg_test_dbs;

static inline int test_store_is_pg(void)
{
	const char *k = getenv("TP_TEST_STORE");
	return k && strcmp(k, "postgres") == 0;
}

static inline const char *pg_test_bin(void)
{
	const char *b = getenv("TP_PG_BIN");
	return b && *b ? b : "/usr/lib/postgresql/15/bin";
}

/* Runs a command of the server's as the cluster's owner. */
static inline int pg_test_run(const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s%s/%s >>%s/server.log 2>&1",
		 getuid() == 0 ? "runuser -u postgres -- " : "", pg_test_bin(), args, pg_test_dir);
	return system(cmd);
}

static inline void pg_test_stop(void)
{
	char args[256], cmd[128];
	snprintf(args, sizeof args, "pg_ctl -D %s/data -m immediate -w stop", pg_test_dir);
	pg_test_run(args);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", pg_test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", pg_test_dir);
}

/* A child that stops and removes the cluster once this process ends, however
 * it ends (a crash or a sanitizer abort skips atexit): it waits for the end
 * of a pipe only this process writes to. */
static inline void pg_test_watch(void)
{
	int fd[2];
	if (pipe(fd) != 0) {
		atexit(pg_test_stop);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(fd[1]);
		while (read(fd[0], &c, 1) > 0)
			;
		pg_test_stop();
		_exit(0);
	}
	close(fd[0]);
	if (pid < 0)
		atexit(pg_test_stop);
}

static inline void pg_test_start(void)
{
	snprintf(pg_test_dir, sizeof pg_test_dir, "/tmp/tp-pg-test-XXXXXX");
	if (!mkdtemp(pg_test_dir)) {
		fprintf(stderr, "cannot make a directory for the PostgreSQL cluster\n");
		exit(1);
	}
	if (getuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw || chown(pg_test_dir, pw->pw_uid, pw->pw_gid) != 0) {
			fprintf(stderr, "no postgres account to run the test cluster as\n");
			exit(1);
		}
	}
	char args[512];
	snprintf(args, sizeof args, "initdb -D %s/data -A trust -U tripact -E UTF8 --no-sync",
		 pg_test_dir);
	int rc = pg_test_run(args);
	snprintf(args, sizeof args,
		 "pg_ctl -D %s/data -l %s/data/log -w -o \"-k %s -c listen_addresses='' -F\" start",
		 pg_test_dir, pg_test_dir, pg_test_dir);
	if (rc == 0)
		rc = pg_test_run(args);
	if (rc != 0) {
		fprintf(stderr, "cannot start a PostgreSQL cluster with %s:\n", pg_test_bin());
		char cmd[256];
		snprintf(cmd, sizeof cmd, "cat %s/server.log >&2; rm -rf '%s'", pg_test_dir,
			 pg_test_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", pg_test_dir);
		exit(1);
	}
	pg_test_watch();
}

static inline const char *test_store_location(const char *dir)
{
	if (!test_store_is_pg())
		return dir;
	if (!pg_test_dir[0])
		pg_test_start();
	char admin[256];
	snprintf(admin, sizeof admin, "postgresql:///postgres?host=%s&user=tripact", pg_test_dir);
	PGconn *c = PQconnectdb(admin);
	char sql[64];
	snprintf(sql, sizeof sql, "CREATE DATABASE t%d", ++pg_test_dbs);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "cannot create a test database: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	PQfinish(c);
	snprintf(pg_test_url, sizeof pg_test_url, "postgresql:///t%d?host=%s&user=tripact",
		 pg_test_dbs, pg_test_dir);
	return pg_test_url;
}

#endif
