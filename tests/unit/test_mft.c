/* mft: the multicast forwarding plan over a synthetic two-level fabric:
 * two spines, three leaves, two hosts a leaf. */
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
#include "mft.h"

static struct fabric *f;
static struct fab_node *spine[2], *leaf[3], *host[6];

static struct fab_node *node(uint64_t guid, int type, int nports)
{
	uint8_t ni[64] = { 0 };
	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid);
	return fab_add_node(f, ni);
}

static void up(struct fab_port *p)
{
	mad_set_field(p->info, 0, IB_PORT_PHYS_STATE_F, 5);
	mad_set_field(p->info, 0, IB_PORT_STATE_F, 4);
	p->have_info = 1;
}

static void cable(struct fab_port *a, struct fab_port *b)
{
	up(a);
	up(b);
	fab_link(a, b);
}

static int setup(void **st)
{
	(void)st;
	f = fab_new();
	for (int s = 0; s < 2; s++)
		spine[s] = node(0x100 + (uint64_t)s, 2, 8);
	for (int l = 0; l < 3; l++) {
		leaf[l] = node(0x200 + (uint64_t)l, 2, 20);  /* 20 ports: two positions */
		/* hosts on ports 1 and 17 (the second 16-port position) */
		for (int h = 0; h < 2; h++) {
			struct fab_node *n = host[2 * l + h] = node(0x300 + (uint64_t)(2 * l + h), 1, 1);
			n->ports[1].guid = n->guid + 0x1000;
			fab_index_port(f, &n->ports[1]);
			cable(&leaf[l]->ports[h ? 17 : 1], &n->ports[1]);
		}
		for (int s = 0; s < 2; s++)
			cable(&leaf[l]->ports[5 + s], &spine[s]->ports[1 + l]);
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	fab_free(f);
	return 0;
}

static unsigned sw_index(const struct mft_plan *p, const struct fab_node *n)
{
	for (unsigned i = 0; i < p->nsw; i++)
		if (p->sw[i] == n)
			return i;
	fail_msg("switch not in plan");
	return 0;
}

static int bit(const struct mft_plan *p, const struct fab_node *n, unsigned mlid, unsigned port)
{
	const struct mft_masks *m = &p->want[sw_index(p, n)];
	unsigned mi = mlid - 0xC000;
	return m->mask[mi * m->npos + port / 16] >> (port % 16) & 1;
}

static unsigned nbits(const struct mft_plan *p, const struct fab_node *n, unsigned mlid)
{
	unsigned c = 0;
	for (unsigned port = 0; port <= n->nports; port++)
		c += (unsigned)bit(p, n, mlid, port);
	return c;
}

static void test_tree(void **st)
{
	(void)st;
	struct mc_table mc;
	struct mft_plan p;
	uint8_t a[16] = { 0xff, 0x12, 1 }, b[16] = { 0xff, 0x12, 2 };

	mc_init(&mc);
	struct mc_group *ga = mc_create(&mc, a, 0), *gb = mc_create(&mc, b, 0);
	/* group A: host 0 (leaf 0 port 1), host 3 (leaf 1 port 17), host 4
	 * (leaf 2 port 1) as a send-only member */
	mc_join(&mc, ga, host[0]->ports[1].guid, MC_JOIN_FULL);
	mc_join(&mc, ga, host[3]->ports[1].guid, MC_JOIN_FULL);
	mc_join(&mc, ga, host[4]->ports[1].guid, MC_JOIN_SENDONLY_FULL);
	/* group B: both hosts of leaf 0 only */
	mc_join(&mc, gb, host[0]->ports[1].guid, MC_JOIN_FULL);
	mc_join(&mc, gb, host[1]->ports[1].guid, MC_JOIN_NON);
	mft_plan_build(&p, f, &mc);
	assert_int_equal(p.nsw, 5);
	assert_int_equal(p.nmlid, 2);
	assert_ptr_equal(p.root, spine[0]);  /* most switch links, lowest GUID */

	/* A: receivers' edge ports, not the send-only one's; leaves up to
	 * spine 0 and down again; spine 1 is not in the tree. */
	assert_true(bit(&p, leaf[0], 0xc000, 1));
	assert_true(bit(&p, leaf[1], 0xc000, 17));
	assert_false(bit(&p, leaf[2], 0xc000, 1));
	for (int l = 0; l < 3; l++) {
		assert_true(bit(&p, leaf[l], 0xc000, 5));
		assert_false(bit(&p, leaf[l], 0xc000, 6));
		assert_true(bit(&p, spine[0], 0xc000, (unsigned)(1 + l)));
	}
	assert_int_equal(nbits(&p, spine[1], 0xc000), 0);
	assert_int_equal(nbits(&p, leaf[2], 0xc000), 1);  /* only the uplink */
	/* B stays on leaf 0: both edge ports, no uplink, no spine */
	assert_true(bit(&p, leaf[0], 0xc001, 1));
	assert_true(bit(&p, leaf[0], 0xc001, 17));
	assert_int_equal(nbits(&p, leaf[0], 0xc001), 2);
	assert_int_equal(nbits(&p, spine[0], 0xc001), 0);

	/* blocks: position 1 of leaf 1 carries port 17 (bit 1) for 0xc000 */
	uint16_t blk[MFT_BLOCK];
	mft_block(&p, sw_index(&p, leaf[1]), 0, 1, blk);
	assert_int_equal(blk[0], 1u << 1);
	assert_int_equal(blk[1], 0);
	mft_plan_free(&p);
	mc_clear(&mc);
}

static void test_memory_diff(void **st)
{
	(void)st;
	struct mc_table mc;
	struct mft_plan p;
	struct mft_memory m;
	uint8_t a[16] = { 0xff, 0x12, 1 };
	uint16_t blk[MFT_BLOCK];

	mc_init(&mc);
	mft_memory_init(&m);
	struct mc_group *g = mc_create(&mc, a, 0);
	mc_join(&mc, g, host[0]->ports[1].guid, MC_JOIN_FULL);
	mc_join(&mc, g, host[2]->ports[1].guid, MC_JOIN_FULL);
	mft_plan_build(&p, f, &mc);
	unsigned l0 = sw_index(&p, leaf[0]);
	/* unknown: due; written: not due; changed: due again */
	assert_int_equal(mft_nblocks(&m, &p, l0), 1);
	assert_true(mft_block_due(&m, &p, l0, 0, 0));
	mft_block(&p, l0, 0, 0, blk);
	mft_block_done(&m, leaf[0]->guid, leaf[0]->nports, 0, 0, blk);
	assert_false(mft_block_due(&m, &p, l0, 0, 0));
	mft_plan_free(&p);
	int gone;
	mc_leave(&mc, g, host[2]->ports[1].guid, MC_JOIN_FULL, &gone);
	mft_plan_build(&p, f, &mc);
	assert_true(mft_block_due(&m, &p, l0, 0, 0));  /* the uplink bit goes */
	mft_block_forget(&m, leaf[0]->guid, 0, 0);
	assert_true(mft_block_due(&m, &p, l0, 0, 0));
	mft_plan_free(&p);
	mft_memory_clear(&m);
	mc_clear(&mc);
}

/* MulticastFDBTop: the last MLID of the blocks in use; none = 0xBFFF. */
static void test_top(void **st)
{
	(void)st;
	struct mft_memory m;
	assert_int_equal(mft_top(0), 0xBFFF);
	assert_int_equal(mft_top(1), 0xC01F);
	assert_int_equal(mft_top(32), 0xC3FF);  /* 1024 MLIDs */
	mft_memory_init(&m);
	assert_int_equal(mft_top_written(&m, 0x42), 0);
	mft_top_done(&m, 0x42, 0xC01F);
	assert_int_equal(mft_top_written(&m, 0x42), 0xC01F);
	assert_int_equal(mft_top_written(&m, 0x43), 0);
	mft_memory_clear(&m);  /* a new master knows nothing */
	assert_int_equal(mft_top_written(&m, 0x42), 0);
	mft_memory_clear(&m);
}

/* MLIDs stop at what the switches forward: a group beyond is refused, not
 * made to be joined and never delivered; one that leaves makes room. */
static void test_mlid_cap(void **st)
{
	(void)st;
	struct mc_table mc;
	uint8_t g[16] = { 0xff, 0x12 };

	mc_init(&mc);
	mc.mlid_cap = 3;
	for (unsigned i = 0; i < 3; i++) {
		g[15] = (uint8_t)i;
		struct mc_group *x = mc_create(&mc, g, 0);
		assert_non_null(x);
		assert_int_equal(x->mlid, MC_MLID_FIRST + i);
	}
	g[15] = 3;
	assert_null(mc_create(&mc, g, 0));
	assert_null(mc_create(&mc, g, MC_MLID_FIRST + 5));   /* asked beyond: no */
	g[15] = 1;
	struct mc_group *one = mc_find(&mc, g);
	int gone;
	assert_int_equal(mc_join(&mc, one, 0x10, MC_JOIN_FULL), MC_JOIN_FULL);
	assert_int_equal(mc_leave(&mc, one, 0x10, MC_JOIN_FULL, &gone), 0);
	assert_true(gone);
	g[15] = 3;
	struct mc_group *x = mc_create(&mc, g, 0);
	assert_non_null(x);
	assert_int_equal(x->mlid, MC_MLID_FIRST + 1);
	mc_clear(&mc);

	/* the last eighth is kept for ports that made fewer than MC_LIGHT */
	mc_init(&mc);
	mc.mlid_cap = 64;
	unsigned made = 0;
	for (unsigned i = 0; i < 64; i++) {
		g[14] = 1;
		g[15] = (uint8_t)i;
		if (!mc_may_create(&mc, 0xbad))
			break;
		assert_non_null(x = mc_create(&mc, g, 0));
		mc_set_creator(&mc, x, 0xbad);
		made++;
	}
	assert_int_equal(made, 64 - 64 / 8);
	assert_true(mc_may_create(&mc, 0x600d));   /* a light one still may */
	mc_clear(&mc);
}

/* Two plans want the same of every switch, block by block. */
static void assert_plans_equal(const struct mft_plan *a, const struct mft_plan *b)
{
	assert_int_equal(a->nsw, b->nsw);
	assert_int_equal(a->nmlid, b->nmlid);
	for (unsigned i = 0; i < a->nsw; i++)
		for (unsigned blk = 0; blk < (a->nmlid + MFT_BLOCK - 1u) / MFT_BLOCK; blk++)
			for (unsigned pos = 0; pos < a->want[i].npos; pos++) {
				uint16_t x[MFT_BLOCK], y[MFT_BLOCK];
				mft_block(a, i, blk, pos, x);
				mft_block(b, sw_index(b, a->sw[i]), blk, pos, y);
				assert_memory_equal(x, y, sizeof(x));
			}
}

/* A join or leave recomputes one group's tree (issue 16: the whole plan
 * was rebuilt for every join, 3 s for joins 4,000-6,000): after any
 * sequence of creates, joins and leaves the kept plan equals one built
 * from scratch, and every block that changed is marked, no other. */
static void test_update(void **st)
{
	(void)st;
	struct mc_table mc;
	struct mft_plan kept, fresh;
	uint8_t g[16] = { 0xff, 0x12, 0x60, 0x1b };
	unsigned seed = 12345;

	mc_init(&mc);
	mft_plan_build(&kept, f, &mc);
	mc_dirty_clear(&mc);
	for (unsigned step = 0; step < 3000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		g[15] = (uint8_t)(r % 150);      /* 150 groups: five blocks */
		uint64_t port = host[(r >> 8) % 6]->ports[1].guid;
		unsigned js = 1u << ((r >> 12) % 4);
		struct mc_group *x = mc_find(&mc, g);
		if (!x)
			x = mc_create(&mc, g, 0);
		int gone;
		if ((r >> 16) % 3)
			mc_join(&mc, x, port, (uint8_t)js);
		else
			(void)mc_leave(&mc, x, port, (uint8_t)js, &gone);  /* the last one: gone */
		if (step % 7)
			continue;  /* several changes between two updates too */
		uint64_t marked[MC_WORDS];
		memcpy(marked, mc.dirty, sizeof(marked));
		/* what the kept plan wanted before the update, per block */
		unsigned nblk = MFT_MAX_BLOCKS;
		mft_plan_build(&fresh, f, &mc);
		uint16_t (*old)[MFT_BLOCK] = calloc((size_t)kept.nsw * 8 * 2, sizeof(*old));
		for (unsigned i = 0; i < kept.nsw; i++)
			for (unsigned blk = 0; blk < 8; blk++)
				for (unsigned pos = 0; pos < kept.want[i].npos && pos < 2; pos++)
					mft_block(&kept, i, blk, pos, old[(i * 8 + blk) * 2 + pos]);
		mft_plan_update(&kept, f, &mc);
		mc_dirty_clear(&mc);
		assert_plans_equal(&kept, &fresh);
		for (unsigned i = 0; i < kept.nsw; i++)
			for (unsigned blk = 0; blk < 8; blk++)
				for (unsigned pos = 0; pos < kept.want[i].npos && pos < 2; pos++) {
					uint16_t now[MFT_BLOCK];
					mft_block(&kept, i, blk, pos, now);
					if (memcmp(now, old[(i * 8 + blk) * 2 + pos], sizeof(now)))
						assert_true(kept.dirty[blk / 64] >> (blk % 64) & 1u);
				}
		/* only blocks of groups marked dirty */
		for (unsigned blk = 0; blk < nblk; blk++) {
			int any = 0;
			for (unsigned e = 0; e < MFT_BLOCK && blk * MFT_BLOCK + e < MC_MAX_GROUPS; e++)
				any |= mc_bit(marked, blk * MFT_BLOCK + e);
			assert_int_equal(kept.dirty[blk / 64] >> (blk % 64) & 1u, any);
		}
		free(old);
		mft_plan_free(&fresh);
	}
	mft_plan_free(&kept);
	mc_clear(&mc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_memory_diff),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_mlid_cap),
		cmocka_unit_test(test_update),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
