/* smpeer: choosing whom to follow or hand over to, the line of standbys,
 * and the trap 144 Notice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "log.h"
#include "smpeer.h"

static struct sm_peer P(uint64_t guid, uint8_t prio, uint8_t state, uint64_t key)
{
	struct sm_peer p;
	memset(&p, 0, sizeof(p));
	p.info.guid = guid;
	p.info.priority = prio;
	p.info.state = state;
	p.info.key = key;
	return p;
}

#define ST(s) (1u << (s))

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
	struct sm_peer *b = peer_best(v, 4, ST(SM_STANDBY), &me, 0, 0);
	assert_non_null(b);
	assert_true(b->info.guid == 0x30);
	/* skipped (e.g. it refused a handover lately): the next best */
	b = peer_best(v, 4, ST(SM_STANDBY), &me, 0, 0x30);
	assert_true(b && b->info.guid == 0x10);
	/* a state filter that matches none */
	assert_null(peer_best(v, 4, ST(SM_MASTER), &me, 0, 0));
	/* key 0 is trusted (OpenSM's rule) */
	struct sm_peer z[] = { P(0x50, 15, SM_STANDBY, 0) };
	assert_non_null(peer_best(z, 1, ST(SM_STANDBY), &me, 0, 0));
}

static void test_best_any_rank(void **st)
{
	(void)st;
	/* leaving (SIGTERM): the best standby even when it ranks below us */
	struct peer_self me = { .guid = 0x20, .key = 1, .priority = 15 };
	struct sm_peer v[] = { P(0x40, 1, SM_STANDBY, 1), P(0x30, 3, SM_STANDBY, 1),
			       P(0x25, 9, SM_NOTACTIVE, 1), P(0x20, 9, SM_STANDBY, 1) };
	assert_null(peer_best(v, 4, ST(SM_STANDBY), &me, 0, 0));
	struct sm_peer *b = peer_best(v, 4, ST(SM_STANDBY), &me, 1, 0);
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
	peer_line(v, 6, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 2);
	assert_int_equal(n, 4);
	me.priority = 8;
	peer_line(v, 6, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 0);
	assert_int_equal(n, 4);
	peer_line(NULL, 0, &me, 0x01, &pos, &n);
	assert_int_equal(pos, 0);
	assert_int_equal(n, 1);
}

static void test_trap144(void **st)
{
	(void)st;
	uint8_t d[64];
	peer_trap144_notice(d, 0x1234, 0x02010808);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_TRAP_NUMBER_F), 144);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_IS_GENERIC_F), 1);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_TYPE_F), 4);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_ISSUER_LID_F), 0x1234);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_DATA_144_LID_F), 0x1234);
	assert_int_equal(mad_get_field(d, 0, IB_NOTICE_DATA_144_CAPMASK_F), 0x02010808);
	assert_int_equal(peer_trap144_flags(d), TRAP144_SM_PRIORITY);
	/* OpenSM's layout: ChangeFlags big-endian at byte 20 of the Notice */
	assert_int_equal(d[20], 0x00);
	assert_int_equal(d[21], 0x08);
	memset(d, 0, sizeof(d));
	assert_int_equal(peer_trap144_flags(d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_best_outranking),
		cmocka_unit_test(test_best_any_rank),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_trap144),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
