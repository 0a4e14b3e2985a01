/* rank: priority then GUID, SM_Key trust, the best of a list, the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "rank.h"
#include "peer_fixture.h"


static void test_rank_priority_first(void **st)
{
	(void)st;
	assert_true(rank_cmp(5, 0x200, 3, 0x100) > 0);
	assert_true(rank_cmp(3, 0x100, 5, 0x200) < 0);
	/* priority beats GUID even when the GUID is much lower */
	assert_true(rank_cmp(1, 0xffff, 0, 0x1) > 0);
}

static void test_rank_lower_guid_wins_tie(void **st)
{
	(void)st;
	assert_true(rank_cmp(4, 0x100, 4, 0x200) > 0);
	assert_true(rank_cmp(4, 0x200, 4, 0x100) < 0);
	assert_int_equal(rank_cmp(4, 0x100, 4, 0x100), 0);
}

static void test_key_trust(void **st)
{
	(void)st;
	assert_true(rank_key_trusted(1, 1));
	assert_false(rank_key_trusted(1, 0));   /* 0 is no wildcard */
	assert_false(rank_key_trusted(1, 2));
	assert_false(rank_key_trusted(0, 7));
	assert_true(rank_key_trusted(0, 0));
}

static void test_best_outranking(void **st)
{
	(void)st;
	struct peer_self me = { .guid = 0x20, .key = 1, .priority = 5 };
	struct sm_peer v[] = {
		P(0x10, 5, SM_STANDBY, 1),    /* same priority, lower GUID: outranks */
		P(0x30, 9, SM_STANDBY, 1),    /* higher priority: the best */
		P(0x40, 4, SM_STANDBY, 1),    /* below us */
		P(0x05, 15, SM_STANDBY, 2),   /* foreign SM_Key: ignored */
	};
	struct sm_peer *b = rank_best(v, 4, ST(SM_STANDBY), &me, 0, 0);
	assert_non_null(b);
	assert_true(b->info.guid == 0x30);
	/* skipped (e.g. it refused a handover lately): the next best */
	b = rank_best(v, 4, ST(SM_STANDBY), &me, 0, 0x30);
	assert_true(b && b->info.guid == 0x10);
	/* a state filter that matches none */
	assert_null(rank_best(v, 4, ST(SM_MASTER), &me, 0, 0));
	/* key 0 is not trusted when ours is not 0 (OpenSM would) */
	struct sm_peer z[] = { P(0x50, 15, SM_STANDBY, 0) };
	assert_null(rank_best(z, 1, ST(SM_STANDBY), &me, 0, 0));
}

static void test_best_any_rank(void **st)
{
	(void)st;
	/* leaving (SIGTERM): the best standby even when it ranks below us */
	struct peer_self me = { .guid = 0x20, .key = 1, .priority = 15 };
	struct sm_peer v[] = { P(0x40, 1, SM_STANDBY, 1), P(0x30, 3, SM_STANDBY, 1),
			       P(0x25, 9, SM_NOTACTIVE, 1), P(0x20, 9, SM_STANDBY, 1) };
	assert_null(rank_best(v, 4, ST(SM_STANDBY), &me, 0, 0));
	struct sm_peer *b = rank_best(v, 4, ST(SM_STANDBY), &me, 1, 0);
	assert_true(b && b->info.guid == 0x30);  /* never ourselves, never NOTACTIVE */
}

static void test_line(void **st)
{
	(void)st;
	unsigned pos, n;
	struct peer_self me = { .guid = 0x30, .key = 1, .priority = 5 };
	struct sm_peer v[] = {
		P(0x01, 9, SM_MASTER, 1),     /* the master: not in line */
		P(0x10, 5, SM_STANDBY, 1),    /* ahead (lower GUID) */
		P(0x20, 7, SM_DISCOVERING, 1),/* ahead */
		P(0x40, 5, SM_STANDBY, 1),    /* behind */
		P(0x50, 9, SM_STANDBY, 3),    /* foreign key: not counted */
		P(0x60, 9, SM_NOTACTIVE, 1),  /* not in line */
	};
	rank_line(v, 6, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 2);
	assert_int_equal(n, 4);
	me.priority = 8;
	rank_line(v, 6, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 0);
	assert_int_equal(n, 4);
	rank_line(NULL, 0, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 0);
	assert_int_equal(n, 1);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_priority_first),
		cmocka_unit_test(test_rank_lower_guid_wins_tie),
		cmocka_unit_test(test_key_trust),
		cmocka_unit_test(test_best_outranking),
		cmocka_unit_test(test_best_any_rank),
		cmocka_unit_test(test_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
