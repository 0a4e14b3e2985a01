/* election: ranking, the state machine table, SMInfo encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "election.h"
#include "log.h"

static void test_rank_priority_first(void **st)
{
	(void)st;
	assert_true(sm_rank_cmp(5, 0x200, 3, 0x100) > 0);
	assert_true(sm_rank_cmp(3, 0x100, 5, 0x200) < 0);
	/* priority beats GUID even when the GUID is much lower */
	assert_true(sm_rank_cmp(1, 0xffff, 0, 0x1) > 0);
}

static void test_rank_lower_guid_wins_tie(void **st)
{
	(void)st;
	assert_true(sm_rank_cmp(4, 0x100, 4, 0x200) > 0);
	assert_true(sm_rank_cmp(4, 0x200, 4, 0x100) < 0);
	assert_int_equal(sm_rank_cmp(4, 0x100, 4, 0x100), 0);
}

static void test_key_trust(void **st)
{
	(void)st;
	assert_true(sm_key_trusted(1, 1));
	assert_true(sm_key_trusted(1, 0));
	assert_false(sm_key_trusted(1, 2));
	assert_false(sm_key_trusted(0, 7));
}

struct step { enum sm_state from; enum elect_event ev; enum elect_action act; enum sm_state to; };

static void test_transitions(void **st)
{
	static const struct step steps[] = {
		{ SM_NOTACTIVE, EV_START, ACT_SWEEP, SM_DISCOVERING },
		{ SM_DISCOVERING, EV_SWEEP_WON, ACT_BECOME_MASTER, SM_MASTER },
		{ SM_DISCOVERING, EV_SWEEP_LOST, ACT_FOLLOW, SM_STANDBY },
		{ SM_STANDBY, EV_MASTER_LOST, ACT_SWEEP, SM_DISCOVERING },
		{ SM_STANDBY, EV_HANDOVER, ACT_BECOME_MASTER, SM_MASTER },
		{ SM_MASTER, EV_HANDED_OVER, ACT_FOLLOW, SM_STANDBY },
		{ SM_MASTER, EV_CMD_STANDBY, ACT_FOLLOW, SM_STANDBY },
		{ SM_STANDBY, EV_CMD_DISABLE, ACT_STOP, SM_NOTACTIVE },
		{ SM_MASTER, EV_CMD_DISABLE, ACT_STOP, SM_NOTACTIVE },
		{ SM_NOTACTIVE, EV_CMD_DISCOVER, ACT_SWEEP, SM_DISCOVERING },
		{ SM_STANDBY, EV_CMD_DISCOVER, ACT_SWEEP, SM_DISCOVERING },
		{ SM_MASTER, EV_LEAVE, ACT_STOP, SM_NOTACTIVE },
		{ SM_STANDBY, EV_LEAVE, ACT_STOP, SM_NOTACTIVE },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		enum sm_state s = steps[i].from;
		assert_int_equal(elect_step(&s, steps[i].ev), steps[i].act);
		assert_int_equal(s, steps[i].to);
	}
}

static void test_unexpected_events_ignored(void **st)
{
	static const struct { enum sm_state s; enum elect_event ev; } bad[] = {
		{ SM_MASTER, EV_MASTER_LOST },   /* a master polls nobody */
		{ SM_MASTER, EV_HANDOVER },      /* already master */
		{ SM_STANDBY, EV_SWEEP_WON },    /* a standby does not elect */
		{ SM_NOTACTIVE, EV_HANDOVER },   /* disabled: only DISCOVER wakes it */
		{ SM_MASTER, EV_CMD_DISCOVER },
		{ SM_NOTACTIVE, EV_CMD_DISABLE },
		{ SM_DISCOVERING, EV_HANDED_OVER },
		{ SM_NOTACTIVE, EV_LEAVE },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum sm_state s = bad[i].s;
		assert_int_equal(elect_step(&s, bad[i].ev), ACT_NONE);
		assert_int_equal(s, bad[i].s);
	}
}

static void test_names(void **st)
{
	(void)st;
	assert_string_equal(sm_state_name(SM_MASTER), "MASTER");
	assert_string_equal(sm_state_name(SM_STANDBY), "STANDBY");
	assert_string_equal(sm_state_name(SM_DISCOVERING), "DISCOVERING");
	assert_string_equal(sm_state_name(SM_NOTACTIVE), "NOTACTIVE");
	assert_string_equal(sm_state_name((enum sm_state)9), "UNKNOWN");
	for (int ev = 0; ev < EV_NEVENTS; ev++)
		assert_non_null(elect_event_name((enum elect_event)ev));
}

static void test_sminfo_roundtrip(void **st)
{
	struct sm_info in = { .guid = 0x0002c90300a1b2c3ULL, .key = 0x1, .act_count = 0xdeadbeef,
			      .priority = 14, .state = SM_STANDBY }, out;
	uint8_t data[64];
	(void)st;
	memset(&out, 0, sizeof(out));
	sminfo_encode(data, &in);
	/* IBA layout: GUID bytes 0-7, SM_Key 8-15, ActCount 16-19, then
	 * priority in the high nibble of byte 20 and the state in the low one. */
	assert_int_equal(data[0], 0x00);
	assert_int_equal(data[7], 0xc3);
	assert_int_equal(data[15], 0x01);
	assert_int_equal(data[16], 0xde);
	assert_int_equal(data[20], (14 << 4) | SM_STANDBY);
	sminfo_decode(data, &out);
	assert_memory_equal(&in, &out, sizeof(in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_priority_first),
		cmocka_unit_test(test_rank_lower_guid_wins_tie),
		cmocka_unit_test(test_key_trust),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_unexpected_events_ignored),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sminfo_roundtrip),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
