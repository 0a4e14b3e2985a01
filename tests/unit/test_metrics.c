/* metrics: the counters' bookkeeping and Prometheus' text format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "metrics.h"

static int has_line(const struct sbuf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = b->s; p && (p = strstr(p, line)); p++)
		if ((p == b->s || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

#define HAS(b, l) do { if (!has_line(b, l)) fail_msg("no line '%s' in:\n%s", l, (b)->s); } while (0)

/* Buckets are cumulative in the text, +Inf is the count, sum in seconds. */
static void test_histogram(void **st)
{
	struct metrics m;
	struct sbuf b = { 0 };
	(void)st;

	memset(&m, 0, sizeof(m));
	mx_sweep(&m, MX_SWEEP_HEAVY, 0.0004);
	mx_sweep(&m, MX_SWEEP_HEAVY, 0.003);
	mx_sweep(&m, MX_SWEEP_HEAVY, 0.003);
	mx_sweep(&m, MX_SWEEP_HEAVY, 0.5);   /* on a bound: in it (le) */
	mx_sweep(&m, MX_SWEEP_HEAVY, 100);   /* beyond the last bound: +Inf only */
	mx_sweep(&m, MX_SWEEP_LIGHT, -1);    /* a clock step: 0, not negative */
	mx_sweep(&m, (enum mx_sweep)7, 1);   /* no such kind: nothing */
	mx_render(&m, &b);
	HAS(&b, "# TYPE smd_sweep_duration_seconds histogram");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"0.001\"} 1");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"0.0025\"} 1");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"0.005\"} 3");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"0.25\"} 3");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"0.5\"} 4");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"30\"} 4");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"heavy\",le=\"+Inf\"} 5");
	HAS(&b, "smd_sweep_duration_seconds_count{kind=\"heavy\"} 5");
	HAS(&b, "smd_sweep_duration_seconds_sum{kind=\"heavy\"} 100.5064");
	HAS(&b, "smd_sweep_duration_seconds_bucket{kind=\"light\",le=\"0.001\"} 1");
	HAS(&b, "smd_sweep_duration_seconds_sum{kind=\"light\"} 0");
	HAS(&b, "smd_sweep_duration_seconds_count{kind=\"quick\"} 0");
	assert_int_equal(m.sweep[MX_SWEEP_QUICK].count, 0);
	sb_free(&b);
}

/* By attribute, method and status, the unknown ones as "other"; only what
 * happened is written. */
static void test_sa(void **st)
{
	struct metrics m;
	struct sbuf b = { 0 };
	(void)st;

	memset(&m, 0, sizeof(m));
	mx_sa(&m, 0x0035, 0x12, 0);          /* PathRecord GetTable ok */
	mx_sa(&m, 0x0035, 0x12, 0);
	mx_sa(&m, 0x0038, 0x02, 0x0600);     /* join: insufficient components */
	mx_sa(&m, 0x0038, 0x15, 0x0200);     /* leave: invalid request */
	mx_sa(&m, 0x00b0, 0x01, 0x000c);     /* ServiceRecord: not served */
	mx_sa(&m, 0x0011, 0x7f, 0x0008);     /* a method nobody knows */
	mx_sa(&m, 0x0011, 0x01, 0x0900);     /* a status nobody knows */
	mx_sa(&m, 0x0001, 0x01, 0x0001);     /* a standby: busy */
	mx_render(&m, &b);
	HAS(&b, "# TYPE smd_sa_requests_total counter");
	HAS(&b, "smd_sa_requests_total{attribute=\"PathRecord\",method=\"GetTable\",status=\"ok\"} 2");
	HAS(&b, "smd_sa_requests_total{attribute=\"MCMemberRecord\",method=\"Set\","
		"status=\"insufficient_components\"} 1");
	HAS(&b, "smd_sa_requests_total{attribute=\"MCMemberRecord\",method=\"Delete\","
		"status=\"invalid_request\"} 1");
	HAS(&b, "smd_sa_requests_total{attribute=\"other\",method=\"Get\","
		"status=\"unsupported_method_attribute\"} 1");
	HAS(&b, "smd_sa_requests_total{attribute=\"NodeRecord\",method=\"other\","
		"status=\"unsupported_method\"} 1");
	HAS(&b, "smd_sa_requests_total{attribute=\"NodeRecord\",method=\"Get\",status=\"other\"} 1");
	HAS(&b, "smd_sa_requests_total{attribute=\"ClassPortInfo\",method=\"Get\",status=\"busy\"} 1");
	/* 7 series, nothing else */
	unsigned n = 0;
	for (const char *p = b.s; (p = strstr(p, "\nsmd_sa_requests_total{")); p++)
		n++;
	assert_int_equal(n, 7);
	sb_free(&b);
}

static void test_blocks(void **st)
{
	struct metrics m;
	struct sbuf b = { 0 };
	(void)st;

	memset(&m, 0, sizeof(m));
	m.lft_written = 12345678901ULL;
	m.mft_failed = 2;
	mx_render(&m, &b);
	HAS(&b, "# TYPE smd_lft_blocks_written_total counter");
	HAS(&b, "smd_lft_blocks_written_total 12345678901");
	HAS(&b, "smd_lft_block_writes_failed_total 0");
	HAS(&b, "smd_mft_blocks_written_total 0");
	HAS(&b, "smd_mft_block_writes_failed_total 2");
	assert_int_equal(b.s[b.len - 1], '\n');
	sb_free(&b);
}

/* Label values escaped as the format wants; nothing overflows. */
static void test_labels(void **st)
{
	char l[64];
	struct sbuf b = { 0 };
	(void)st;

	mx_label(l, sizeof(l), "desc", "a\"b\\c\nd");
	assert_string_equal(l, "desc=\"a\\\"b\\\\c\\nd\"");
	mx_label(l, 12, "desc", "abcdefghij");   /* cut, still closed */
	assert_string_equal(l, "desc=\"abcd\"");
	mx_label(l, 12, "desc", "abc\\\\\\\\");  /* an escape is never cut in half */
	assert_int_equal(l[strlen(l) - 1], '"');
	assert_true(strlen(l) < 12);
	mx_label(l, 4, "toolong", "x");          /* no room even for the name */
	assert_string_equal(l, "");
	mx_family(&b, "smd_x", "gauge", "An x.");
	mx_double(&b, "smd_x", NULL, 0.25);
	mx_double(&b, "smd_x", "a=\"1\"", 1e300 * 1e300);
	mx_u64(&b, "smd_y_total", "", 18446744073709551615ULL);
	HAS(&b, "# HELP smd_x An x.");
	HAS(&b, "# TYPE smd_x gauge");
	HAS(&b, "smd_x 0.25");
	HAS(&b, "smd_x{a=\"1\"} +Inf");
	HAS(&b, "smd_y_total 18446744073709551615");
	assert_string_equal(mx_sweep_name(MX_SWEEP_QUICK), "quick");
	sb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_sa),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
