/* audit: the rolling read-back of what smd configured, over a model fabric
 * answered by a stand-in for mad_smp():
 *   h1 (CA, smd's port) 1 --- 1 s (switch) 2 --- 1 h2
 *                                         3 --- 1 h3
 * LIDs: s 1, h1 2, h2 3, h3 4; one LFT block written to s. What the
 * "fabric" holds (LIDs, SM LIDs, the switch's block, its ports' physical
 * states) is kept here and changed behind the audit's back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "audit.h"
#include "link.h"

#define SW 0x20ULL

struct ask {
	uint8_t method;
	uint16_t attr;
	uint32_t mod;
	int node;                 /* 0 h1, 1 s, 2 h2, 3 h3 (where the route ends) */
	uint8_t data[64];
	mad_done_fn cb;
	void *arg;
};
static struct ask asked[512];
static unsigned nasked, nanswered;

/* the fabric as it is */
static uint16_t lid_of[4], smlid_of[4];
static uint8_t block0[64];
static uint8_t mft0[64];         /* s's MFT block 0, position 0 */
static unsigned phys_of_sw[4];   /* s's ports 1..3 */

int mad_smp(struct mad_engine *e, const struct smp_req *r, mad_done_fn cb, void *arg)
{
	(void)e;
	assert_true(nasked < 512);
	int n = 0;  /* h1 */
	if (r->dr->hops >= 1)
		n = 1;
	if (r->dr->hops >= 2)
		n = r->dr->p[2];  /* s port 2 -> h2, 3 -> h3 */
	struct ask *a = &asked[nasked++];
	*a = (struct ask){ r->method, r->attr, r->mod, n, { 0 }, cb, arg };
	if (r->data)
		memcpy(a->data, r->data, 64);
	return 0;
}

/* Answer request i; fail: as a timeout. */
static void answer_one(unsigned i, int fail)
{
	const struct ask *a = &asked[i];
	uint8_t data[64] = { 0 }, mad[256] = { 0 };
	struct mad_reply r = { .err = MAD_OK, .mad = mad, .data = data };

	if (fail) {
		r = (struct mad_reply){ .err = MAD_ETIMEDOUT };
	} else if (a->attr == IB_ATTR_MULTICASTFORWTBL) {
		assert_int_equal(a->mod, 0);
		if (a->method == IB_MAD_METHOD_SET)
			memcpy(mft0, a->data, 64);
		memcpy(data, mft0, 64);
	} else if (a->attr == IB_ATTR_LINEARFORWTBL) {
		if (a->method == IB_MAD_METHOD_SET)
			memcpy(block0, a->data, 64);
		memcpy(data, block0, 64);
	} else if (a->node == 1 && a->mod) {  /* a switch's external port */
		if (a->method == IB_MAD_METHOD_SET &&
		    mad_get_field(smp_ro(a->data), 0, IB_PORT_PHYS_STATE_F))
			phys_of_sw[a->mod] = mad_get_field(smp_ro(a->data), 0, IB_PORT_PHYS_STATE_F);
		mad_set_field(data, 0, IB_PORT_PHYS_STATE_F, phys_of_sw[a->mod]);
		mad_set_field(data, 0, IB_PORT_STATE_F, phys_of_sw[a->mod] == PHYS_LINKUP ? 4 : 1);
	} else {
		mad_set_field(data, 0, IB_PORT_LID_F, lid_of[a->node]);
		mad_set_field(data, 0, IB_PORT_SMLID_F, smlid_of[a->node]);
		mad_set_field(data, 0, IB_PORT_STATE_F, 4);
		mad_set_field(data, 0, IB_PORT_PHYS_STATE_F, PHYS_LINKUP);
	}
	a->cb(a->arg, &r);
}

static void answer_all(void)
{
	while (nanswered < nasked)
		answer_one(nanswered++, 0);
}

static struct fabric *fab;
static struct lft_memory lfts;
static struct mft_memory mfts;
static struct trouble trouble;
static struct audit *au;
static int sweeps;
static char sweep_why[200];

static void on_sweep(void *arg, const char *why)
{
	(void)arg;
	sweeps++;
	snprintf(sweep_why, sizeof(sweep_why), "%s", why);
}

static struct fab_node *add(uint64_t guid, int type, int nports, const char *desc)
{
	uint8_t ni[64] = { 0 };
	mad_set_field(ni, 0, IB_NODE_TYPE_F, (uint32_t)type);
	mad_set_field(ni, 0, IB_NODE_NPORTS_F, (uint32_t)nports);
	mad_set_field64(ni, 0, IB_NODE_GUID_F, guid);
	mad_set_field64(ni, 0, IB_NODE_PORT_GUID_F, guid + (type == 2 ? 0 : 1));
	struct fab_node *n = fab_add_node(fab, ni);
	snprintf(n->desc, sizeof(n->desc), "%s", desc);
	return n;
}

static void linked(struct fab_port *p, const struct dr_path *path, uint16_t lid)
{
	p->have_info = 1;
	mad_set_field(p->info, 0, IB_PORT_STATE_F, 4);
	mad_set_field(p->info, 0, IB_PORT_PHYS_STATE_F, PHYS_LINKUP);
	p->path = *path;
	if (lid)
		fab_set_lid(fab, p, lid);
}

/* The model; with_h3 0: h3 and its cable gone. */
static struct fabric *build(int with_h3)
{
	struct dr_path p0 = { 0 }, ps = { 1, { 0, 1 } }, p2 = { 2, { 0, 1, 2 } },
		       p3 = { 2, { 0, 1, 3 } };
	fab = fab_new();
	struct fab_node *h1 = add(0x10, 1, 1, "h1"), *s = add(SW, 2, 3, "s"),
			*h2 = add(0x30, 1, 1, "h2");
	linked(&h1->ports[1], &p0, 2);
	linked(&s->ports[0], &ps, 1);
	linked(&h2->ports[1], &p2, 3);
	fab_link(&h1->ports[1], &s->ports[1]);
	fab_link(&h2->ports[1], &s->ports[2]);
	if (with_h3) {
		struct fab_node *h3 = add(0x40, 1, 1, "h3");
		linked(&h3->ports[1], &p3, 4);
		fab_link(&h3->ports[1], &s->ports[3]);
	}
	fab->local = &h1->ports[1];
	return fab;
}

static int setup(void **st)
{
	(void)st;
	nasked = nanswered = 0;
	sweeps = 0;
	for (int i = 0; i < 4; i++) {
		lid_of[i] = (uint16_t)(i == 1 ? 1 : i == 0 ? 2 : i + 1);
		smlid_of[i] = 2;
		phys_of_sw[i] = PHYS_LINKUP;
	}
	lft_memory_init(&lfts);
	trb_init(&trouble);
	/* s forwards LID 1 to 0, 2 to 1, 3 to 2, 4 to 3: written by smd */
	memset(block0, 0xff, 64);
	for (int l = 1; l <= 4; l++)
		block0[l] = (uint8_t)(l - 1);
	lft_shadow_prepare(&lfts, SW, 4, 4, 1);
	lft_block_done(&lfts, SW, 0, block0);
	build(1);
	mft_memory_init(&mfts);
	au = audit_new(NULL, &lfts, &mfts, &trouble, on_sweep, NULL);
	audit_configure(au, 2, 1);
	audit_model(au, NULL, fab);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	answer_all();
	audit_free(au);
	fab_free(fab);
	lft_memory_clear(&lfts);
	mft_memory_clear(&mfts);
	trb_free(&trouble);
	return 0;
}

static void test_portinfo_drift(void **st)
{
	uint8_t pi[64] = { 0 };
	char buf[120];
	(void)st;

	mad_set_field(pi, 0, IB_PORT_LID_F, 3);
	mad_set_field(pi, 0, IB_PORT_SMLID_F, 2);
	assert_false(audit_portinfo_drift(pi, 3, 2, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	mad_set_field(pi, 0, IB_PORT_SMLID_F, 9);
	assert_true(audit_portinfo_drift(pi, 3, 2, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "SM LID 9 instead of 2");
	mad_set_field(pi, 0, IB_PORT_LID_F, 7);
	mad_set_field(pi, 0, IB_PORT_LMC_F, 2);
	assert_true(audit_portinfo_drift(pi, 3, 2, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "LID 7 instead of 3, SM LID 9 instead of 2, LMC 2 instead of 0");
	/* a switch's port 0: its LMC is not smd's; LID 0 is not checked */
	assert_true(audit_portinfo_drift(pi, 0, 9, 1, buf, sizeof(buf)) == 0);
	/* a short buffer is cut, never overrun */
	char tiny[8];
	assert_true(audit_portinfo_drift(pi, 3, 2, 0, tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), 7);
}

static void test_lft_drift(void **st)
{
	uint8_t a[64], b[64], idx[64];
	(void)st;

	memset(a, 1, 64);
	memcpy(b, a, 64);
	assert_int_equal(audit_lft_drift(a, b, idx), 0);
	b[5] = 2;
	b[63] = 9;
	assert_int_equal(audit_lft_drift(a, b, idx), 2);
	assert_int_equal(idx[0], 5);
	assert_int_equal(idx[1], 63);
}

/* Reads of a round: every item once, never more than the budget a slice. */
static void test_budget_and_round(void **st)
{
	(void)st;
	unsigned total = 0, slices = 0, lft = 0, pi[4] = { 0 };

	/* 3 CA ports + s's port 0 + 1 block = 5 items, 2 a slice: 3 slices */
	for (;;) {
		unsigned before = nasked;
		unsigned sent = audit_step(au);
		assert_int_equal(sent, nasked - before);
		assert_true(sent <= 2);
		slices++;
		for (unsigned i = before; i < nasked; i++) {
			if (asked[i].attr == IB_ATTR_LINEARFORWTBL)
				lft++;
			else
				pi[asked[i].node]++;
		}
		total += sent;
		answer_all();
		if (sent < 2)
			break;
	}
	assert_int_equal(slices, 3);
	assert_int_equal(total, 5);
	assert_int_equal(lft, 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pi[i], 1);
	assert_int_equal(sweeps, 0);  /* nothing drifted */
	/* the next round starts at the top */
	assert_int_equal(audit_step(au), 2);
	assert_int_equal(asked[nasked - 2].node, 0);
}

static void run_round(void)
{
	for (int i = 0; i < 4; i++) {
		audit_step(au);
		answer_all();
	}
}

static void test_sm_lid_changed(void **st)
{
	(void)st;
	smlid_of[2] = 3;  /* h2's SM LID pointed at itself */
	run_round();
	assert_int_equal(sweeps, 1);
	assert_non_null(strstr(sweep_why, "host h2 port 1"));
	/* no Set from the audit itself: the heavy sweep configures it */
	for (unsigned i = 0; i < nasked; i++)
		assert_int_equal(asked[i].method, IB_MAD_METHOD_GET);
}

static void test_lft_rewritten(void **st)
{
	(void)st;
	uint8_t want[64];
	memcpy(want, block0, 64);
	block0[3] = 0;  /* LID 3 sent back to port 0 */
	run_round();
	assert_int_equal(sweeps, 0);
	assert_memory_equal(block0, want, 64);  /* written again */
	unsigned sets = 0;
	for (unsigned i = 0; i < nasked; i++)
		sets += asked[i].method == IB_MAD_METHOD_SET;
	assert_int_equal(sets, 1);
	/* the shadow still knows the block */
	const struct lft_shadow *sh = hmap_get(&lfts.by_guid, SW);
	assert_true(sh->valid[0]);
}

/* What smd writes during a sweep is no drift: replies to reads sent before
 * it began are not judged. */
static void test_hold_discards(void **st)
{
	(void)st;
	block0[3] = 0;
	smlid_of[2] = 3;
	audit_configure(au, 8, 1);
	assert_int_equal(audit_step(au), 5);  /* the whole round in one slice */
	audit_hold(au);
	answer_all();
	assert_int_equal(sweeps, 0);
	for (unsigned i = 0; i < nasked; i++)
		assert_int_equal(asked[i].method, IB_MAD_METHOD_GET);
}

/* h3 stops answering: s's port 3 is read; Disabled, it is set to Polling. */
static void test_disabled_port(void **st)
{
	(void)st;
	phys_of_sw[3] = PHYS_DISABLED;
	for (int i = 0; i < 4; i++) {
		audit_step(au);
		while (nanswered < nasked) {
			unsigned k = nanswered++;
			answer_one(k, asked[k].node == 3);  /* through a disabled port: silence */
		}
	}
	assert_int_equal(phys_of_sw[3], PHYS_POLLING);
	unsigned sets = 0;
	for (unsigned i = 0; i < nasked; i++)
		if (asked[i].method == IB_MAD_METHOD_SET) {
			sets++;
			assert_int_equal(asked[i].attr, IB_ATTR_PORT_INFO);
			assert_int_equal(asked[i].mod, 3);
			assert_int_equal(mad_get_field(asked[i].data, 0, IB_PORT_STATE_F), 0);
		}
	assert_int_equal(sets, 1);
}

/* reenable_ports = no: read, not touched. */
static void test_disabled_left(void **st)
{
	(void)st;
	audit_configure(au, 2, 0);
	phys_of_sw[3] = PHYS_DISABLED;
	for (int i = 0; i < 8; i++) {
		audit_step(au);
		while (nanswered < nasked) {
			unsigned k = nanswered++;
			answer_one(k, asked[k].node == 3);
		}
	}
	assert_int_equal(phys_of_sw[3], PHYS_DISABLED);
	for (unsigned i = 0; i < nasked; i++)
		assert_int_equal(asked[i].method, IB_MAD_METHOD_GET);
}

/* A sweep lost h3's link: s's port 3 is watched at every slice, even with
 * the rolling audit off, and enabled when found Disabled. */
static void test_lost_link_watched(void **st)
{
	(void)st;
	struct fabric *old = fab;
	struct fabric *now = build(0);
	audit_configure(au, 0, 1);
	assert_int_equal(audit_model(au, old, now), 1);
	fab_free(old);
	phys_of_sw[3] = PHYS_DISABLED;
	assert_int_equal(audit_step(au), 1);
	assert_int_equal(asked[nasked - 1].node, 1);
	assert_int_equal(asked[nasked - 1].mod, 3);
	answer_all();
	assert_int_equal(phys_of_sw[3], PHYS_POLLING);
	assert_int_equal(sweeps, 0);
	/* up, and no sweep saw it (its trap lost): one heavy sweep asked */
	phys_of_sw[3] = PHYS_LINKUP;
	audit_step(au);
	answer_all();
	assert_int_equal(sweeps, 1);
	assert_non_null(strstr(sweep_why, "port 3 of switch s"));
	audit_step(au);
	answer_all();
	assert_int_equal(sweeps, 1);
	/* the link back in the model: the watch ends */
	struct fabric *back = build(1);
	assert_int_equal(audit_model(au, now, back), 0);
	fab_free(now);
	assert_int_equal(audit_step(au), 0);
}

static unsigned pass_read, pass_diff;
static int pass_done;
static void on_pass(void *arg, unsigned read, unsigned differed, double ms)
{
	(void)arg;
	(void)ms;
	pass_read = read;
	pass_diff = differed;
	pass_done++;
}

/* The forced pass: every block read, the differing one written, then cb. */
/* Multicast: smd wrote MLID 0xc000 to ports 1 and 2 of s. */
static void mft_written(void)
{
	uint16_t m[32] = { 0x0006 };
	mft_block_done(&mfts, SW, 3, 0, 0, m);
	memset(mft0, 0, 64);
	mft0[1] = 0x06;
}

static void test_mft_rewritten(void **st)
{
	(void)st;
	mft_written();
	mft0[1] = 0x0e;  /* port 3 added behind our back */
	audit_configure(au, 8, 1);
	assert_int_equal(audit_step(au), 6);  /* 5 items and the MFT block */
	answer_all();
	assert_int_equal(mft0[1], 0x06);
	assert_int_equal(mft0[0], 0);
	assert_int_equal(sweeps, 0);
}

/* While the multicast tables are written, their blocks are not read, and a
 * reply from before is not judged. */
static void test_mft_busy(void **st)
{
	(void)st;
	mft_written();
	mft0[1] = 0x0e;
	audit_configure(au, 8, 1);
	audit_mcast_busy(au, 1);
	assert_int_equal(audit_step(au), 5);
	answer_all();
	audit_mcast_busy(au, 0);
	assert_int_equal(audit_step(au), 6);
	audit_mcast_busy(au, 1);
	audit_mcast_busy(au, 0);
	answer_all();
	assert_int_equal(mft0[1], 0x0e);  /* not touched */
}

static void test_forced_pass(void **st)
{
	(void)st;
	block0[4] = 1;
	pass_done = 0;
	assert_int_equal(audit_lft_pass(au, on_pass, NULL), 0);
	assert_int_equal(audit_lft_pass(au, on_pass, NULL), 0);  /* one at a time */
	answer_all();
	assert_int_equal(pass_done, 1);
	assert_int_equal(pass_read, 1);
	assert_int_equal(pass_diff, 1);
	assert_int_equal(block0[4], 3);
	/* no model: nothing to read, no callback */
	audit_model(au, fab, NULL);
	assert_int_equal(audit_lft_pass(au, on_pass, NULL), -1);
	assert_int_equal(pass_done, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portinfo_drift),
		cmocka_unit_test(test_lft_drift),
		cmocka_unit_test_setup_teardown(test_budget_and_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sm_lid_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lft_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_link_watched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mft_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mft_busy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
