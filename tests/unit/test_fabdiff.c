/* fabdiff: the change between two fabric models in words, over synthetic
 * fabrics: two leaves, one spine, a host on each leaf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "fabdiff.h"

static struct fab_node *node(struct fabric *f, uint64_t guid, int type, int nports,
			     const char *desc)
{
	uint8_t ni[64] = { 0 };
	struct fab_node *n;

	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid);
	n = fab_add_node(f, ni);
	snprintf(n->desc, sizeof(n->desc), "%s", desc ? desc : "");
	return n;
}

/* leaf0 (0x10) and leaf1 (0x11) ports 3 to spine (0x20) ports 1 and 2;
 * hosts h0 (0x1), h1 (0x2) on port 1 of each leaf; without what is off. */
static struct fabric *build(int with_cable, int with_h1, int with_spine_desc)
{
	struct fabric *f = fab_new();
	struct fab_node *l0 = node(f, 0x10, 2, 4, "leaf0"), *l1 = node(f, 0x11, 2, 4, "leaf1");
	struct fab_node *sp = node(f, 0x20, 2, 4, with_spine_desc ? "spine" : NULL);
	struct fab_node *h0 = node(f, 0x1, 1, 1, "h0");

	fab_link(&l0->ports[1], &h0->ports[1]);
	if (with_h1) {
		struct fab_node *h1 = node(f, 0x2, 1, 1, "h1");
		fab_link(&l1->ports[1], &h1->ports[1]);
	}
	fab_link(&l0->ports[3], &sp->ports[1]);
	if (with_cable)
		fab_link(&l1->ports[3], &sp->ports[2]);
	return f;
}

static const char *describe(const struct fabric *a, const struct fabric *b, struct fdiff *d)
{
	static char buf[160];

	fdiff_compare(a, b, d);
	fdiff_describe(d, buf, sizeof(buf));
	return buf;
}

static void test_fabdiff(void **st)
{
	struct fabric *full = build(1, 1, 1), *nocable = build(0, 1, 1), *nohost = build(1, 0, 1);
	struct fabric *neither = build(0, 0, 0), *same = build(1, 1, 1);
	struct fdiff d;

	(void)st;
	assert_string_equal(describe(full, same, &d), "no change in the topology");
	assert_string_equal(describe(full, nocable, &d), "cable leaf1/3 - spine/2 down");
	assert_int_equal(d.cables_down, 1);
	assert_string_equal(describe(nocable, full, &d), "cable leaf1/3 - spine/2 up");
	assert_int_equal(d.cables_up, 1);
	/* a host that goes is a node gone, its cable is not counted */
	assert_string_equal(describe(full, nohost, &d), "node h1 gone");
	assert_int_equal(d.cables_down, 0);
	assert_string_equal(describe(nohost, full, &d), "node h1 joined");
	/* several: counts, the first named; a node without a description by GUID */
	assert_string_equal(describe(full, neither, &d),
			    "1 cable down, 1 node gone (first: node h1 gone)");
	assert_string_equal(describe(neither, nocable, &d), "node h1 joined");
	struct fabric *anon = build(1, 1, 0), *anon_nocable = build(0, 1, 0);
	assert_string_equal(describe(anon, anon_nocable, &d),
			    "cable leaf1/3 - 0x0000000000000020/2 down");
	fab_free(anon);
	fab_free(anon_nocable);
	/* no previous model: everything joined */
	assert_string_equal(describe(NULL, full, &d), "5 nodes joined (first: node leaf0 joined)");
	fab_free(full);
	fab_free(nocable);
	fab_free(nohost);
	fab_free(neither);
	fab_free(same);
}

/* fab_copy: the last model without some cables, as a discovery would find
 * it: what only those cables reached is gone, LIDs and the local port kept. */
static void test_copy(void **st)
{
	struct fabric *full = build(1, 1, 1), *c;
	const struct fab_port *cut[1];
	struct fdiff d;
	char buf[160];

	(void)st;
	full->local = &fab_node_by_guid(full, 0x1)->ports[1];
	fab_set_lid(full, &fab_node_by_guid(full, 0x2)->ports[1], 7);
	fab_set_lid(full, &fab_node_by_guid(full, 0x11)->ports[0], 3);
	fab_node_by_guid(full, 0x2)->ports[1].guid = 0x2;
	fab_index_port(full, &fab_node_by_guid(full, 0x2)->ports[1]);
	/* nothing cut: the same fabric */
	c = fab_copy(full, NULL, 0);
	assert_non_null(c);
	fdiff_compare(full, c, &d);
	fdiff_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "no change in the topology");
	assert_int_equal(c->nnodes, 5);
	assert_ptr_equal(c->local, &fab_node_by_guid(c, 0x1)->ports[1]);
	assert_ptr_equal(fab_port_by_lid(c, 7), &fab_node_by_guid(c, 0x2)->ports[1]);
	assert_ptr_equal(fab_port_by_guid(c, 0x2), &fab_node_by_guid(c, 0x2)->ports[1]);
	fab_free(c);
	/* the spine's cable to leaf1, named from either end: leaf1 and h1
	 * are no longer reached */
	cut[0] = &fab_node_by_guid(full, 0x20)->ports[2];
	c = fab_copy(full, cut, 1);
	assert_int_equal(c->nnodes, 3);
	assert_int_equal(c->nswitches, 2);
	assert_null(fab_node_by_guid(c, 0x11));
	assert_null(fab_port_by_lid(c, 7));
	assert_null(fab_node_by_guid(c, 0x20)->ports[2].remote);
	fdiff_compare(full, c, &d);
	assert_int_equal(d.nodes_gone, 2);
	fab_free(c);
	/* no local port: nothing to copy from */
	full->local = NULL;
	assert_null(fab_copy(full, NULL, 0));
	fab_free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fabdiff),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
