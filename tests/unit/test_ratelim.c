/* ratelim: per kind and source, the first `cap` events of a window acted
 * on, one log line a window counting what it did not say, sources apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ratelim.h"

static void test_window(void **st)
{
	struct ratelim r;
	struct rl_verdict v;
	unsigned acted = 0, logged = 0;

	(void)st;
	rl_init(&r, 10.0, 3);
	/* 10,000 events in 5 s from one source: 3 acted on, 1 line */
	for (unsigned i = 0; i < 10000; i++) {
		v = rl_event(&r, 1, 42, i * 0.0005);
		acted += v.act;
		logged += v.log;
	}
	assert_int_equal(acted, 3);
	assert_int_equal(logged, 1);
	/* the next window: acted on again, its line counts the 9,999 unsaid */
	v = rl_event(&r, 1, 42, 11.0);
	assert_true(v.act);
	assert_true(v.log);
	assert_int_equal(v.unsaid, 9999);
	v = rl_event(&r, 1, 42, 11.5);
	assert_true(v.act);
	assert_false(v.log);
	/* another source, another kind: windows of their own */
	assert_true(rl_event(&r, 1, 43, 11.6).log);
	assert_true(rl_event(&r, 2, 42, 11.7).log);
}

static void test_many_sources(void **st)
{
	struct ratelim r;

	(void)st;
	rl_init(&r, 10.0, 1);
	/* more sources than slots: the idle ones make room, nobody is stuck */
	for (unsigned i = 0; i < 3 * RL_SLOTS; i++)
		assert_true(rl_event(&r, 1, i, i * 0.01).act);
	/* a source still in the table keeps its window */
	assert_false(rl_event(&r, 1, 3 * RL_SLOTS - 1, 2.0).act);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_many_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
