/* smpeer: SMInfo encoding and the trap 144 Notice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "log.h"
#include "smpeer.h"

static void test_sminfo_roundtrip(void **st)
{
	struct sm_info in = { .guid = 0x0002c90300a1b2c3ULL, .key = 0x1, .act_count = 0xdeadbeef,
			      .priority = 14, .state = SM_STANDBY }, out;
	uint8_t data[64];
	(void)st;
	memset(&out, 0, sizeof(out));
	peer_sminfo_encode(data, &in);
	/* IBA layout: GUID bytes 0-7, SM_Key 8-15, ActCount 16-19, then
	 * priority in the high nibble of byte 20 and the state in the low one. */
	assert_int_equal(data[0], 0x00);
	assert_int_equal(data[7], 0xc3);
	assert_int_equal(data[15], 0x01);
	assert_int_equal(data[16], 0xde);
	assert_int_equal(data[20], (14 << 4) | SM_STANDBY);
	peer_sminfo_decode(data, &out);
	assert_memory_equal(&in, &out, sizeof(in));
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
		cmocka_unit_test(test_sminfo_roundtrip),
		cmocka_unit_test(test_trap144),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
