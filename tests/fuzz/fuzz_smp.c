/* fuzz_smp: any bytes as the SMP replies discovery and the sweep read
 * (NodeInfo, PortInfo, SwitchInfo, NodeDescription), without a fabric.
 * The first byte picks how:
 *   even: the rest, 64 bytes at a time, through every check and decoder
 *         (smpcheck.c, fab_add_node): a NodeDescription decoded is text
 *         without control characters, NUL-terminated;
 *   odd:  a directed-route discovery (discover.c) of a model fabric answered
 *         by a stand-in for mad_smp(), the input choosing for each request
 *         which one is answered next (any order) and how: truthfully, not at
 *         all, with a MAD status, with bytes of its answer changed, or with
 *         64 bytes of the input. The model it returns has every link both
 *         ways within its nodes' ports, and LIDs assigned to it are unique.
 * Model: h (CA, us) 1 - 1 s1 (switch, 8 ports); s1 2 - 1 g (CA); s1 3 - 1 s2
 * (switch, 4 ports); s1 4 - 5 s1 (a looped cable); s1 6 - 6 s1 (a port
 * cabled to itself); s2 2 - 1 o (CA); s2 3 - 1 d (a CA with g's GUIDs). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>

#include "discover.h"
#include "fablid.h"
#include "log.h"
#include "smpcheck.h"
#include "xalloc.h"

struct mnode {
	uint64_t guid;
	int type, nports;
	int peer[9], peer_port[9];   /* by port: node index (-1: none), its port */
	const char *desc;
};
static const struct mnode model[] = {
	{ 0x10, 1, 1, { -1, 1 }, { 0, 1 }, "h" },
	{ 0x20, 2, 8, { -1, 0, 2, 3, 1, 1, 1, -1, -1 }, { 0, 1, 1, 1, 5, 4, 6, 0, 0 }, "s1" },
	{ 0x30, 1, 1, { -1, 1 }, { 0, 2 }, "g" },
	{ 0x40, 2, 4, { -1, 1, 4, 5, -1 }, { 0, 3, 1, 1, 0 }, "s2" },
	{ 0x50, 1, 1, { -1, 3 }, { 0, 2 }, "o" },
	{ 0x30, 1, 1, { -1, 3 }, { 0, 3 }, "d" },
};
#define NMODEL (sizeof(model) / sizeof(model[0]))

struct ask {
	uint16_t attr;
	uint32_t mod;
	int node, in;                 /* -1: the route leads nowhere */
	mad_done_fn cb;
	void *arg;
};
static struct ask *asked;
static size_t nasked, cap;

int mad_smp(struct mad_engine *e, const struct smp_req *r, mad_done_fn cb, void *arg)
{
	(void)e;
	int n = 0, in = 1;
	for (unsigned i = 1; i <= r->dr->hops && n >= 0; i++) {
		int out = r->dr->p[i];
		if (out < 1 || out > model[n].nports || model[n].peer[out] < 0 ||
		    (i > 1 && model[n].type != 2)) {   /* only switches forward */
			n = -1;
			break;
		}
		in = model[n].peer_port[out];
		n = model[n].peer[out];
	}
	if (nasked == cap) {
		cap = cap ? cap * 2 : 64;
		asked = xreallocarray(asked, cap, sizeof(*asked));
	}
	asked[nasked++] = (struct ask){ r->attr, r->mod, n, in, cb, arg };
	return 0;
}

static void truth(const struct ask *a, uint8_t data[64])
{
	const struct mnode *m = &model[a->node];
	memset(data, 0, 64);
	switch (a->attr) {
	case IB_ATTR_NODE_INFO:
		mad_set_field(data, 0, IB_NODE_BASE_VERS_F, 1);
		mad_set_field(data, 0, IB_NODE_CLASS_VERS_F, 1);
		mad_set_field(data, 0, IB_NODE_TYPE_F, (uint32_t)m->type);
		mad_set_field(data, 0, IB_NODE_NPORTS_F, (uint32_t)m->nports);
		mad_set_field64(data, 0, IB_NODE_SYSTEM_GUID_F, m->guid);
		mad_set_field64(data, 0, IB_NODE_GUID_F, m->guid);
		mad_set_field64(data, 0, IB_NODE_PORT_GUID_F, m->guid + (m->type == 2 ? 0 : 1));
		mad_set_field(data, 0, IB_NODE_LOCAL_PORT_F, (uint32_t)a->in);
		break;
	case IB_ATTR_PORT_INFO: {
		unsigned port = a->mod & 0xff;
		int linked = port >= 1 && (int)port <= m->nports && m->peer[port] >= 0;
		mad_set_field(data, 0, IB_PORT_LOCAL_PORT_F, port);
		mad_set_field(data, 0, IB_PORT_STATE_F, linked ? 2 : 1);
		mad_set_field(data, 0, IB_PORT_PHYS_STATE_F, linked ? 5 : 2);
		mad_set_field(data, 0, IB_PORT_MTU_CAP_F, 4);
		mad_set_field(data, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
		mad_set_field(data, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 4);
		mad_set_field(data, 0, IB_PORT_CAPMASK_F, 1u << 14);
		break;
	}
	case IB_ATTR_SWITCH_INFO:
		mad_set_field(data, 0, IB_SW_LINEAR_FDB_CAP_F, 48 * 1024);
		mad_set_field(data, 0, IB_SW_MCAST_FDB_CAP_F, 1024);
		break;
	case IB_ATTR_NODE_DESC:
		memcpy(data, m->desc, strlen(m->desc));
		break;
	}
}

struct in { const uint8_t *p; size_t n; };
static int take(struct in *in, uint8_t *b)
{
	if (!in->n)
		return 0;
	*b = *in->p++;
	in->n--;
	return 1;
}

static struct disc_result *got;
static void done(void *arg, struct disc_result *res)
{
	(void)arg;
	got = xmalloc(sizeof(*got));
	*got = *res;
}

static void check_model(struct fabric *f)
{
	for (struct fab_node *n = f->nodes; n; n = n->next)
		for (unsigned i = 0; i <= n->nports; i++) {
			struct fab_port *p = &n->ports[i], *r = p->remote;
			if (p->node != n || p->num != i)
				abort();
			if (r && (r->remote != p || r->num > r->node->nports ||
				  &r->node->ports[r->num] != r))
				abort();
		}
	struct lidmap *m = lidmap_new();
	fablid_assign(f, m);
	uint8_t *seen = xcalloc(0x10000, 1);
	FOR_LID_PORTS(f, n, p) {
		if (p->lid && seen[p->lid]++)
			abort();               /* a LID given twice */
	}
	free(seen);
	lidmap_free(m);
	fab_free(fab_copy(f, NULL, 0));
}

static void run_discovery(struct in *in)
{
	int truthful = !in->n;            /* every answer true, in order */
	struct disc *d = disc_start(NULL, done, NULL);
	if (!d)
		abort();
	while (nasked) {
		uint8_t pick = 0, how = 0, b;
		take(in, &pick);
		take(in, &how);
		size_t i = pick % nasked;
		struct ask a = asked[i];
		asked[i] = asked[--nasked];
		uint8_t data[64], mad[256] = { 0 };
		struct mad_reply r = { .err = MAD_OK, .mad = mad, .data = data };
		if (a.node < 0) {
			r = (struct mad_reply){ .err = MAD_EUMAD, .umad_status = 110 };
			a.cb(a.arg, &r);
			continue;
		}
		truth(&a, data);
		switch (how % 8) {
		case 1:
			r = (struct mad_reply){ .err = MAD_ETIMEDOUT };
			break;
		case 2:
			r = (struct mad_reply){ .err = MAD_ESTATUS, .mad_status = 0x1c, .mad = mad,
						.data = data };
			break;
		case 3: case 4: {          /* a few bytes changed */
			uint8_t k = 0, off = 0;
			take(in, &k);
			for (unsigned j = 0; j <= k % 4; j++)
				if (take(in, &off) && take(in, &b))
					data[off % 64] = b;
			break;
		}
		case 5:                    /* anything */
			for (unsigned j = 0; j < 64; j++)
				if (take(in, &b))
					data[j] = b;
			break;
		default:
			break;
		}
		a.cb(a.arg, &r);
	}
	if (!got)
		abort();                   /* every request ended: the callback ran */
	if (got->fab && got->fab->local)
		check_model(got->fab);
	/* the stand-in itself: told the truth, discovery finds h, s1, g, s2
	 * and o, d left out (g's GUID), s1's port 6 linked to itself */
	if (truthful) {
		struct fab_node *s1 = got->fab ? fab_node_by_guid(got->fab, 0x20) : NULL;
		if (!s1 || got->fab->nnodes != 5 || got->ndup != 1 ||
		    s1->ports[6].remote != &s1->ports[6] || s1->ports[4].remote != &s1->ports[5])
			abort();
	}
	fab_free(got->fab);
	free(got);
	got = NULL;
}

static void run_decoders(struct in *in)
{
	char why[64], desc[65];
	while (in->n >= 64) {
		const uint8_t *d = in->p;
		smpck_portinfo(d, 0, why, sizeof(why));
		smpck_portinfo(d, 1, why, sizeof(why));
		smpck_switchinfo(d, why, sizeof(why));
		smpck_nodeinfo_remote(d, why, sizeof(why));
		if (smpck_nodeinfo(d, why, sizeof(why)) == 0) {
			struct fabric *f = fab_new();
			struct fab_node *n = fab_add_node(f, d);
			if (!n || !n->nports || n->nports == 255)
				abort();
			fab_free(f);
		}
		smpck_nodedesc(desc, d);
		size_t len = strnlen(desc, sizeof(desc));
		if (len > 64)
			abort();
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)desc[i] < 0x20 || desc[i] == 0x7f)
				abort();
		in->p += 64;
		in->n -= 64;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		log_init("fuzz_smp", 1, LOG_LVL_ERR);
		ready = 1;
	}
	if (!size)
		return 0;
	struct in in = { data + 1, size - 1 };
	if (data[0] & 1)
		run_discovery(&in);
	else
		run_decoders(&in);
	return 0;
}
