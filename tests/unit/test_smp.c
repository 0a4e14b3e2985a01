/* smp: directed-route paths, request headers, responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "smp.h"

static void test_path(void **st)
{
	struct dr_path p, q;
	char buf[256];
	(void)st;
	dr_path_local(&p);
	assert_string_equal(dr_path_str(&p, buf, sizeof(buf)), "0");
	assert_int_equal(dr_path_extend(&q, &p, 1), 0);
	assert_int_equal(dr_path_extend(&q, &q, 7), 0);
	assert_int_equal(q.hops, 2);
	assert_string_equal(dr_path_str(&q, buf, sizeof(buf)), "0,1,7");
	assert_int_equal(p.hops, 0);  /* the source path is untouched */
	for (int i = 0; i < SMP_MAX_HOPS; i++)
		assert_int_equal(dr_path_extend(&p, &p, 1), 0);
	assert_int_equal(dr_path_extend(&p, &p, 1), -1);  /* 64 hops: refused */
	assert_int_equal(p.hops, SMP_MAX_HOPS);
}

static void test_dr_request(void **st)
{
	uint8_t mad[MAD_SIZE], data[64];
	struct dr_path p;
	(void)st;
	dr_path_local(&p);
	dr_path_extend(&p, &p, 3);
	memset(data, 0xab, sizeof(data));
	smp_init_dr(mad, &p, IB_MAD_METHOD_SET, IB_ATTR_PORT_INFO, 3, 0x1234, 0x0123456789abcdefULL,
		    data);
	assert_int_equal(mad[0], 1);                 /* base version */
	assert_int_equal(smp_hdr_class(mad), 0x81);
	assert_int_equal(smp_hdr_method(mad), IB_MAD_METHOD_SET);
	assert_int_equal(smp_hdr_attr(mad), IB_ATTR_PORT_INFO);
	assert_int_equal(smp_hdr_mod(mad), 3);
	assert_int_equal(smp_hdr_tid(mad), 0x1234);
	/* the M_Key: bytes 24..31, big-endian, right after the common header */
	assert_true(smp_hdr_mkey(mad) == 0x0123456789abcdefULL);
	assert_int_equal(mad[24], 0x01);
	assert_int_equal(mad[31], 0xef);
	assert_int_equal(mad_get_field(mad, 0, IB_DRSMP_HOPCNT_F), 1);
	assert_int_equal(mad_get_field(mad, 0, IB_DRSMP_HOPPTR_F), 0);
	assert_int_equal(mad_get_field(mad, 0, IB_DRSMP_DRSLID_F), 0xffff);
	assert_int_equal(mad_get_field(mad, 0, IB_DRSMP_DRDLID_F), 0xffff);
	assert_int_equal(mad[128 + 1], 3);           /* initial path, hop 1 */
	assert_memory_equal(smp_data(mad), data, 64);
	assert_false(smp_hdr_is_response(mad));
}

static void test_response_dr(void **st)
{
	uint8_t mad[MAD_SIZE], data[64];
	struct dr_path p;
	(void)st;
	dr_path_local(&p);
	smp_init_dr(mad, &p, IB_MAD_METHOD_GET, IB_ATTR_SMINFO, 0, 0x77, 0x42, NULL);
	memset(data, 0x5a, sizeof(data));
	smp_make_response(mad, 0x1c, data, 64, SMP_DATA_OFFS);
	assert_int_equal(smp_hdr_method(mad), IB_MAD_METHOD_GET_RESPONSE);
	assert_true(smp_hdr_is_response(mad));
	assert_int_equal(mad_get_field(mad, 0, IB_DRSMP_DIRECTION_F), 1);
	/* the status reads back without the direction bit */
	assert_int_equal(smp_hdr_status(mad), 0x1c);
	assert_int_equal(smp_hdr_tid(mad), 0x77);
	assert_true(smp_hdr_mkey(mad) == 0x42);  /* echoed, as OpenSM's responses do */
	assert_memory_equal(smp_data(mad), data, 64);
}

static void test_response_set_is_getresp(void **st)
{
	uint8_t mad[MAD_SIZE];
	(void)st;
	/* A Set is answered with GetResp (0x81), not 0x82: OpenSM drops 0x82. */
	smp_init_lid(mad, IB_MAD_METHOD_SET, IB_ATTR_SMINFO, 1, 5, 0, NULL);
	smp_make_response(mad, 0, NULL, 0, SMP_DATA_OFFS);
	assert_int_equal(smp_hdr_method(mad), IB_MAD_METHOD_GET_RESPONSE);
	/* methods with a response of their own keep the response bit rule */
	smp_init_lid(mad, IB_MAD_METHOD_GET_TABLE, 0x11, 0, 5, 0, NULL);
	smp_make_response(mad, 0, NULL, 0, SMP_DATA_OFFS);
	assert_int_equal(smp_hdr_method(mad), IB_MAD_METHOD_GET_TABLE_RESPONSE);
}

static void test_lid_request_mkey(void **st)
{
	uint8_t mad[MAD_SIZE];
	(void)st;
	smp_init_lid(mad, IB_MAD_METHOD_TRAP, IB_ATTR_NOTICE, 0, 9, 0xfeedULL << 40, NULL);
	assert_int_equal(smp_hdr_class(mad), MCLASS_SMI);
	assert_true(smp_hdr_mkey(mad) == 0xfeedULL << 40);
	smp_init_lid(mad, IB_MAD_METHOD_GET, IB_ATTR_SMINFO, 0, 9, 0, NULL);
	assert_true(smp_hdr_mkey(mad) == 0);
}

static void test_response_trap(void **st)
{
	uint8_t mad[MAD_SIZE];
	(void)st;
	smp_init_lid(mad, IB_MAD_METHOD_TRAP, IB_ATTR_NOTICE, 0, 9, 0, NULL);
	smp_make_response(mad, 0, NULL, 0, SMP_DATA_OFFS);
	assert_int_equal(smp_hdr_method(mad), IB_MAD_METHOD_TRAP_REPRESS);
	assert_true(smp_hdr_is_response(mad));
	assert_int_equal(smp_hdr_class(mad), MCLASS_SMI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_dr_request),
		cmocka_unit_test(test_lid_request_mkey),
		cmocka_unit_test(test_response_dr),
		cmocka_unit_test(test_response_set_is_getresp),
		cmocka_unit_test(test_response_trap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
