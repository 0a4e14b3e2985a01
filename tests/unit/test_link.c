/* Unit tests for lib/link.c: PortInfo Set building, config check, state walk
 * and P_Key block fix-up. PortInfo buffers are built and checked through
 * libibmad fields, exactly as the SMA would decode them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <infiniband/mad.h>

#include "link.h"

#define PREFIX 0xfe80000000000000ULL

static uint32_t get(uint8_t *b, enum MAD_FIELDS f)
{
	return mad_get_field(b, 0, f);
}

static void set(uint8_t *b, enum MAD_FIELDS f, uint32_t v)
{
	mad_set_field(b, 0, f, v);
}

/* A CA port right after link-up, before any SM: Init/LinkUp, LID 0, a stale
 * M_Key and SM fields so the Set has to change them. */
static void make_ca_port(uint8_t pi[64])
{
	memset(pi, 0, 64);
	mad_set_field64(pi, 0, IB_PORT_MKEY_F, 0x1122334455667788ULL);
	mad_set_field64(pi, 0, IB_PORT_GID_PREFIX_F, 0xfec0000000000000ULL);
	set(pi, IB_PORT_LID_F, 0);
	set(pi, IB_PORT_SMLID_F, 0);
	set(pi, IB_PORT_CAPMASK_F, 0x02514868);	/* includes bit 25 */
	set(pi, IB_PORT_MKEY_LEASE_F, 15);
	set(pi, IB_PORT_LOCAL_PORT_F, 1);
	set(pi, IB_PORT_LINK_WIDTH_ENABLED_F, 3);
	set(pi, IB_PORT_LINK_WIDTH_SUPPORTED_F, 3);
	set(pi, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
	set(pi, IB_PORT_LINK_SPEED_SUPPORTED_F, 7);
	set(pi, IB_PORT_STATE_F, PORT_INIT);
	set(pi, IB_PORT_PHYS_STATE_F, PHYS_LINKUP);
	set(pi, IB_PORT_LINK_DOWN_DEF_F, PHYS_SLEEP);
	set(pi, IB_PORT_MKEY_PROT_BITS_F, 1);
	set(pi, IB_PORT_LMC_F, 2);
	set(pi, IB_PORT_LINK_SPEED_ACTIVE_F, 4);
	set(pi, IB_PORT_LINK_SPEED_ENABLED_F, 7);
	set(pi, IB_PORT_NEIGHBOR_MTU_F, 1);
	set(pi, IB_PORT_SMSL_F, 3);
	set(pi, IB_PORT_VL_CAP_F, 4);		/* VL0-7 */
	set(pi, IB_PORT_HOQ_LIFE_F, 18);
	set(pi, IB_PORT_MTU_CAP_F, 5);		/* 4096 */
	set(pi, IB_PORT_VL_HIGH_LIMIT_F, 4);
	set(pi, IB_PORT_OPER_VLS_F, 1);
	set(pi, IB_PORT_SUBN_TIMEOUT_F, 0);
	set(pi, IB_PORT_RESP_TIME_VAL_F, 16);
}

/* Its neighbour: a switch port with smaller caps. */
static void make_peer(uint8_t pi[64])
{
	make_ca_port(pi);
	set(pi, IB_PORT_MTU_CAP_F, 4);		/* 2048 */
	set(pi, IB_PORT_VL_CAP_F, 3);		/* VL0-3 */
}

static struct link_params params(void)
{
	struct link_params p = {
		.lid = 0x12, .sm_lid = 1, .sm_sl = 0, .subnet_prefix = PREFIX,
		.subnet_timeout = 18, .client_rereg = 0, .is_switch_port = 0,
	};
	return p;
}

/* What a port reads back after accepting the Set: state fields unchanged,
 * ClientReregister reads 0. */
static void apply(uint8_t port[64], uint8_t set_data[64], uint8_t cur[64])
{
	memcpy(port, set_data, 64);
	set(port, IB_PORT_STATE_F, get(cur, IB_PORT_STATE_F));
	set(port, IB_PORT_PHYS_STATE_F, get(cur, IB_PORT_PHYS_STATE_F));
	set(port, IB_PORT_CLIENT_REREG_F, 0);
}

static void test_set_ca_fields(void **state)
{
	uint8_t cur[64], peer[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	memset(out, 0xa5, sizeof(out));
	link_build_set(out, cur, peer, &p);

	assert_int_equal(get(out, IB_PORT_LID_F), 0x12);
	assert_int_equal(get(out, IB_PORT_LMC_F), 0);
	assert_int_equal(get(out, IB_PORT_SMLID_F), 1);
	assert_int_equal(get(out, IB_PORT_SMSL_F), 0);
	assert_true(mad_get_field64(out, 0, IB_PORT_GID_PREFIX_F) == PREFIX);
	assert_int_equal(get(out, IB_PORT_SUBN_TIMEOUT_F), 18);
	assert_true(mad_get_field64(out, 0, IB_PORT_MKEY_F) == 0);
	assert_int_equal(get(out, IB_PORT_MKEY_PROT_BITS_F), 0);
	assert_int_equal(get(out, IB_PORT_MKEY_LEASE_F), 0);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 4);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 3);
	assert_int_equal(get(out, IB_PORT_LINK_DOWN_DEF_F), 2);
	assert_int_equal(get(out, IB_PORT_STATE_F), 0);
	assert_int_equal(get(out, IB_PORT_PHYS_STATE_F), 0);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 0);
	/* echoed from cur */
	assert_int_equal(get(out, IB_PORT_LINK_WIDTH_ENABLED_F), 3);
	assert_int_equal(get(out, IB_PORT_LINK_SPEED_ENABLED_F), 7);
	assert_int_equal(get(out, IB_PORT_VL_CAP_F), 4);
	assert_int_equal(get(out, IB_PORT_MTU_CAP_F), 5);
	assert_int_equal(get(out, IB_PORT_HOQ_LIFE_F), 18);
	assert_int_equal(get(out, IB_PORT_CAPMASK_F), 0x02514868);
	assert_int_equal(get(out, IB_PORT_VL_HIGH_LIMIT_F), 4);
	/* cur untouched */
	assert_int_equal(get(cur, IB_PORT_LID_F), 0);
	assert_int_equal(get(cur, IB_PORT_STATE_F), PORT_INIT);
}

static void test_set_mtu_vls(void **state)
{
	uint8_t cur[64], peer[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);

	/* no peer: own caps */
	link_build_set(out, cur, NULL, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 5);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 4);

	/* this end is the smaller: min, and never above own VLCap */
	set(cur, IB_PORT_MTU_CAP_F, 3);
	set(cur, IB_PORT_VL_CAP_F, 2);
	set(peer, IB_PORT_MTU_CAP_F, 5);
	set(peer, IB_PORT_VL_CAP_F, 5);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 3);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 2);
	assert_true(get(out, IB_PORT_OPER_VLS_F) <= get(out, IB_PORT_VL_CAP_F));

	/* a peer reporting 0 caps must not produce an invalid 0 */
	set(peer, IB_PORT_MTU_CAP_F, 0);
	set(peer, IB_PORT_VL_CAP_F, 0);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 3);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 2);

	/* own VLCap unknown: never take the peer's (it would exceed 0) */
	set(peer, IB_PORT_VL_CAP_F, 3);
	set(cur, IB_PORT_VL_CAP_F, 0);
	set(cur, IB_PORT_OPER_VLS_F, 1);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 1);

	/* no MTUCap known at either end: keep what the port has */
	set(peer, IB_PORT_MTU_CAP_F, 0);
	set(cur, IB_PORT_MTU_CAP_F, 0);
	set(cur, IB_PORT_NEIGHBOR_MTU_F, 2);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 2);
}

static void test_set_client_rereg(void **state)
{
	uint8_t cur[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);

	p.client_rereg = 1;
	link_build_set(out, cur, NULL, &p);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 1);

	/* requested but unsupported */
	set(cur, IB_PORT_CAPMASK_F, 0x02514868 & ~CAPMASK_CLIENT_REREG);
	link_build_set(out, cur, NULL, &p);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 0);

	/* supported but not requested; a stray bit in cur is cleared */
	set(cur, IB_PORT_CAPMASK_F, 0x02514868);
	set(cur, IB_PORT_CLIENT_REREG_F, 1);
	p.client_rereg = 0;
	link_build_set(out, cur, NULL, &p);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 0);
}

static void test_set_switch_port(void **state)
{
	uint8_t cur[64], peer[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	/* external ports report the switch's (port 0) values */
	set(cur, IB_PORT_LID_F, 7);
	set(cur, IB_PORT_SMLID_F, 9);
	set(cur, IB_PORT_LMC_F, 1);
	set(cur, IB_PORT_SMSL_F, 2);
	set(cur, IB_PORT_SUBN_TIMEOUT_F, 5);
	p.is_switch_port = 1;
	p.client_rereg = 1;
	link_build_set(out, cur, peer, &p);

	assert_int_equal(get(out, IB_PORT_LID_F), 7);
	assert_int_equal(get(out, IB_PORT_SMLID_F), 9);
	assert_int_equal(get(out, IB_PORT_LMC_F), 1);
	assert_int_equal(get(out, IB_PORT_SMSL_F), 2);
	assert_int_equal(get(out, IB_PORT_SUBN_TIMEOUT_F), 5);
	assert_true(mad_get_field64(out, 0, IB_PORT_GID_PREFIX_F) == 0xfec0000000000000ULL);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 4);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 3);
	assert_int_equal(get(out, IB_PORT_LINK_DOWN_DEF_F), 2);
	assert_int_equal(get(out, IB_PORT_STATE_F), 0);
	assert_int_equal(get(out, IB_PORT_PHYS_STATE_F), 0);
	assert_true(mad_get_field64(out, 0, IB_PORT_MKEY_F) == 0);
	assert_int_equal(get(out, IB_PORT_MKEY_PROT_BITS_F), 0);
	assert_int_equal(get(out, IB_PORT_MKEY_LEASE_F), 0);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 0);
}

/* A switch's port 0 gets what OpenSM sets there and no more: LID, SM LID,
 * prefix, timeout, M_Key fields, LinkDownDefault, NeighborMTU = MTUCap;
 * OperationalVLs, LMC and MasterSMSL stay as read (real switches may refuse
 * a port-0 Set that touches them). */
static void test_set_switch_port0(void **state)
{
	uint8_t cur[64], out[64];
	struct link_params p = { .lid = 7, .sm_lid = 1, .sm_sl = 0, .subnet_prefix = PREFIX,
				 .subnet_timeout = 18, .is_switch_port0 = 1 };
	(void)state;

	make_ca_port(cur);
	set(cur, IB_PORT_LOCAL_PORT_F, 0);
	link_build_set(out, cur, NULL, &p);
	assert_int_equal(get(out, IB_PORT_LID_F), 7);
	assert_int_equal(get(out, IB_PORT_SMLID_F), 1);
	assert_true(mad_get_field64(out, 0, IB_PORT_GID_PREFIX_F) == PREFIX);
	assert_int_equal(get(out, IB_PORT_SUBN_TIMEOUT_F), 18);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 5);    /* MTUCap */
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 1);        /* as read, not VLCap */
	assert_int_equal(get(out, IB_PORT_LMC_F), 2);             /* as read */
	assert_int_equal(get(out, IB_PORT_SMSL_F), 3);            /* as read */
	assert_int_equal(get(out, IB_PORT_MKEY_PROT_BITS_F), 0);
	assert_int_equal(get(out, IB_PORT_LINK_DOWN_DEF_F), PHYS_POLLING);
	assert_int_equal(get(out, IB_PORT_STATE_F), PORT_NOP);
	/* once applied, nothing more to send */
	assert_true(link_config_ok(out, NULL, &p));
}

static void test_set_active_keeps_link(void **state)
{
	uint8_t cur[64], peer[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	set(cur, IB_PORT_STATE_F, PORT_ACTIVE);
	set(cur, IB_PORT_NEIGHBOR_MTU_F, 3);
	set(cur, IB_PORT_OPER_VLS_F, 2);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 3);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 2);
	assert_int_equal(get(out, IB_PORT_STATE_F), 0);
	assert_int_equal(get(out, IB_PORT_LID_F), 0x12);

	/* zero (unset) values are still fixed on an Active port */
	set(cur, IB_PORT_NEIGHBOR_MTU_F, 0);
	set(cur, IB_PORT_OPER_VLS_F, 0);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 4);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 3);

	/* not Active (Armed): computed values win */
	set(cur, IB_PORT_STATE_F, PORT_ARMED);
	set(cur, IB_PORT_NEIGHBOR_MTU_F, 3);
	set(cur, IB_PORT_OPER_VLS_F, 2);
	link_build_set(out, cur, peer, &p);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 4);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 3);
}

static void test_set_in_place(void **state)
{
	uint8_t cur[64], peer[64], ref[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	link_build_set(ref, cur, peer, &p);
	link_build_set(cur, cur, peer, &p);
	assert_memory_equal(cur, ref, 64);
}

static void test_config_ok(void **state)
{
	uint8_t cur[64], peer[64], out[64], port[64], t[64];
	struct link_params p = params();
	static const struct { enum MAD_FIELDS f; uint32_t v; } diffs[] = {
		{ IB_PORT_LID_F, 0x13 },
		{ IB_PORT_LMC_F, 1 },
		{ IB_PORT_SMLID_F, 2 },
		{ IB_PORT_SMSL_F, 1 },
		{ IB_PORT_SUBN_TIMEOUT_F, 17 },
		{ IB_PORT_NEIGHBOR_MTU_F, 3 },
		{ IB_PORT_OPER_VLS_F, 2 },
		{ IB_PORT_MKEY_PROT_BITS_F, 1 },
		{ IB_PORT_MKEY_LEASE_F, 1 },
		{ IB_PORT_LINK_DOWN_DEF_F, 1 },
	};
	size_t i;

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	assert_false(link_config_ok(cur, peer, &p));

	link_build_set(out, cur, peer, &p);
	apply(port, out, cur);
	assert_true(link_config_ok(port, peer, &p));

	for (i = 0; i < sizeof(diffs) / sizeof(diffs[0]); i++) {
		memcpy(t, port, 64);
		set(t, diffs[i].f, diffs[i].v);
		assert_false(link_config_ok(t, peer, &p));
	}
	memcpy(t, port, 64);
	mad_set_field64(t, 0, IB_PORT_GID_PREFIX_F, 0xfec0000000000000ULL);
	assert_false(link_config_ok(t, peer, &p));
	memcpy(t, port, 64);
	mad_set_field64(t, 0, IB_PORT_MKEY_F, 1);
	assert_false(link_config_ok(t, peer, &p));

	/* a different peer changes the wanted MTU */
	memcpy(t, peer, 64);
	set(t, IB_PORT_MTU_CAP_F, 3);
	assert_false(link_config_ok(port, t, &p));

	/* reregister requested and supported: a Set is needed */
	p.client_rereg = 1;
	assert_false(link_config_ok(port, peer, &p));
	/* ... but not if unsupported */
	set(port, IB_PORT_CAPMASK_F, 0x02514868 & ~CAPMASK_CLIENT_REREG);
	assert_true(link_config_ok(port, peer, &p));
	p.client_rereg = 0;

	/* once Active with other MTU/VLs, the port is left as it is */
	memcpy(t, port, 64);
	set(t, IB_PORT_STATE_F, PORT_ACTIVE);
	set(t, IB_PORT_NEIGHBOR_MTU_F, 3);
	set(t, IB_PORT_OPER_VLS_F, 2);
	assert_true(link_config_ok(t, peer, &p));
}

static void test_config_ok_switch_port(void **state)
{
	uint8_t cur[64], peer[64], out[64], port[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	p.is_switch_port = 1;
	p.client_rereg = 1;
	link_build_set(out, cur, peer, &p);
	apply(port, out, cur);
	/* LID fields differ from p but belong to port 0: still ok */
	assert_true(link_config_ok(port, peer, &p));
	set(port, IB_PORT_NEIGHBOR_MTU_F, 5);
	assert_false(link_config_ok(port, peer, &p));
}

static void test_state_set(void **state)
{
	uint8_t cur[64], peer[64], port[64], out[64];
	struct link_params p = params();

	(void)state;
	make_ca_port(cur);
	make_peer(peer);
	link_build_set(out, cur, peer, &p);
	apply(port, out, cur);

	link_build_state_set(out, port, PORT_ARMED, NULL);
	assert_int_equal(get(out, IB_PORT_STATE_F), PORT_ARMED);
	assert_int_equal(get(out, IB_PORT_PHYS_STATE_F), 0);
	assert_int_equal(get(out, IB_PORT_LINK_DOWN_DEF_F), 0);
	assert_int_equal(get(out, IB_PORT_LINK_WIDTH_ENABLED_F), 0);
	assert_int_equal(get(out, IB_PORT_LINK_SPEED_ENABLED_F), 0);
	assert_int_equal(get(out, IB_PORT_CLIENT_REREG_F), 0);
	assert_int_equal(get(out, IB_PORT_LID_F), 0x12);
	assert_int_equal(get(out, IB_PORT_SMLID_F), 1);
	assert_int_equal(get(out, IB_PORT_LMC_F), 0);
	assert_true(mad_get_field64(out, 0, IB_PORT_GID_PREFIX_F) == PREFIX);
	assert_int_equal(get(out, IB_PORT_SUBN_TIMEOUT_F), 18);
	assert_int_equal(get(out, IB_PORT_NEIGHBOR_MTU_F), 4);
	assert_int_equal(get(out, IB_PORT_OPER_VLS_F), 3);
	assert_int_equal(get(out, IB_PORT_VL_CAP_F), 4);

	set(port, IB_PORT_STATE_F, PORT_ARMED);
	link_build_state_set(out, port, PORT_ACTIVE, NULL);
	assert_int_equal(get(out, IB_PORT_STATE_F), PORT_ACTIVE);
	assert_int_equal(get(out, IB_PORT_LID_F), 0x12);
	assert_int_equal(get(out, IB_PORT_PHYS_STATE_F), 0);
}

#define MKEY 0x8badf00ddeadbeefULL

static void assert_mkey(uint8_t *b, uint64_t key, unsigned prot, unsigned lease)
{
	assert_true(mad_get_field64(b, 0, IB_PORT_MKEY_F) == key);
	assert_int_equal(get(b, IB_PORT_MKEY_PROT_BITS_F), prot);
	assert_int_equal(get(b, IB_PORT_MKEY_LEASE_F), lease);
}

/* With an M_Key configured, every PortInfo Set writes the key, its protect
 * bits and lease: CA ports, switch port 0 and (ignored there, harmless)
 * external ports; the configuration check wants them back on the ports
 * that hold them, not on a switch's external ports. */
static void test_set_mkey(void **state)
{
	uint8_t cur[64], peer[64], out[64], port[64], t[64];
	struct link_params p = params();

	(void)state;
	p.mkey = (struct link_mkey){ MKEY, 2, 60 };
	make_ca_port(cur);
	make_peer(peer);
	link_build_set(out, cur, peer, &p);
	assert_mkey(out, MKEY, 2, 60);
	apply(port, out, cur);
	assert_true(link_config_ok(port, peer, &p));
	memcpy(t, port, 64);
	mad_set_field64(t, 0, IB_PORT_MKEY_F, 0);       /* a port that lost it */
	assert_false(link_config_ok(t, peer, &p));
	memcpy(t, port, 64);
	set(t, IB_PORT_MKEY_PROT_BITS_F, 1);
	assert_false(link_config_ok(t, peer, &p));
	memcpy(t, port, 64);
	set(t, IB_PORT_MKEY_LEASE_F, 0);
	assert_false(link_config_ok(t, peer, &p));

	p.is_switch_port0 = 1;
	link_build_set(out, cur, NULL, &p);
	assert_mkey(out, MKEY, 2, 60);
	apply(port, out, cur);
	assert_true(link_config_ok(port, NULL, &p));
	mad_set_field64(port, 0, IB_PORT_MKEY_F, 0);
	assert_false(link_config_ok(port, NULL, &p));

	p.is_switch_port0 = 0;
	p.is_switch_port = 1;
	link_build_set(out, cur, peer, &p);
	assert_mkey(out, MKEY, 2, 60);
	apply(port, out, cur);
	assert_mkey(port, MKEY, 2, 60);
	/* an external port reading its M_Key fields as 0: no Set for that */
	mad_set_field64(port, 0, IB_PORT_MKEY_F, 0);
	set(port, IB_PORT_MKEY_PROT_BITS_F, 0);
	set(port, IB_PORT_MKEY_LEASE_F, 0);
	assert_true(link_config_ok(port, peer, &p));

	/* no key: nothing to protect, the bits and lease are written as 0 */
	p = params();
	p.mkey = (struct link_mkey){ 0, 3, 100 };
	link_build_set(out, cur, peer, &p);
	assert_mkey(out, 0, 0, 0);
}

/* The state walk's Sets carry the key too, whatever the Get showed (a
 * simulator that keeps no M_Key reads them back as 0). */
static void test_state_set_mkey(void **state)
{
	uint8_t cur[64], out[64];
	struct link_mkey mk = { MKEY, 1, 5 };

	(void)state;
	make_ca_port(cur);
	mad_set_field64(cur, 0, IB_PORT_MKEY_F, 0);
	set(cur, IB_PORT_MKEY_PROT_BITS_F, 0);
	set(cur, IB_PORT_MKEY_LEASE_F, 0);
	link_build_state_set(out, cur, PORT_ARMED, &mk);
	assert_int_equal(get(out, IB_PORT_STATE_F), PORT_ARMED);
	assert_mkey(out, MKEY, 1, 5);
	link_build_state_set(out, cur, PORT_ACTIVE, &mk);
	assert_mkey(out, MKEY, 1, 5);
	link_build_state_set(out, cur, PORT_ACTIVE, NULL);
	assert_mkey(out, 0, 0, 0);
}

/* Which PortInfo reads say "protected by a key we do not have". */
static void test_mkey_foreign(void **state)
{
	uint8_t pi[64];

	(void)state;
	make_ca_port(pi);
	mad_set_field64(pi, 0, IB_PORT_MKEY_F, MKEY);
	set(pi, IB_PORT_MKEY_PROT_BITS_F, 2);
	assert_false(link_mkey_foreign(pi, MKEY));      /* ours */
	assert_true(link_mkey_foreign(pi, 0));          /* we have none */
	assert_true(link_mkey_foreign(pi, MKEY + 1));   /* another one (level 0 shows it) */
	mad_set_field64(pi, 0, IB_PORT_MKEY_F, 0);
	set(pi, IB_PORT_MKEY_PROT_BITS_F, 1);
	assert_true(link_mkey_foreign(pi, MKEY));       /* level 1 hid it from our Get */
	set(pi, IB_PORT_MKEY_PROT_BITS_F, 0);
	assert_false(link_mkey_foreign(pi, MKEY));      /* no key at all */
	assert_false(link_mkey_foreign(pi, 0));
}

static void test_next_state(void **state)
{
	(void)state;
	assert_int_equal(link_next_state(PORT_INIT, PHYS_LINKUP), PORT_ARMED);
	assert_int_equal(link_next_state(PORT_ARMED, PHYS_LINKUP), PORT_ACTIVE);
	assert_int_equal(link_next_state(PORT_ACTIVE, PHYS_LINKUP), 0);
	assert_int_equal(link_next_state(PORT_INIT, PHYS_POLLING), 0);
	assert_int_equal(link_next_state(PORT_INIT, PHYS_TRAINING), 0);
	assert_int_equal(link_next_state(PORT_INIT, PHYS_ERROR_RECOVERY), 0);
	assert_int_equal(link_next_state(PORT_DOWN, PHYS_POLLING), 0);
	assert_int_equal(link_next_state(PORT_DOWN, PHYS_LINKUP), 0);
	assert_int_equal(link_next_state(PORT_NOP, PHYS_NOP), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_ca_fields),
		cmocka_unit_test(test_set_mtu_vls),
		cmocka_unit_test(test_set_client_rereg),
		cmocka_unit_test(test_set_switch_port),
		cmocka_unit_test(test_set_switch_port0),
		cmocka_unit_test(test_set_active_keeps_link),
		cmocka_unit_test(test_set_in_place),
		cmocka_unit_test(test_config_ok),
		cmocka_unit_test(test_config_ok_switch_port),
		cmocka_unit_test(test_state_set),
		cmocka_unit_test(test_set_mkey),
		cmocka_unit_test(test_state_set_mkey),
		cmocka_unit_test(test_mkey_foreign),
		cmocka_unit_test(test_next_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
