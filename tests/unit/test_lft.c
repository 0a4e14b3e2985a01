/* lft: the shadow of what was programmed (which 64-LID blocks a re-sweep
 * must send) and the blocks a plan asks for, over a synthetic fabric: two
 * switches cabled port 1 to port 1, a host on port 2 of each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "lft.h"

#define G 0x1234

static struct fab_node *node(struct fabric *f, uint64_t guid, int type, int nports)
{
	uint8_t ni[64] = { 0 };
	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid);
	return fab_add_node(f, ni);
}

static void fill(uint8_t blk[LFT_BLOCK], uint8_t v)
{
	memset(blk, v, LFT_BLOCK);
}

static void test_shadow(void **st)
{
	(void)st;
	struct lft_memory m;
	uint8_t b0[LFT_BLOCK], b1[LFT_BLOCK];

	lft_memory_init(&m);
	fill(b0, 1);
	fill(b1, 2);
	/* New switch, top 70: two blocks, neither known. */
	struct lft_shadow *sh = lft_shadow_prepare(&m, G, 70, 0, 0);
	assert_non_null(sh);
	assert_int_equal(sh->nblocks, 2);
	assert_int_equal(sh->top, 70);
	assert_true(lft_block_differs(sh, 0, b0));
	assert_true(lft_block_differs(sh, 1, b1));
	lft_block_done(&m, G, 0, b0);
	lft_block_done(&m, G, 1, b1);
	assert_false(lft_block_differs(sh, 0, b0));
	assert_true(lft_block_differs(sh, 0, b1));  /* a route changed */
	assert_int_equal(lft_port_for(&m, G, 3), 1);
	assert_int_equal(lft_port_for(&m, G, 70), 2);
	assert_int_equal(lft_port_for(&m, G, 71), -1);  /* above the top */
	/* A failed Set: the block is sent again. */
	lft_block_forget(&m, G, 1);
	assert_true(lft_block_differs(sh, 1, b1));
	lft_block_done(&m, G, 1, b1);
	/* Unknown switches and blocks beyond the shadow: ignored. */
	lft_block_done(&m, G + 1, 0, b0);
	lft_block_forget(&m, G, 9);
	assert_int_equal(lft_port_for(&m, G + 1, 3), -1);

	/* The switch holds the top written and was in the last sweep: kept. */
	sh = lft_shadow_prepare(&m, G, 70, 70, 1);
	assert_false(lft_block_differs(sh, 0, b0));
	assert_false(lft_block_differs(sh, 1, b1));
	/* A lower top: blocks above it are not kept. */
	sh = lft_shadow_prepare(&m, G, 63, 70, 1);
	assert_false(lft_block_differs(sh, 0, b0));
	assert_true(lft_block_differs(sh, 1, b1));
	assert_int_equal(lft_port_for(&m, G, 70), -1);
	/* More LIDs: the shadow grows and keeps what it knew. */
	lft_block_done(&m, G, 1, b1);
	sh = lft_shadow_prepare(&m, G, 200, 63, 1);
	assert_int_equal(sh->nblocks, 4);
	assert_false(lft_block_differs(sh, 0, b0));
	assert_false(lft_block_differs(sh, 1, b1));
	assert_true(lft_block_differs(sh, 3, b0));
	/* Reset (another top) or not in the last sweep: nothing is kept. */
	lft_block_done(&m, G, 3, b0);
	sh = lft_shadow_prepare(&m, G, 200, 5, 1);
	assert_true(lft_block_differs(sh, 0, b0));
	lft_block_done(&m, G, 0, b0);
	sh = lft_shadow_prepare(&m, G, 200, 200, 0);
	assert_true(lft_block_differs(sh, 0, b0));
	/* A failed SwitchInfo Set: its top is unknown, all is rewritten. */
	lft_block_done(&m, G, 0, b0);
	lft_top_forget(&m, G);
	sh = lft_shadow_prepare(&m, G, 200, 200, 1);
	assert_true(lft_block_differs(sh, 0, b0));
	lft_top_forget(&m, G + 1);  /* unknown: nothing */
	lft_memory_clear(&m);
}

static unsigned sw_index(const struct lft_plan *p, const struct fab_node *n)
{
	for (unsigned i = 0; i < p->g.nsw; i++)
		if (p->sw[i] == n)
			return i;
	fail_msg("switch not in plan");
	return 0;
}

static void test_plan_blocks(void **st)
{
	(void)st;
	struct fabric *f = fab_new();
	struct fab_node *a = node(f, 0x100, 2, 4), *b = node(f, 0x101, 2, 4);
	struct fab_node *ha = node(f, 0x200, 1, 1), *hb = node(f, 0x201, 1, 1);
	struct lft_plan p;
	uint8_t blk[LFT_BLOCK];

	fab_link(&a->ports[1], &b->ports[1]);
	fab_link(&a->ports[2], &ha->ports[1]);
	fab_link(&b->ports[2], &hb->ports[1]);
	fab_set_lid(f, &a->ports[0], 1);
	fab_set_lid(f, &b->ports[0], 2);
	fab_set_lid(f, &ha->ports[1], 3);
	fab_set_lid(f, &hb->ports[1], 70);
	/* b holds 64 LIDs only: its top stays below LinearFDBCap. */
	mad_set_field(b->swinfo, 0, IB_SW_LINEAR_FDB_CAP_F, 64);
	a->have_swinfo = b->have_swinfo = 1;

	assert_int_equal(lft_plan_build(&p, f, RT_MINHOP, NULL, 0, NULL), 0);
	assert_int_equal(p.g.nsw, 2);
	assert_int_equal(p.g.max_lid, 70);
	assert_int_equal(lft_top(a, p.g.max_lid), 70);
	assert_int_equal(lft_top(b, p.g.max_lid), 63);

	unsigned ia = sw_index(&p, a), ib = sw_index(&p, b);
	lft_block(&p, ia, 70, 0, blk);
	assert_int_equal(blk[0], RT_NO_PORT);  /* LID 0 */
	assert_int_equal(blk[1], 0);           /* its own LID */
	assert_int_equal(blk[2], 1);
	assert_int_equal(blk[3], 2);
	assert_int_equal(blk[4], RT_NO_PORT);
	lft_block(&p, ia, 70, 1, blk);
	assert_int_equal(blk[70 - 64], 1);
	assert_int_equal(blk[71 - 64], RT_NO_PORT);
	/* Above the top nothing is routed, even a LID the plan routes. */
	lft_block(&p, ib, 63, 1, blk);
	assert_int_equal(blk[70 - 64], RT_NO_PORT);
	lft_block(&p, ib, 63, 0, blk);
	assert_int_equal(blk[1], 1);
	assert_int_equal(blk[2], 0);
	assert_int_equal(blk[3], 1);
	lft_plan_free(&p);
	fab_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadow),
		cmocka_unit_test(test_plan_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
