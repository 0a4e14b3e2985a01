/* smpcheck: each lie a node can tell in the replies discovery reads is
 * refused in words, a true answer passes, NodeDescription loses its control
 * characters and keeps UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "smpcheck.h"

static void nodeinfo(uint8_t d[64], unsigned type, unsigned nports, unsigned lport)
{
	memset(d, 0, 64);
	mad_set_field(d, 0, IB_NODE_TYPE_F, type);
	mad_set_field(d, 0, IB_NODE_NPORTS_F, nports);
	mad_set_field64(d, 0, IB_NODE_GUID_F, 0x20);
	mad_set_field64(d, 0, IB_NODE_PORT_GUID_F, 0x21);
	mad_set_field(d, 0, IB_NODE_LOCAL_PORT_F, lport);
}

static void test_nodeinfo(void **st)
{
	uint8_t d[64];
	char why[64];
	(void)st;
	nodeinfo(d, 2, 36, 5);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), 0);
	assert_int_equal(smpck_nodeinfo_remote(d, why, sizeof(why)), 0);
	nodeinfo(d, 2, 36, 0);       /* a switch's port 0: only from its own SM */
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), 0);
	assert_int_equal(smpck_nodeinfo_remote(d, why, sizeof(why)), -1);
	assert_string_equal(why, "LocalPortNum 0");
	nodeinfo(d, 1, 0, 1);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "NumPorts 0");
	nodeinfo(d, 2, 255, 1);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "NumPorts 255");
	nodeinfo(d, 1, 1, 5);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "LocalPortNum 5 of 1 ports");
	nodeinfo(d, 1, 2, 0);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	nodeinfo(d, 7, 2, 1);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "node type 7");
	nodeinfo(d, 1, 2, 1);
	mad_set_field64(d, 0, IB_NODE_GUID_F, 0);
	assert_int_equal(smpck_nodeinfo(d, why, sizeof(why)), -1);
	nodeinfo(d, 1, 2, 1);
	mad_set_field64(d, 0, IB_NODE_PORT_GUID_F, 0);
	assert_int_equal(smpck_nodeinfo_remote(d, why, sizeof(why)), -1);
	assert_string_equal(why, "port GUID 0");
}

static void test_portinfo(void **st)
{
	uint8_t d[64] = { 0 };
	char why[64];
	(void)st;
	mad_set_field(d, 0, IB_PORT_STATE_F, 2);
	mad_set_field(d, 0, IB_PORT_PHYS_STATE_F, 5);
	mad_set_field(d, 0, IB_PORT_MTU_CAP_F, 5);
	assert_int_equal(smpck_portinfo(d, 0, why, sizeof(why)), 0);
	mad_set_field(d, 0, IB_PORT_STATE_F, 7);
	assert_int_equal(smpck_portinfo(d, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "PortState 7");
	mad_set_field(d, 0, IB_PORT_STATE_F, 4);
	mad_set_field(d, 0, IB_PORT_PHYS_STATE_F, 0);
	assert_int_equal(smpck_portinfo(d, 0, why, sizeof(why)), -1);
	mad_set_field(d, 0, IB_PORT_PHYS_STATE_F, 5);
	mad_set_field(d, 0, IB_PORT_MTU_CAP_F, 6);
	assert_int_equal(smpck_portinfo(d, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "MTUCap 6");
	/* a base switch's port 0: only its PortState is read */
	assert_int_equal(smpck_portinfo(d, 1, why, sizeof(why)), 0);
	mad_set_field(d, 0, IB_PORT_STATE_F, 0);
	assert_int_equal(smpck_portinfo(d, 1, why, sizeof(why)), -1);
}

static void test_switchinfo(void **st)
{
	uint8_t d[64] = { 0 };
	char why[64];
	(void)st;
	mad_set_field(d, 0, IB_SW_LINEAR_FDB_CAP_F, 0xC000);
	mad_set_field(d, 0, IB_SW_MCAST_FDB_CAP_F, 1024);
	assert_int_equal(smpck_switchinfo(d, why, sizeof(why)), 0);
	mad_set_field(d, 0, IB_SW_LINEAR_FDB_CAP_F, 0);
	assert_int_equal(smpck_switchinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "LinearFDBCap 0");
	mad_set_field(d, 0, IB_SW_LINEAR_FDB_CAP_F, 0xC001);
	assert_int_equal(smpck_switchinfo(d, why, sizeof(why)), -1);
	mad_set_field(d, 0, IB_SW_LINEAR_FDB_CAP_F, 100);
	mad_set_field(d, 0, IB_SW_MCAST_FDB_CAP_F, 0x4001);
	assert_int_equal(smpck_switchinfo(d, why, sizeof(why)), -1);
	assert_string_equal(why, "MulticastFDBCap 16385");
}

static void test_nodedesc(void **st)
{
	uint8_t d[64];
	char out[65];
	(void)st;
	memset(d, 'x', sizeof(d));     /* 64 bytes, no NUL: all kept, terminated */
	smpck_nodedesc(out, d);
	assert_int_equal(strlen(out), 64);
	memset(d, 0, sizeof(d));
	memcpy(d, "h1\nfake: line\x1b[2J caf\xc3\xa9", 24);
	smpck_nodedesc(out, d);
	assert_string_equal(out, "h1?fake: line?[2J caf\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodeinfo),
		cmocka_unit_test(test_portinfo),
		cmocka_unit_test(test_switchinfo),
		cmocka_unit_test(test_nodedesc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
