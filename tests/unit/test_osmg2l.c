/* Unit tests for lib/osmg2l.c: reading OpenSM's guid2lid. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "osmg2l.h"

/* What OpenSM 3.3.23 wrote for tests/sim/fabrics/quad.net (its hash order,
 * a blank line after every entry, no header). */
static const char osm_quad[] =
	"0x0000000000100003 0x0003 0x0003\n\n"
	"0x0000000000100005 0x0004 0x0004\n\n"
	"0x0000000000100007 0x0005 0x0005\n\n"
	"0x0000000000200000 0x0002 0x0002\n\n"
	"0x0000000000100001 0x0001 0x0001\n\n";

/* Read text with stderr captured; *log is malloc'd. */
static int read_capturing(const char *text, size_t len, struct osmg2l *g, char **log)
{
	char logpath[] = "/tmp/test_osmg2l_log.XXXXXX";
	int fd = mkstemp(logpath);
	FILE *f = fmemopen((void *)text, len, "r");
	int saved, rc;

	assert_true(fd >= 0);
	assert_non_null(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0 && dup2(fd, STDERR_FILENO) >= 0);
	rc = osmg2l_read(f, "/cache/guid2lid", g);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(f);

	FILE *lf = fdopen(fd, "r");
	assert_non_null(lf);
	rewind(lf);
	size_t cap = 0;
	*log = NULL;
	ssize_t n = getdelim(log, &cap, '\0', lf);
	if (n < 0) {
		free(*log);
		*log = strdup("");
	}
	fclose(lf);
	unlink(logpath);
	return rc;
}

static void assert_log_has(const char *log, const char *want)
{
	if (!strstr(log, want))
		fail_msg("log lacks \"%s\":\n%s", want, log);
}

/* ---- one line ---- */

struct good_case {
	const char *line;
	uint64_t guid;
	uint16_t lid;
};

static const struct good_case good[] = {
	{ "0x0000000000100003 0x0003 0x0003", 0x100003, 3 },       /* as OpenSM writes */
	{ "0x0002C90300000001 0xBFFF 0xbfff", 0x0002c90300000001ULL, 0xBFFF },
	{ "0x2c9 5 5", 0x2c9, 5 },                                 /* decimal, short GUID */
	{ "0x10 0x0004 0x0007", 0x10, 4 },                         /* LMC 2: the base LID */
	{ "0x10 8 9", 0x10, 8 },
	{ "\t 0xffffffffffffffff\t0x1   0x1 \r", 0xffffffffffffffffULL, 1 },
	{ "0x1 49151 49151", 0x1, 49151 },
	/* blank and comment lines: GUID 0 */
	{ "", 0, 0 },
	{ "  \t\r", 0, 0 },
	{ "# a comment 0x1 2 2", 0, 0 },
	{ "   # indented", 0, 0 },
};

static void test_line_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t guid = 99;
		uint16_t lid = 99;
		char why[160] = "";
		int rc = osmg2l_parse_line(good[i].line, &guid, &lid, why, sizeof(why));
		if (rc != 0 || guid != good[i].guid || lid != good[i].lid)
			fail_msg("'%s': rc %d guid 0x%llx lid %u (%s)", good[i].line, rc,
				 (unsigned long long)guid, lid, why);
	}
}

struct bad_case {
	const char *line;
	const char *why; /* substring of the reason */
};

static const struct bad_case bad[] = {
	{ "0x0002c90300000001 5", "too few fields" },     /* smd's own format */
	{ "0x0002c90300000001", "too few fields" },
	{ "0x1 0x2 0x2 0x3", "too many fields" },
	{ "0x1 2 2 # comment", "too many fields" },
	{ "this is garbage", "'this' is not a port GUID" },
	{ "0xzz 1 1", "'0xzz' is not a port GUID" },
	{ "0x0 1 1", "'0x0' is not a port GUID" },
	{ "0x 1 1", "is not a port GUID" },
	{ "0x00000000000000001 1 1", "not a port GUID" },  /* 17 digits */
	{ "100003 1 1", "'100003' is not a port GUID" },
	{ "0x1 0 0", "LID 0 out of range 1..49151" },
	{ "0x1 0x0000 0x0000", "LID 0x0000 out of range" },
	{ "0x1 0xC000 0xC000", "LID 0xC000 out of range" },
	{ "0x1 49152 49152", "LID 49152 out of range" },
	{ "0x1 1 99999999999999999999999", "out of range" },
	{ "0x1 010 010", "leading 0" },
	{ "0x1 0x 0x", "'0x' is not a LID" },
	{ "0x1 -1 1", "'-1' is not a LID" },
	{ "0x1 5a 5a", "'5a' is not a LID" },
	{ "0x1 0x5g 0x5g", "'0x5g' is not a LID" },
	{ "0x1 7 4", "LID range 7..4 is backwards" },
};

static void test_line_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t guid = 99;
		uint16_t lid = 99;
		char why[160] = "";
		int rc = osmg2l_parse_line(bad[i].line, &guid, &lid, why, sizeof(why));
		if (rc != -1 || !strstr(why, bad[i].why) || guid != 0)
			fail_msg("'%s': rc %d guid 0x%llx, reason '%s', want '%s'", bad[i].line, rc,
				 (unsigned long long)guid, why, bad[i].why);
	}
}

/* ---- whole files ---- */

static void test_read_opensm_output(void **state)
{
	(void)state;
	struct osmg2l g;
	char *log;
	static const uint64_t guids[] = { 0x100003, 0x100005, 0x100007, 0x200000, 0x100001 };
	static const uint16_t lids[] = { 3, 4, 5, 2, 1 };

	assert_int_equal(read_capturing(osm_quad, strlen(osm_quad), &g, &log), 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.bad, 0);
	for (size_t i = 0; i < 5; i++) {
		assert_true(g.ent[i].guid == guids[i]);
		assert_int_equal(g.ent[i].lid, lids[i]);
		assert_int_equal(g.ent[i].line, 2 * i + 1);
	}
	assert_string_equal(log, "");
	free(log);
	osmg2l_free(&g);

	/* An empty file is no entries and no complaint. */
	assert_int_equal(read_capturing("", 0, &g, &log), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.bad, 0);
	free(log);
	osmg2l_free(&g);
}

/* Bad lines are named with file:line and skipped; the good ones stay. */
static void test_read_bad_lines(void **state)
{
	(void)state;
	static const char text[] =
		"# hand-edited\n"
		"0x0000000000000011 0x0001 0x0001\n"
		"0x0000000000000012 5\n"
		"\n"
		"0x0000000000000013 0x0003 0x0003\n"
		"0x0000000000000014 0xC000 0xC000\n"
		"0x0000000000000015 0x0004 0x0007\n"
		"0x0000000000000016 7 7 \0 junk\n"
		"0x0000000000000017 8 8"; /* no final newline */
	struct osmg2l g;
	char *log;

	assert_int_equal(read_capturing(text, sizeof(text) - 1, &g, &log), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.bad, 3);
	assert_true(g.ent[0].guid == 0x11 && g.ent[0].lid == 1 && g.ent[0].line == 2);
	assert_true(g.ent[1].guid == 0x13 && g.ent[1].lid == 3 && g.ent[1].line == 5);
	assert_true(g.ent[2].guid == 0x15 && g.ent[2].lid == 4 && g.ent[2].line == 7);
	assert_true(g.ent[3].guid == 0x17 && g.ent[3].lid == 8 && g.ent[3].line == 9);
	assert_log_has(log, "/cache/guid2lid:3: too few fields");
	assert_log_has(log, "/cache/guid2lid:6: LID 0xC000 out of range");
	assert_log_has(log, "/cache/guid2lid:8: NUL byte in line");
	assert_log_has(log, "line not imported");
	free(log);
	osmg2l_free(&g);
}

/* One GUID with two LIDs, or one LID for two GUIDs: which one OpenSM used is
 * unknown, so neither is imported; an exact repeat is harmless. */
static void test_read_contradictions(void **state)
{
	(void)state;
	static const char text[] =
		"0x21 0x0001 0x0001\n"   /* 1: repeated on 2: kept once */
		"0x21 1 1\n"
		"0x22 0x0002 0x0002\n"   /* 3: GUID 0x22 again on 4 with another LID */
		"0x22 0x0009 0x0009\n"
		"0x23 0x0003 0x0003\n"   /* 5: LID 3 again on 6 for 0x24 */
		"0x24 0x0003 0x0003\n"
		"0x25 0x0003 0x0003\n"   /* 7: a third holder of LID 3 */
		"0x26 0x0009 0x0009\n"   /* 8: LID 9 of the dropped 0x22: still contested */
		"0x27 0x0010 0x0010\n"   /* 9: fine */
		"0x28 0x0011 0x0011\n"   /* 10: LID 17 ... */
		"0x29 0x0012 0x0012\n"   /* 11: ... and GUID 0x29 both contested by 12 */
		"0x29 0x0011 0x0011\n"
		"0x29 0x0011 0x0011\n";  /* 13: repeats 12: still both */
	struct osmg2l g;
	char *log;

	assert_int_equal(read_capturing(text, sizeof(text) - 1, &g, &log), 0);
	assert_int_equal(g.n, 2);
	assert_true(g.ent[0].guid == 0x21 && g.ent[0].lid == 1 && g.ent[0].line == 1);
	assert_true(g.ent[1].guid == 0x27 && g.ent[1].lid == 16 && g.ent[1].line == 9);
	assert_int_equal(g.bad, 10); /* lines 3 to 8, 10 to 13 */
	assert_log_has(log, "/cache/guid2lid:4: GUID 0x0000000000000022 has LID 9 here but LID 2 on line 3: neither is imported");
	assert_log_has(log, "/cache/guid2lid:6: LID 3 is given to 0x0000000000000024 here and to 0x0000000000000023 on line 5");
	assert_log_has(log, "/cache/guid2lid:7: LID 3");
	assert_log_has(log, "/cache/guid2lid:8: LID 9");
	assert_log_has(log, "/cache/guid2lid:12: GUID 0x0000000000000029 has LID 17 here but LID 18 on line 11");
	assert_log_has(log, "/cache/guid2lid:12: LID 17 is given to 0x0000000000000029 here and to 0x0000000000000028 on line 10");
	assert_log_has(log, "/cache/guid2lid:13: GUID 0x0000000000000029 has LID 17 here but LID 18 on line 11");
	free(log);
	osmg2l_free(&g);
}

/* A file of garbage: a bounded number of log lines, nothing imported. */
static void test_read_many_bad_lines(void **state)
{
	(void)state;
	size_t nlines = 1000;
	char *text = malloc(nlines * 8 + 1);
	struct osmg2l g;
	char *log;
	size_t len = 0;

	assert_non_null(text);
	for (size_t i = 0; i < nlines; i++)
		len += (size_t)sprintf(text + len, "garbage\n");
	assert_int_equal(read_capturing(text, len, &g, &log), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.bad, nlines);
	size_t shown = 0;
	for (const char *p = log; (p = strstr(p, "line not imported")); p++)
		shown++;
	assert_int_equal(shown, OSMG2L_MAX_REPORT);
	assert_log_has(log, "/cache/guid2lid: 990 more bad lines not shown");
	free(log);
	free(text);
	osmg2l_free(&g);
}

/* A large real-looking file: every LID of the unicast range. */
static void test_read_full_range(void **state)
{
	(void)state;
	size_t n = 0xBFFF;
	char *text = malloc(n * 36 + 1);
	struct osmg2l g;
	char *log;
	size_t len = 0;

	assert_non_null(text);
	for (size_t i = 1; i <= n; i++)
		len += (size_t)sprintf(text + len, "0x%016zx 0x%04zx 0x%04zx\n\n", 0x1000000 + i, i, i);
	assert_int_equal(read_capturing(text, len, &g, &log), 0);
	assert_int_equal(g.n, n);
	assert_int_equal(g.bad, 0);
	assert_true(g.ent[n - 1].guid == 0x1000000 + n && g.ent[n - 1].lid == n);
	free(log);
	free(text);
	osmg2l_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_good),
		cmocka_unit_test(test_line_bad),
		cmocka_unit_test(test_read_opensm_output),
		cmocka_unit_test(test_read_bad_lines),
		cmocka_unit_test(test_read_contradictions),
		cmocka_unit_test(test_read_many_bad_lines),
		cmocka_unit_test(test_read_full_range),
	};

	log_init("test_osmg2l", 1, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
