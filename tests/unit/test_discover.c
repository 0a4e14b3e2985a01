/* discover: PortInfo and attribute modifier bit 31 (SMSupportsExtendedSpeeds)
 * over a model fabric answered by a stand-in for mad_smp(). Its ports with
 * extended speeds leave LinkSpeedExtActive out of a Get without bit 31, as
 * some real devices do (ibsim ignores the bit, so only this can show it):
 *   h (CA) 1 --- 1 s (switch) 2 --- 1 g (CA)      4x HDR links
 *                  s 3 --- 1 o (CA, no extended speeds): 4x QDR */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "discover.h"
#include "log.h"
#include "rate.h"

#define CAP_EXT (1u << 14)
#define BIT31 (1u << 31)

struct mnode {
	uint64_t guid;
	int type, nports, ext;         /* ext: supports extended speeds */
	int peer[4], peer_port[4];     /* by port: node index, its port (-1: none) */
};
static const struct mnode model[] = {
	{ 0x10, 1, 1, 1, { -1, 1 }, { 0, 1 } },                      /* h */
	{ 0x20, 2, 3, 1, { -1, 0, 2, 3 }, { 0, 1, 1, 1 } },          /* s */
	{ 0x30, 1, 1, 1, { -1, 1 }, { 0, 2 } },                      /* g */
	{ 0x40, 1, 1, 0, { -1, 1 }, { 0, 3 } },                      /* o */
};
#define NMODEL 4

/* What the stand-in was asked, and what it still has to answer. */
struct ask {
	uint16_t attr;
	uint32_t mod;
	int node;
	mad_done_fn cb;
	void *arg;
};
static struct ask asked[256];
static unsigned nasked, nanswered;
static int fail_bit31_of = -1;   /* a node whose Gets with bit 31 fail */

int mad_smp(struct mad_engine *e, const struct smp_req *r, mad_done_fn cb, void *arg)
{
	(void)e;
	assert_true(nasked < 256);
	/* the node the directed route reaches, and the port it enters by */
	int n = 0, in = 1;
	for (unsigned i = 1; i <= r->dr->hops; i++) {
		int out = r->dr->p[i];
		assert_true(model[n].peer[out] >= 0);
		in = model[n].peer_port[out];
		n = model[n].peer[out];
	}
	asked[nasked++] = (struct ask){ r->attr, r->mod, n, cb, arg };
	asked[nasked - 1].mod |= r->attr == IB_ATTR_NODE_INFO ? (uint32_t)in << 8 : 0;
	return 0;
}

static void answer(const struct ask *a)
{
	uint8_t data[64] = { 0 }, mad[256] = { 0 };
	const struct mnode *m = &model[a->node];
	struct mad_reply r = { .err = MAD_OK, .mad = mad, .data = data };

	if (a->attr == IB_ATTR_NODE_INFO) {
		mad_set_field(data, 0, IB_NODE_TYPE_F, (uint32_t)m->type);
		mad_set_field(data, 0, IB_NODE_NPORTS_F, (uint32_t)m->nports);
		mad_set_field64(data, 0, IB_NODE_GUID_F, m->guid);
		mad_set_field64(data, 0, IB_NODE_PORT_GUID_F, m->guid + (m->type == 2 ? 0 : 1));
		mad_set_field(data, 0, IB_NODE_LOCAL_PORT_F, m->type == 2 ? a->mod >> 8 : 1);
	} else if (a->attr == IB_ATTR_PORT_INFO) {
		unsigned port = a->mod & 0xff;
		if ((a->mod & BIT31) && a->node == fail_bit31_of) {
			r = (struct mad_reply){ .err = MAD_ETIMEDOUT };
			a->cb(a->arg, &r);
			return;
		}
		int peer = model[a->node].peer[port];
		mad_set_field(data, 0, IB_PORT_LOCAL_PORT_F, port);
		mad_set_field(data, 0, IB_PORT_STATE_F, peer >= 0 || !port ? 2 : 1);
		mad_set_field(data, 0, IB_PORT_PHYS_STATE_F, peer >= 0 || !port ? 5 : 3);
		mad_set_field(data, 0, IB_PORT_MTU_CAP_F, 4);
		mad_set_field(data, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
		mad_set_field(data, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 4);
		/* a switch's external ports: reserved capability mask */
		if (m->ext && !(m->type == 2 && port))
			mad_set_field(data, 0, IB_PORT_CAPMASK_F, CAP_EXT);
		/* HDR where both ends have it, shown only to a Get with bit 31 */
		int hdr = peer >= 0 && m->ext && model[peer].ext;
		if (hdr && (a->mod & BIT31))
			mad_set_field(data, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, 4);
	}
	a->cb(a->arg, &r);
}

static struct disc_result result;
static int done;

static void disc_done(void *arg, struct disc_result *res)
{
	(void)arg;
	result = *res;
	done = 1;
}

/* Run a discovery to its end; the fabric in result.fab. */
static void discover(void)
{
	nasked = nanswered = 0;
	done = 0;
	assert_non_null(disc_start(NULL, disc_done, NULL));
	while (nanswered < nasked)
		answer(&asked[nanswered++]);
	assert_true(done);
}

/* PortInfo Gets of (node, port): how many, and how many had bit 31. */
static void gets(int node, unsigned port, unsigned *n, unsigned *with31)
{
	*n = *with31 = 0;
	for (unsigned i = 0; i < nasked; i++)
		if (asked[i].attr == IB_ATTR_PORT_INFO && asked[i].node == node &&
		    (asked[i].mod & 0xff) == port) {
			++*n;
			*with31 += !!(asked[i].mod & BIT31);
		}
}

static struct fab_port *port_of(uint64_t node_guid, unsigned port)
{
	struct fab_node *n = fab_node_by_guid(result.fab, node_guid);
	assert_non_null(n);
	assert_true(n->ports[port].have_info);
	return &n->ports[port];
}

static void test_bit31_reads_extended_speeds(void **st)
{
	unsigned n, w;
	(void)st;
	fail_bit31_of = -1;
	discover();
	assert_int_equal(result.failed, 0);
	assert_int_equal(result.fab->nnodes, 4);
	/* CAs and switch port 0 with extended speeds: read again with bit 31 */
	gets(0, 1, &n, &w);
	assert_int_equal(n, 2);
	assert_int_equal(w, 1);
	gets(2, 1, &n, &w);
	assert_int_equal(n, 2);
	assert_int_equal(w, 1);
	gets(1, 0, &n, &w);
	assert_int_equal(n, 2);
	assert_int_equal(w, 1);
	/* the switch's external ports: asked once, with bit 31 (port 0's mask) */
	for (unsigned p = 1; p <= 3; p++) {
		gets(1, p, &n, &w);
		assert_int_equal(n, 1);
		assert_int_equal(w, 1);
	}
	/* a CA without extended speeds never sees the bit */
	gets(3, 1, &n, &w);
	assert_int_equal(n, 1);
	assert_int_equal(w, 0);
	/* so the model knows the HDR links */
	assert_int_equal(rate_fab_port(port_of(0x10, 1)), 17);
	assert_int_equal(rate_fab_port(port_of(0x20, 1)), 17);
	assert_int_equal(rate_fab_port(port_of(0x20, 2)), 17);
	assert_int_equal(rate_fab_port(port_of(0x30, 1)), 17);
	assert_int_equal(rate_fab_port(port_of(0x20, 3)), 7);
	assert_int_equal(rate_fab_port(port_of(0x40, 1)), 7);
	fab_free(result.fab);
}

/* A failed re-read leaves the first answer: the port and the nodes behind
 * it are still found, only without the extended speed. */
static void test_failed_reread_keeps_first_answer(void **st)
{
	(void)st;
	fail_bit31_of = 0;  /* h, where discovery starts */
	discover();
	assert_int_equal(result.failed, 0);
	assert_int_equal(result.fab->nnodes, 4);
	assert_int_equal(rate_fab_port(port_of(0x10, 1)), 7);
	assert_int_equal(rate_fab_port(port_of(0x30, 1)), 17);
	fab_free(result.fab);
	fail_bit31_of = -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit31_reads_extended_speeds),
		cmocka_unit_test(test_failed_reread_keeps_first_answer),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
