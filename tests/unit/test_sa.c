/* sa: the SA's answers over a small synthetic fabric: a switch with three
 * CAs, LFTs as smd would have programmed them, and the multicast groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "log.h"
#include "mcast.h"
#include "sa.h"
#include "sfield.h"

#define PREFIX 0xfe80000000000000ULL

static struct fabric *fab;
static struct lft_memory lfts;
static struct mc_table mc;
static struct sa_ctx ctx;
static struct fab_port *h[4];     /* h[1..3]: CA ports */
static struct fab_node *sw;

static struct fab_node *node(uint64_t guid, int type, int nports)
{
	uint8_t ni[64] = { 0 };
	mad_set_field(ni, 0, IB_NODE_BASE_VERS_F, 1);
	mad_set_field(ni, 0, IB_NODE_CLASS_VERS_F, 1);
	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid + (type == 2 ? 0 : 1));
	return fab_add_node(fab, ni);
}

static void port_up(struct fab_port *p, unsigned mtu)
{
	memset(p->info, 0, 64);
	mad_set_field(p->info, 0, IB_PORT_STATE_F, 4);
	mad_set_field(p->info, 0, IB_PORT_PHYS_STATE_F, 5);
	mad_set_field(p->info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);  /* 4X */
	mad_set_field(p->info, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 1);  /* SDR */
	mad_set_field(p->info, 0, IB_PORT_NEIGHBOR_MTU_F, mtu);
	mad_set_field(p->info, 0, IB_PORT_MTU_CAP_F, 5);
	mad_set_field(p->info, 0, IB_PORT_CAPMASK_F, p->num == 1 ? 0x0200 : 0);
	p->have_info = 1;
}

static int setup(void **st)
{
	(void)st;
	fab = fab_new();
	lft_memory_init(&lfts);
	mc_init(&mc);
	sw = node(0x100, 2, 4);
	fab_set_lid(fab, &sw->ports[0], 1);
	port_up(&sw->ports[0], 0);
	for (int i = 1; i <= 3; i++) {
		struct fab_node *n = node(0x200 + 0x10 * (uint64_t)i, 1, 1);
		snprintf(n->desc, sizeof(n->desc), "h%d HCA-1", i);
		h[i] = &n->ports[1];
		h[i]->guid = n->guid + 1;
		fab_index_port(fab, h[i]);
		fab_set_lid(fab, h[i], (uint16_t)(1 + i));
		port_up(h[i], 4);
		port_up(&sw->ports[i], i == 3 ? 3 : 4);  /* h3's link carries 1024 */
		mad_set_field(h[i]->info, 0, IB_PORT_NEIGHBOR_MTU_F, i == 3 ? 3 : 4);
		fab_link(&sw->ports[i], h[i]);
	}
	fab->local = h[1];
	struct lft_shadow *s = lft_shadow_get(&lfts, sw->guid, 1);
	s->top = 4;
	s->valid[0] = 1;
	for (int i = 1; i <= 3; i++)
		s->data[1 + i] = (uint8_t)i;
	ctx = (struct sa_ctx){ .fab = fab, .lfts = &lfts, .mc = &mc, .prefix = PREFIX,
			       .pkt_life = 18, .new_group_mtu = 4, .new_group_rate = 3 };
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mc_clear(&mc);
	lft_memory_clear(&lfts);
	fab_free(fab);
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

static uint8_t req[256];

static uint8_t *mkreq(unsigned method, unsigned attr, uint64_t mask)
{
	memset(req, 0, sizeof(req));
	mad_set_field(req, 0, IB_MAD_BASEVER_F, 1);
	mad_set_field(req, 0, IB_MAD_MGMTCLASS_F, 3);
	mad_set_field(req, 0, IB_MAD_CLASSVER_F, 2);
	mad_set_field(req, 0, IB_MAD_METHOD_F, method);
	mad_set_field64(req, 0, IB_MAD_TRID_F, 0x1234);
	mad_set_field(req, 0, IB_MAD_ATTRID_F, attr);
	mad_set_field64(req, 0, IB_SA_COMPMASK_F, mask);
	return req + SA_HDR_SIZE;
}

static struct sa_resp resp;

static unsigned ask(uint16_t slid)
{
	sa_resp_free(&resp);
	assert_int_equal(sa_answer(&ctx, req, sizeof(req), slid, &resp), 1);
	assert_true(resp.len >= SA_HDR_SIZE);
	assert_true(mad_get_field64(resp.buf, 0, IB_MAD_TRID_F) == 0x1234);
	return mad_get_field(resp.buf, 0, IB_MAD_STATUS_F);
}

static void put_gid(uint8_t *p, uint64_t guid)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(PREFIX >> (56 - 8 * i));
		p[8 + i] = (uint8_t)(guid >> (56 - 8 * i));
	}
}

#define REC (resp.buf + SA_HDR_SIZE)
#define C(b) (1ull << (b))

/* ---- PathRecord -------------------------------------------------------- */

static void test_path_ipoib(void **st)
{
	(void)st;
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(2) | C(3) | C(10) | C(12) | C(13));
	put_gid(q + 8, h[2]->guid);   /* DGID */
	put_gid(q + 24, h[1]->guid);  /* SGID */
	sf_set(q, SF(49, 1, 7), 1);
	sf_set(q, SF(50, 0, 16), 0xffff);
	assert_int_equal(ask(2), 0);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_MAD_METHOD_F), 0x01);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_MAD_RESPONSE_F), 1);
	assert_int_equal(sf_get(REC, SF(40, 0, 16)), 3);  /* DLID */
	assert_int_equal(sf_get(REC, SF(42, 0, 16)), 2);  /* SLID */
	assert_int_equal(sf_get(REC, SF(54, 2, 6)), 4);   /* MTU 2048 */
	assert_int_equal(sf_get(REC, SF(54, 0, 2)), 2);   /* exactly */
	assert_int_equal(sf_get(REC, SF(55, 2, 6)), 3);   /* 10 Gb/s */
	assert_int_equal(sf_get(REC, SF(50, 0, 16)), 0xffff);
	assert_int_equal(sf_get(REC, SF(49, 0, 1)), 1);   /* reversible */
	assert_int_equal(sf_get(REC, SF(56, 2, 6)), 18);
	assert_memory_equal(REC + 8, q + 8, 16);
	assert_memory_equal(REC + 24, q + 24, 16);
}

static void test_path_mtu_of_links(void **st)
{
	(void)st;
	/* h1 -> h3 crosses the 1024-byte link: the path MTU is 1024. */
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5));
	sf_set(q, SF(40, 0, 16), 4);
	sf_set(q, SF(42, 0, 16), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(54, 2, 6)), 3);
	/* greater than 1024: none; less than 2048: 1024; exactly 512: 512 */
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5) | C(16) | C(17));
	sf_set(q, SF(40, 0, 16), 4);
	sf_set(q, SF(42, 0, 16), 2);
	sf_set(q, SF(54, 0, 2), 0);
	sf_set(q, SF(54, 2, 6), 3);
	assert_int_equal(ask(2), SA_ST_NO_RECORDS);
	sf_set(q, SF(54, 0, 2), 1);
	sf_set(q, SF(54, 2, 6), 4);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(54, 2, 6)), 3);
	sf_set(q, SF(54, 0, 2), 2);
	sf_set(q, SF(54, 2, 6), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(54, 2, 6)), 2);
	/* no source given: the requester's port */
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4));
	sf_set(q, SF(40, 0, 16), 3);
	assert_int_equal(ask(4), 0);
	assert_int_equal(sf_get(REC, SF(42, 0, 16)), 4);
}

static void test_path_errors(void **st)
{
	(void)st;
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(3));
	put_gid(q + 24, h[1]->guid);
	assert_int_equal(ask(2), SA_ST_INSUFFICIENT_COMPS);
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(2));
	put_gid(q + 8, 0xdead);
	assert_int_equal(ask(2), SA_ST_INVALID_GID);
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(2));
	put_gid(q + 8, h[2]->guid);
	q[8] = 0xfe;
	q[9] = 0xc0;  /* another subnet's prefix */
	assert_int_equal(ask(2), SA_ST_INVALID_GID);
	/* a partition we do not have, an SL we do not use */
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(13));
	sf_set(q, SF(40, 0, 16), 3);
	sf_set(q, SF(50, 0, 16), 0x8001);
	assert_int_equal(ask(2), SA_ST_NO_RECORDS);
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(15));
	sf_set(q, SF(40, 0, 16), 3);
	sf_set(q, SF(52, 12, 4), 5);
	assert_int_equal(ask(2), SA_ST_NO_RECORDS);
	/* GetTable of every path from h1: to the switch and all three CAs */
	q = mkreq(IB_MAD_METHOD_GET_TABLE, 0x35, C(5));
	sf_set(q, SF(42, 0, 16), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 4 * 64);
	/* no source: the requester's port, one row of paths ... */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x35, 0);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 4 * 64);
	/* ... and from a LID the SA does not know, nothing: never every
	 * source times every destination */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x35, 0);
	assert_int_equal(ask(999), SA_ST_INSUFFICIENT_COMPS);
}

/* ---- NodeRecord, PortInfoRecord, ClassPortInfo, RMPP -------------------- */

static void test_node_records(void **st)
{
	(void)st;
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x11, C(0));
	sf_set(q, SF(0, 0, 16), 3);
	assert_int_equal(ask(2), 0);
	assert_true(mad_get_field64(REC + 4, 0, IB_NODE_GUID_F) == 0x220);
	assert_true(mad_get_field64(REC + 4, 0, IB_NODE_PORT_GUID_F) == 0x221);
	assert_string_equal((char *)REC + 44, "h2 HCA-1");
	assert_int_equal(mad_get_field(resp.buf, 0, IB_SA_ATTROFFS_F), 14);
	sf_set(q, SF(0, 0, 16), 99);
	assert_int_equal(ask(2), SA_ST_NO_RECORDS);
	mkreq(IB_MAD_METHOD_GET, 0x11, 0);
	assert_int_equal(ask(2), SA_ST_TOO_MANY_RECORDS);
	/* every node: more than one MAD, so an RMPP transfer */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x11, 0);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 4 * 112);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_MAD_METHOD_F), 0x12);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_SA_RMPP_VERS_F), 1);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_SA_RMPP_TYPE_F), 1);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_SA_RMPP_FLAGS_F) & 1, 1);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_SA_RMPP_LEN_F), SA_HDR_SIZE + 4 * 112 - 36);
	/* by NodeDescription */
	q = mkreq(IB_MAD_METHOD_GET_TABLE, 0x11, C(14));
	strcpy((char *)q + 44, "h3 HCA-1");
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 112);
	/* a component the SA does not match on */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x11, C(20));
	assert_int_equal(ask(2), SA_ST_REQ_INVALID);
}

static void test_portinfo_records(void **st)
{
	(void)st;
	/* CapabilityMask matches the ports that have the bits asked for */
	uint8_t *q = mkreq(IB_MAD_METHOD_GET_TABLE, 0x12, C(7));
	mad_set_field(q + 4, 0, IB_PORT_CAPMASK_F, 0x0200);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 4 * 72);  /* 3 CA ports and switch port 1 */
	q = mkreq(IB_MAD_METHOD_GET, 0x12, C(0) | C(1));
	sf_set(q, SF(0, 0, 16), 1);
	q[2] = 3;
	assert_int_equal(ask(2), 0);
	assert_int_equal(REC[2], 3);
	assert_int_equal(mad_get_field(REC + 4, 0, IB_PORT_NEIGHBOR_MTU_F), 3);
}

static void test_class_port_info_and_errors(void **st)
{
	(void)st;
	mkreq(IB_MAD_METHOD_GET, 0x01, 0);
	assert_int_equal(ask(2), 0);
	assert_int_equal(mad_get_field(REC, 0, IB_CPI_CLASSVER_F), 2);
	assert_int_equal(mad_get_field(REC, 0, IB_CPI_CAPMASK2_F) & (1u << 12), 1u << 12);
	mkreq(IB_MAD_METHOD_SET, 0x01, 0);
	assert_int_equal(ask(2), MAD_ST_METHOD_ATTR_UNSUP);
	mkreq(0x14, 0x11, 0);
	assert_int_equal(ask(2), MAD_ST_METHOD_UNSUP);
	mkreq(IB_MAD_METHOD_GET, 0x20, 0);  /* LinkRecord: not served */
	assert_int_equal(ask(2), MAD_ST_METHOD_ATTR_UNSUP);
	mkreq(IB_MAD_METHOD_GET, 0x11, 0);
	mad_set_field(req, 0, IB_MAD_CLASSVER_F, 1);
	assert_int_equal(ask(2), MAD_ST_BAD_VERSION);
	/* truncated: answered with an error; too short to answer: dropped */
	mkreq(IB_MAD_METHOD_GET, 0x11, 0);
	sa_resp_free(&resp);
	assert_int_equal(sa_answer(&ctx, req, 40, 2, &resp), 1);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_MAD_STATUS_F), SA_ST_REQ_INVALID);
	assert_int_equal(sa_answer(&ctx, req, 20, 2, &resp), 0);
	/* a response is never answered */
	mad_set_field(req, 0, IB_MAD_RESPONSE_F, 1);
	assert_int_equal(sa_answer(&ctx, req, sizeof(req), 2, &resp), 0);
	/* no fabric (not master): busy */
	mkreq(IB_MAD_METHOD_GET, 0x11, 0);
	ctx.fab = NULL;
	assert_int_equal(ask(2), MAD_ST_BUSY);
	ctx.fab = fab;
}

/* ---- MCMemberRecord ----------------------------------------------------- */

static uint8_t *mcm_req(unsigned method, const uint8_t mgid[16], uint64_t guid, unsigned join,
			uint64_t mask)
{
	uint8_t *q = mkreq(method, 0x38, mask);
	memcpy(q, mgid, 16);
	put_gid(q + 16, guid);
	sf_set(q, SF(40, 0, 16), 0xffff);
	sf_set(q, SF(48, 4, 4), join);
	return q;
}

#define PARTIAL (C(0) | C(1) | C(7) | C(16))
#define FULL (PARTIAL | C(2) | C(4) | C(5) | C(6) | C(8) | C(9) | C(12) | C(13) | C(14))

static void test_mcmember(void **st)
{
	(void)st;
	uint8_t bc[16], g6[16] = { 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 3 };
	mc_ipoib_broadcast_mgid(bc, 0xffff);
	assert_non_null(sa_ensure_broadcast(&mc, 4, 3, 18));
	/* IPoIB's partial-mask join of the broadcast group */
	mcm_req(IB_MAD_METHOD_SET, bc, h[1]->guid, 1, PARTIAL);
	assert_int_equal(ask(2), 0);
	assert_memory_equal(REC, bc, 16);
	assert_int_equal(sf_get(REC, SF(32, 0, 32)), 0x0b1b);
	assert_int_equal(sf_get(REC, SF(36, 0, 16)), 0xc000);
	assert_int_equal(sf_get(REC, SF(38, 2, 6)), 4);
	assert_int_equal(sf_get(REC, SF(42, 2, 6)), 3);
	assert_int_equal(sf_get(REC, SF(48, 0, 4)), 2);
	assert_int_equal(sf_get(REC, SF(48, 4, 4)), 1);
	/* a send-only join adds its bit */
	mcm_req(IB_MAD_METHOD_SET, bc, h[1]->guid, 8, PARTIAL);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(48, 4, 4)), 9);
	/* a wrong Q_Key for the group */
	uint8_t *q = mcm_req(IB_MAD_METHOD_SET, bc, h[2]->guid, 1, PARTIAL | C(2));
	sf_set(q, SF(32, 0, 32), 0x1111);
	assert_int_equal(ask(3), SA_ST_REQ_INVALID);
	/* a port that is not in the fabric */
	mcm_req(IB_MAD_METHOD_SET, bc, 0xbad, 1, PARTIAL);
	assert_int_equal(ask(3), SA_ST_INVALID_GID);
	/* absent group: partial mask refused, full mask creates */
	mcm_req(IB_MAD_METHOD_SET, g6, h[2]->guid, 1, PARTIAL);
	assert_int_equal(ask(3), SA_ST_INSUFFICIENT_COMPS);
	q = mcm_req(IB_MAD_METHOD_SET, g6, h[2]->guid, 1, FULL);
	sf_set(q, SF(32, 0, 32), 0x0b1b);
	sf_set(q, SF(38, 0, 2), 2);
	sf_set(q, SF(38, 2, 6), 4);
	sf_set(q, SF(42, 0, 2), 2);
	sf_set(q, SF(42, 2, 6), 3);
	assert_int_equal(ask(3), 0);
	assert_int_equal(sf_get(REC, SF(36, 0, 16)), 0xc001);
	assert_int_equal(sf_get(REC, SF(48, 0, 4)), 2);  /* scope from the MGID */
	/* a non-member may not create */
	g6[15] = 4;
	q = mcm_req(IB_MAD_METHOD_SET, g6, h[2]->guid, 2, FULL);
	sf_set(q, SF(32, 0, 32), 0x0b1b);
	assert_int_equal(ask(3), SA_ST_REQ_INVALID);
	g6[15] = 3;
	/* GetTable: two members of the broadcast group, one of the other */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x38, 0);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 2 * 56);
	mcm_req(IB_MAD_METHOD_SET, bc, h[3]->guid, 1, PARTIAL);
	assert_int_equal(ask(4), 0);
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x38, C(0));
	memcpy(req + SA_HDR_SIZE, bc, 16);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 2 * 56);
	/* leave: the member goes, then the empty group; leaving twice fails */
	mcm_req(IB_MAD_METHOD_DELETE, g6, h[2]->guid, 1, PARTIAL);
	assert_int_equal(ask(3), 0);
	assert_int_equal(mad_get_field(resp.buf, 0, IB_MAD_METHOD_F), 0x15);
	assert_null(mc_find(&mc, g6));
	mcm_req(IB_MAD_METHOD_DELETE, g6, h[2]->guid, 1, PARTIAL);
	assert_int_equal(ask(3), SA_ST_REQ_INVALID);
	/* the broadcast group stays with no members */
	mcm_req(IB_MAD_METHOD_DELETE, bc, h[1]->guid, 9, PARTIAL);
	assert_int_equal(ask(2), 0);
	mcm_req(IB_MAD_METHOD_DELETE, bc, h[3]->guid, 1, PARTIAL);
	assert_int_equal(ask(4), 0);
	assert_non_null(mc_find(&mc, bc));
	/* a join without JoinState in the mask */
	mcm_req(IB_MAD_METHOD_SET, bc, h[1]->guid, 1, C(0) | C(1));
	assert_int_equal(ask(2), SA_ST_INSUFFICIENT_COMPS);
}

/* ---- partitions --------------------------------------------------------- */

static int keep_not(void *arg, const struct mc_group *g, uint64_t guid)
{
	(void)g;
	return guid != *(const uint64_t *)arg;
}

/* 0x8001: h1 full, h2 limited, h3 outside; the default partition for all. */
static void test_partitions(void **st)
{
	(void)st;
	static const char text[] = "Default=0x7fff, ipoib : ALL=full ;\n"
				   "p=0x8001, ipoib : 0x211=full, 0x221=limited ;\n"
				   "q=0x0002 : 0x221=limited, 0x231=limited ;\n";
	struct prtn_conf pc;
	struct pkey_memory pm;
	char err[128];
	assert_int_equal(prtn_conf_parse(text, sizeof(text) - 1, "t", &pc, err, sizeof(err)), 0);
	pkey_memory_init(&pm);
	ctx.prtn = &pc;
	ctx.pkeys = &pm;
	ctx.sm_guid = h[1]->guid;

	/* PathRecord with P_Key 0x8001: a full and a limited member, either way */
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5) | C(13));
	sf_set(q, SF(40, 0, 16), 3);
	sf_set(q, SF(42, 0, 16), 2);
	sf_set(q, SF(50, 0, 16), 0x8001);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(50, 0, 16)), 0x8001);
	sf_set(q, SF(40, 0, 16), 2);
	sf_set(q, SF(42, 0, 16), 3);
	assert_int_equal(ask(3), 0);
	assert_int_equal(sf_get(REC, SF(50, 0, 16)), 0x0001);  /* h2's own key */
	/* h3 is not in 0x8001; two limited members of 0x0002 share nothing */
	sf_set(q, SF(40, 0, 16), 4);
	assert_int_equal(ask(3), SA_ST_NO_RECORDS);
	sf_set(q, SF(50, 0, 16), 0x0002);
	assert_int_equal(ask(3), SA_ST_NO_RECORDS);
	/* no P_Key asked: the first shared in OpenSM's order (0x8001 before 0xffff) */
	q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5));
	sf_set(q, SF(40, 0, 16), 3);
	sf_set(q, SF(42, 0, 16), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(50, 0, 16)), 0x8001);
	sf_set(q, SF(40, 0, 16), 4);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(50, 0, 16)), 0xffff);

	/* joins: members only (limited ones too) */
	int made;
	struct sa_group_params gp = { .pkey = 0x0001, .scope = 2, .mtu = 5, .rate = 3,
				      .qkey = 0x0b1b, .pkt_life = 18 };
	struct mc_group *g = sa_ensure_ipoib_group(&mc, &gp, &made);
	assert_non_null(g);
	assert_true(made);
	assert_int_equal(g->pkey, 0x8001);
	assert_int_equal(g->mtu, 5);
	uint8_t bc[16];
	mc_ipoib_broadcast_mgid(bc, 0x8001);
	q = mcm_req(IB_MAD_METHOD_SET, bc, h[3]->guid, 1, PARTIAL);
	sf_set(q, SF(40, 0, 16), 0x8001);
	assert_int_equal(ask(4), SA_ST_REQ_INVALID);
	q = mcm_req(IB_MAD_METHOD_SET, bc, h[2]->guid, 1, PARTIAL);
	sf_set(q, SF(40, 0, 16), 0x0001);
	assert_int_equal(ask(3), 0);
	assert_int_equal(sf_get(REC, SF(38, 2, 6)), 5);
	/* a group of 0x8001 made by a non-member: refused */
	uint8_t g4[16] = { 0xff, 0x12, 0x40, 0x1b, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	q = mcm_req(IB_MAD_METHOD_SET, g4, h[3]->guid, 1, FULL);
	sf_set(q, SF(32, 0, 32), 0x0b1b);
	sf_set(q, SF(40, 0, 16), 0x8001);
	assert_int_equal(ask(4), SA_ST_REQ_INVALID);
	/* queries: h3 does not see 0x8001's group, h2 does */
	mkreq(IB_MAD_METHOD_GET_TABLE, 0x38, C(0));
	memcpy(req + SA_HDR_SIZE, bc, 16);
	assert_int_equal(ask(4), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE);
	assert_int_equal(ask(3), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 56);
	/* a second call finds the group, keeps members, takes new flags */
	gp.mtu = 4;
	assert_ptr_equal(sa_ensure_ipoib_group(&mc, &gp, &made), g);
	assert_false(made);
	assert_int_equal(g->mtu, 4);
	assert_int_equal(g->nmembers, 1);
	/* members pruned by a rule, a permanent group removed */
	uint64_t gone = h[2]->guid;
	assert_int_equal(mc_prune_by(&mc, keep_not, &gone), 1);
	assert_int_equal(g->nmembers, 0);
	mc_remove(&mc, g);
	assert_null(mc_find(&mc, bc));

	/* P_KeyTableRecord: the tables as written, by LID */
	const uint16_t t1[64] = { 0xffff, 0x8001 };
	pkey_shadow_put(&pm, h[1]->guid, 0, 0, t1, 64);
	pkey_shadow_put(&pm, sw->guid, 1, 1, t1, 32);
	q = mkreq(IB_MAD_METHOD_GET_TABLE, 0x33, C(0));
	sf_set(q, SF(0, 0, 16), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(resp.len, SA_HDR_SIZE + 2 * 72);   /* two blocks */
	assert_int_equal(sf_get(REC, SF(4, 0, 8)), 1);      /* port 1 */
	assert_int_equal(sf_get(REC, SF(8, 0, 16)), 0xffff);
	assert_int_equal(sf_get(REC, SF(10, 0, 16)), 0x8001);
	q = mkreq(IB_MAD_METHOD_GET, 0x33, C(0) | C(1) | C(2));
	sf_set(q, SF(0, 0, 16), 1);   /* the switch, its port 1, block 0 */
	sf_set(q, SF(4, 0, 8), 1);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(10, 0, 16)), 0x8001);
	mkreq(IB_MAD_METHOD_SET, 0x33, 0);
	assert_int_equal(ask(2), MAD_ST_METHOD_ATTR_UNSUP);

	ctx.prtn = NULL;
	ctx.pkeys = NULL;
	pkey_memory_clear(&pm);
	prtn_conf_free(&pc);
}

static int keep8(void *arg, uint64_t g)
{
	(void)arg;
	return g == 8;
}

static void test_mcast_table(void **st)
{
	(void)st;
	struct mc_table t;
	uint8_t a[16] = { 0xff, 0x12, 1 }, b[16] = { 0xff, 0x12, 2 }, c[16] = { 0xff, 0x12, 3 };
	int gone;
	mc_init(&t);
	struct mc_group *ga = mc_create(&t, a, 0), *gb = mc_create(&t, b, 0);
	assert_int_equal(ga->mlid, 0xc000);
	assert_int_equal(gb->mlid, 0xc001);
	assert_int_equal(mc_join(&t, ga, 7, 1), 1);
	assert_int_equal(mc_leave(&t, ga, 7, 1, &gone), 0);
	assert_int_equal(gone, 1);
	/* the freed MLID is the lowest free one again */
	struct mc_group *gc = mc_create(&t, c, 0);
	assert_int_equal(gc->mlid, 0xc000);
	assert_int_equal(mc_leave(&t, gc, 7, 1, &gone), -1);
	mc_join(&t, gc, 7, 1);
	mc_join(&t, gc, 8, 2);
	mc_join(&t, gb, 8, 1);
	/* ports that left the fabric */
	assert_int_equal(mc_prune(&t, keep8, NULL), 1);
	assert_null(mc_member(gc, 7));
	assert_non_null(mc_member(gc, 8));
	mc_clear(&t);
}

/* ---- rates: compared in speed order, never by code ------------------------ */

/* Both ends of CA hi's link at LinkWidthActive w, LinkSpeedActive s and
 * LinkSpeedExtActive e (0: none). */
static void link_rate(int hi, unsigned w, unsigned s, unsigned e)
{
	struct fab_port *ends[2] = { h[hi], &sw->ports[hi] };
	for (int i = 0; i < 2; i++) {
		mad_set_field(ends[i]->info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, w);
		mad_set_field(ends[i]->info, 0, IB_PORT_LINK_SPEED_ACTIVE_F, s);
		mad_set_field(ends[i]->info, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, e);
	}
	/* extended speeds: the CA's own capability mask, the switch's port 0 */
	mad_set_field(h[hi]->info, 0, IB_PORT_CAPMASK_F, (hi == 1 ? 0x0200 : 0) | (1u << 14));
	mad_set_field(sw->ports[0].info, 0, IB_PORT_CAPMASK_F, 1u << 14);
}

/* PathRecord h1 -> h2 with a rate selector; its status, rate in *rate. */
static unsigned path_rate(unsigned sel, unsigned rate, unsigned *got)
{
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5) | C(18) | C(19));
	sf_set(q, SF(40, 0, 16), 3);
	sf_set(q, SF(42, 0, 16), 2);
	sf_set(q, SF(55, 0, 2), sel);
	sf_set(q, SF(55, 2, 6), rate);
	unsigned st = ask(2);
	*got = st ? 0 : sf_get(REC, SF(55, 2, 6));
	return st;
}

static void test_rates_in_speed_order(void **st)
{
	unsigned got, mtu, rate;
	(void)st;
	link_rate(1, 2, 4, 2);  /* h1: 4x EDR, 100 Gb/s (code 16) */
	link_rate(2, 8, 4, 0);  /* h2: 12x QDR, 120 Gb/s (code 10), yet slower */
	link_rate(3, 2, 4, 4);  /* h3: 4x HDR, 200 Gb/s (code 17) */
	assert_int_equal(path_rate(3, 0, &got), 0);
	assert_int_equal(got, 10);
	/* greater than 100 (EDR): no; greater than 56 (code 12 > 10): yes */
	assert_int_equal(path_rate(0, 16, &got), SA_ST_NO_RECORDS);
	assert_int_equal(path_rate(0, 12, &got), 0);
	assert_int_equal(got, 10);
	/* less than 100 (EDR): as is; less than 120: 80; less than 2.5: none */
	assert_int_equal(path_rate(1, 16, &got), 0);
	assert_int_equal(got, 10);
	assert_int_equal(path_rate(1, 10, &got), 0);
	assert_int_equal(got, 9);
	assert_int_equal(path_rate(1, 2, &got), SA_ST_NO_RECORDS);
	/* exactly 50 (EDR, code 20) fits; exactly 100 (EDR) does not */
	assert_int_equal(path_rate(2, 20, &got), 0);
	assert_int_equal(got, 20);
	assert_int_equal(path_rate(2, 16, &got), SA_ST_NO_RECORDS);
	/* h1 -> h3: the EDR link's 100 Gb/s */
	uint8_t *q = mkreq(IB_MAD_METHOD_GET, 0x35, C(4) | C(5));
	sf_set(q, SF(40, 0, 16), 4);
	sf_set(q, SF(42, 0, 16), 2);
	assert_int_equal(ask(2), 0);
	assert_int_equal(sf_get(REC, SF(55, 2, 6)), 16);
	/* IPoIB's `auto` rate: the slowest CA link, 12x QDR */
	sa_fabric_mtu_rate(fab, &mtu, &rate);
	assert_int_equal(rate, 10);

	/* MCMember: a group created at the fabric's 120 Gb/s (QDR) */
	uint8_t g7[16] = { 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 7 };
	ctx.new_group_rate = 10;
	q = mcm_req(IB_MAD_METHOD_SET, g7, h[2]->guid, 1, FULL);
	sf_set(q, SF(32, 0, 32), 0x0b1b);
	sf_set(q, SF(42, 0, 2), 0);   /* greater than 100 (EDR): refused */
	sf_set(q, SF(42, 2, 6), 16);
	assert_int_equal(ask(3), SA_ST_REQ_INVALID);
	sf_set(q, SF(42, 2, 6), 12);  /* greater than 56: created at 120 */
	assert_int_equal(ask(3), 0);
	assert_int_equal(sf_get(REC, SF(42, 2, 6)), 10);
	q = mcm_req(IB_MAD_METHOD_SET, g7, h[3]->guid, 1, PARTIAL | C(8) | C(9));
	sf_set(q, SF(42, 0, 2), 0);   /* joining: greater than 100 (EDR): refused */
	sf_set(q, SF(42, 2, 6), 16);
	assert_int_equal(ask(4), SA_ST_REQ_INVALID);
	sf_set(q, SF(42, 0, 2), 1);   /* less than 100 (EDR): 120 QDR is */
	assert_int_equal(ask(4), 0);
	ctx.new_group_rate = 3;
	for (int i = 1; i <= 3; i++)
		link_rate(i, 2, 1, 0);   /* back to 4x SDR */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ipoib),
		cmocka_unit_test(test_path_mtu_of_links),
		cmocka_unit_test(test_path_errors),
		cmocka_unit_test(test_node_records),
		cmocka_unit_test(test_portinfo_records),
		cmocka_unit_test(test_class_port_info_and_errors),
		cmocka_unit_test(test_mcmember),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_mcast_table),
		cmocka_unit_test(test_rates_in_speed_order),
	};
	log_init("test", 1, LOG_LVL_ERR);
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	sa_resp_free(&resp);
	return rc;
}
