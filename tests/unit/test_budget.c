/* budget: a source that keeps asking is refused until its bucket refills;
 * others are not; all sources together are held to the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "budget.h"

static void test_one_source(void **st)
{
	struct budget b;
	unsigned served = 0;

	(void)st;
	budget_init(&b, 1000, 100000);
	/* 10,000 requests of 100 units in 1 s: the first 10 (the bucket)
	 * plus what 1 s refills, 10 more, then no */
	for (unsigned i = 0; i < 10000; i++) {
		double now = i * 0.0001;
		if (budget_may(&b, 7, now)) {
			served++;
			budget_charge(&b, 7, 100, now);
		}
	}
	assert_in_range(served, 19, 21);
	assert_int_equal(b.refused, 10000 - served);
	/* another source is served meanwhile */
	assert_true(budget_may(&b, 8, 1.0));
	/* one request larger than the bucket is served once, then the source
	 * waits until the debt is paid */
	budget_charge(&b, 8, 5000, 1.0);
	assert_false(budget_may(&b, 8, 2.0));
	assert_false(budget_may(&b, 8, 4.9));
	assert_true(budget_may(&b, 8, 5.1));
}

static void test_total(void **st)
{
	struct budget b;
	unsigned served = 0;

	(void)st;
	budget_init(&b, 1000, 3000);
	/* 1,000 sources each asking once for 1,000 at the same instant: the
	 * total lets three through, the rest wait */
	for (uint64_t s = 1; s <= 1000; s++)
		if (budget_may(&b, s, 0.0)) {
			served++;
			budget_charge(&b, s, 1000, 0.0);
		}
	assert_int_equal(served, 3);
	/* a second later the total has refilled */
	assert_true(budget_may(&b, 5000, 1.0));
}

static void test_slots(void **st)
{
	struct budget b;

	(void)st;
	budget_init(&b, 1000, 1e12);
	budget_charge(&b, 1, 5000, 0.0);  /* in debt */
	/* more sources than slots, each spending a little: the one in debt
	 * keeps its slot (the fullest bucket goes first) */
	for (uint64_t s = 2; s < 2 + 3 * BUDGET_SLOTS; s++) {
		assert_true(budget_may(&b, s, 0.001 * (double)s));
		budget_charge(&b, s, 1, 0.001 * (double)s);
	}
	assert_false(budget_may(&b, 1, 1.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_source),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
