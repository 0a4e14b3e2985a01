/* fuzz_sa: any bytes as an SA request (every attribute and method smd
 * serves), from any source LID, to the SA of a small fabric: a switch and
 * three hosts, the broadcast groups, routes programmed, two partitions
 * (h1 full and h2 limited in 0x8001, h3 outside) with their P_Key tables.
 * Groups joined by earlier inputs stay (as they would in a running SM)
 * until 64 are made. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <infiniband/mad.h>

#include "log.h"
#include "sa.h"

#define PREFIX 0xfe80000000000000ULL

static struct fabric *fab;
static struct lft_memory lfts;
static struct mc_table mc;
static struct sa_ctx ctx;
static struct prtn_conf prtn;
static struct pkey_memory pkeys;

static struct fab_node *node(uint64_t guid, int type, int nports)
{
	uint8_t ni[64] = { 0 };

	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid + (type == 2 ? 0 : 1));
	return fab_add_node(fab, ni);
}

static void port_up(struct fab_port *p)
{
	memset(p->info, 0, 64);
	mad_set_field(p->info, 0, IB_PORT_STATE_F, 4);
	mad_set_field(p->info, 0, IB_PORT_PHYS_STATE_F, 5);
	mad_set_field(p->info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
	mad_set_field(p->info, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 1);
	mad_set_field(p->info, 0, IB_PORT_NEIGHBOR_MTU_F, 4);
	mad_set_field(p->info, 0, IB_PORT_MTU_CAP_F, 5);
	p->have_info = 1;
}

static void setup(void)
{
	log_init("fuzz_sa", 1, LOG_LVL_ERR);
	fab = fab_new();
	lft_memory_init(&lfts);
	mc_init(&mc);
	mc.mlid_cap = 64;
	struct fab_node *sw = node(0x100, 2, 4);
	fab_set_lid(fab, &sw->ports[0], 1);
	port_up(&sw->ports[0]);
	for (int i = 1; i <= 3; i++) {
		struct fab_node *n = node(0x200 + 0x10 * (uint64_t)i, 1, 1);
		struct fab_port *h = &n->ports[1];
		snprintf(n->desc, sizeof(n->desc), "h%d HCA-1", i);
		h->guid = n->guid + 1;
		fab_index_port(fab, h);
		fab_set_lid(fab, h, (uint16_t)(1 + i));
		port_up(h);
		port_up(&sw->ports[i]);
		fab_link(&sw->ports[i], h);
		if (i == 1)
			fab->local = h;
	}
	struct lft_shadow *s = lft_shadow_get(&lfts, sw->guid, 1);
	s->top = 4;
	s->valid[0] = 1;
	for (int i = 1; i <= 3; i++)
		s->data[1 + i] = (uint8_t)i;
	static const char conf[] = "Default=0x7fff, ipoib : ALL=full ;\n"
				   "p1=0x8001, ipoib, mtu=5, scope=2, scope=5 : 0x211=full, 0x221 ;\n";
	char err[128];
	if (prtn_conf_parse(conf, sizeof(conf) - 1, "fuzz", &prtn, err, sizeof(err)) < 0)
		fprintf(stderr, "fuzz_sa: %s\n", err);
	pkey_memory_init(&pkeys);
	const uint16_t t1[64] = { 0xffff, 0x8001 }, t2[64] = { 0xffff, 0x0001 }, t3[32] = { 0xffff };
	pkey_shadow_put(&pkeys, 0x211, 0, 0, t1, 64);
	pkey_shadow_put(&pkeys, 0x221, 0, 0, t2, 64);
	pkey_shadow_put(&pkeys, 0x231, 0, 0, t3, 32);
	pkey_shadow_put(&pkeys, 0x100, 0, 0, t3, 32);
	pkey_shadow_put(&pkeys, 0x100, 1, 1, t1, 64);
	ctx = (struct sa_ctx){ .fab = fab, .lfts = &lfts, .mc = &mc, .prefix = PREFIX,
			       .pkt_life = 18, .new_group_mtu = 4, .new_group_rate = 3,
			       .prtn = &prtn, .sm_guid = 0x211, .pkeys = &pkeys };
	sa_ensure_broadcast(&mc, 4, 3, 18);
	for (unsigned s = 2; s <= 5; s += 3) {
		int made;
		struct sa_group_params gp = { .pkey = 0x0001, .scope = (uint8_t)s, .mtu = 5, .rate = 3,
					      .qkey = 0x0b1b, .pkt_life = 18 };
		sa_ensure_ipoib_group(&mc, &gp, &made);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sa_resp r = { 0 };
	uint8_t mad[256];

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	/* the first byte picks the requester: LIDs 0..4 (0: unknown), or 999 */
	uint16_t slid = data[0] < 250 ? data[0] % 5 : 999;
	size_t len = size - 1 > sizeof(mad) ? sizeof(mad) : size - 1;
	memcpy(mad, data + 1, len);
	sa_answer(&ctx, mad, len, slid, &r);
	sa_resp_free(&r);
	return 0;
}
