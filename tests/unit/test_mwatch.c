/* mwatch: gone (take over at once) vs slow (wait master_timeout). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "mwatch.h"

static struct mwatch W(void)
{
	struct mwatch w;
	mw_init(&w, 3, 10000);
	return w;
}

static void test_answered_resets(void **st)
{
	(void)st;
	struct mwatch w = W();
	assert_int_equal(mw_judge(&w, MW_ERROR, 100), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_ANSWERED, 200), MW_POLL);
	assert_int_equal(w.misses, 0);
	assert_false(mw_slow(&w));
}

/* Error replies (no SM listens there): retries of them, then take over. */
static void test_error_replies_take_over(void **st)
{
	(void)st;
	struct mwatch w = W();
	assert_int_equal(mw_judge(&w, MW_ERROR, 100), MW_CONFIRM);
	assert_false(w.probe);
	assert_int_equal(mw_judge(&w, MW_ERROR, 200), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_ERROR, 300), MW_TAKEOVER);
}

/* Silence is first checked against the port: never a miss by itself. */
static void test_timeout_probes(void **st)
{
	(void)st;
	struct mwatch w = W();
	for (int i = 0; i < 10; i++)
		assert_int_equal(mw_judge(&w, MW_TIMEOUT, 100 + i), MW_PROBE);
	assert_int_equal(w.misses, 0);
}

/* Port answers: slow; waited for slow_limit_ms from then, not a moment less. */
static void test_slow_waits_the_limit(void **st)
{
	(void)st;
	struct mwatch w = W();
	assert_int_equal(mw_judge(&w, MW_TIMEOUT, 1000), MW_PROBE);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 1005), MW_WAIT);
	assert_true(mw_slow(&w));
	assert_int_equal(mw_wait_ms(&w, 1005), 10000);
	assert_int_equal(mw_wait_ms(&w, 6005), 5000);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 5000), MW_WAIT);
	assert_int_equal(mw_judge(&w, MW_TIMEOUT, 11004), MW_WAIT);
	assert_int_equal(mw_judge(&w, MW_TIMEOUT, 11005), MW_TAKEOVER);
	assert_int_equal(mw_wait_ms(&w, 20000), 1);
}

/* A slow master that answers again is a healthy one. */
static void test_slow_then_answers(void **st)
{
	(void)st;
	struct mwatch w = W();
	mw_judge(&w, MW_TIMEOUT, 1000);
	mw_judge(&w, MW_PORT_UP, 1000);
	assert_int_equal(mw_judge(&w, MW_ANSWERED, 4000), MW_POLL);
	assert_false(mw_slow(&w));
	/* and a later stall starts a new wait */
	mw_judge(&w, MW_TIMEOUT, 50000);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 50000), MW_WAIT);
	assert_int_equal(mw_wait_ms(&w, 50000), 10000);
}

/* Unreachable port: gone; confirmed by port checks, then taken over. */
static void test_port_gone(void **st)
{
	(void)st;
	struct mwatch w = W();
	assert_int_equal(mw_judge(&w, MW_TIMEOUT, 100), MW_PROBE);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 300), MW_CONFIRM);
	assert_true(w.probe);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 600), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 900), MW_TAKEOVER);
}

/* A slow master whose port then goes away is gone, without waiting. */
static void test_slow_then_port_gone(void **st)
{
	(void)st;
	struct mwatch w = W();
	mw_judge(&w, MW_TIMEOUT, 100);
	mw_judge(&w, MW_PORT_UP, 100);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 400), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 500), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 600), MW_TAKEOVER);
}

/* A slow master whose SM dies (error replies now): gone. */
static void test_slow_then_error(void **st)
{
	(void)st;
	struct mwatch w = W();
	mw_judge(&w, MW_TIMEOUT, 100);
	mw_judge(&w, MW_PORT_UP, 100);
	assert_int_equal(mw_judge(&w, MW_ERROR, 400), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_ERROR, 500), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_ERROR, 600), MW_TAKEOVER);
}

/* A slow master whose SM dies while its port checks, sent while it is
 * slow, still answer: the error replies add up, not the slow limit (sim.
 * kill_bringup: a master frozen then killed was taken over after 10 s, its
 * standby logging a miss every 100 ms meanwhile). */
static void test_slow_then_error_port_up(void **st)
{
	(void)st;
	struct mwatch w = W();
	mw_judge(&w, MW_TIMEOUT, 100);
	mw_judge(&w, MW_PORT_UP, 100);
	assert_int_equal(mw_judge(&w, MW_ERROR, 400), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 450), MW_WAIT);
	assert_int_equal(mw_judge(&w, MW_ERROR, 500), MW_CONFIRM);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 550), MW_WAIT);
	assert_int_equal(mw_judge(&w, MW_ERROR, 600), MW_TAKEOVER);
}

/* One unreachable check then a reachable one: the miss is forgiven. */
static void test_port_flap_forgiven(void **st)
{
	(void)st;
	struct mwatch w = W();
	mw_judge(&w, MW_TIMEOUT, 100);
	mw_judge(&w, MW_PORT_GONE, 200);
	mw_judge(&w, MW_PORT_GONE, 300);
	assert_int_equal(mw_judge(&w, MW_PORT_UP, 400), MW_WAIT);
	assert_int_equal(w.misses, 0);
	assert_int_equal(mw_judge(&w, MW_PORT_GONE, 500), MW_CONFIRM);
}

static void test_retries_one(void **st)
{
	(void)st;
	struct mwatch w;
	mw_init(&w, 1, 5000);
	assert_int_equal(mw_judge(&w, MW_ERROR, 1), MW_TAKEOVER);
	mw_init(&w, 0, 5000);  /* 0 means 1, never "never" */
	assert_int_equal(mw_judge(&w, MW_ERROR, 1), MW_TAKEOVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered_resets),
		cmocka_unit_test(test_error_replies_take_over),
		cmocka_unit_test(test_timeout_probes),
		cmocka_unit_test(test_slow_then_error_port_up),
		cmocka_unit_test(test_slow_waits_the_limit),
		cmocka_unit_test(test_slow_then_answers),
		cmocka_unit_test(test_port_gone),
		cmocka_unit_test(test_slow_then_port_gone),
		cmocka_unit_test(test_slow_then_error),
		cmocka_unit_test(test_port_flap_forgiven),
		cmocka_unit_test(test_retries_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
