/* sa_path: PathRecord (IBA 15.2.5.16). The path is walked through the
 * forwarding tables smd programmed; its MTU and rate are the smallest of
 * its links. */
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "rate.h"
#include "sa_int.h"
#include "smp.h"
#include "xalloc.h"

#define PR_SIZE 64
#define PR_MAX_HOPS 64

/* Record layout: what libibmad does not name (IB_SA_PR_DGID_F, _SGID_F,
 * _DLID_F, _SLID_F, _NPATH_F, _SL_F it does) */
#define PR_RAW SF(44, 0, 1)
#define PR_FLOW SF(44, 4, 20)
#define PR_HOPLIMIT SF(47, 0, 8)
#define PR_TCLASS SF(48, 0, 8)
#define PR_REVERSIBLE SF(49, 0, 1)
#define PR_PKEY SF(50, 0, 16)
#define PR_QOS SF(52, 0, 12)
#define PR_MTU_SEL SF(54, 0, 2)
#define PR_MTU SF(54, 2, 6)
#define PR_RATE_SEL SF(55, 0, 2)
#define PR_RATE SF(55, 2, 6)
#define PR_LIFE_SEL SF(56, 0, 2)
#define PR_LIFE SF(56, 2, 6)

/* Component mask bits */
enum { PRC_SID_MSB, PRC_SID_LSB, PRC_DGID, PRC_SGID, PRC_DLID, PRC_SLID, PRC_RAW,
       PRC_RSVD, PRC_FLOW, PRC_HOPLIMIT, PRC_TCLASS, PRC_REVERSIBLE, PRC_NUMBPATH,
       PRC_PKEY, PRC_QOS, PRC_SL, PRC_MTU_SEL, PRC_MTU, PRC_RATE_SEL, PRC_RATE,
       PRC_LIFE_SEL, PRC_LIFE, PRC_PREFERENCE, PRC_COUNT };

struct walk {
	unsigned mtu;             /* code */
	unsigned rate;            /* code, the slowest link's */
	unsigned hops;
};

static void walk_link(struct walk *w, const struct fab_port *p)
{
	unsigned m = rate_port_mtu(p->info);
	if (m && m < w->mtu)
		w->mtu = m;
	w->rate = rate_min(w->rate, rate_fab_port(p));
}

/* A switch at an end of the path: its port 0 (the one with the LID) counts
 * with its own MTUCap and rate, as in OpenSM's paths. */
static void walk_port0(struct walk *w, const struct fab_port *p0)
{
	unsigned m = mad_get_field(smp_ro(p0->info), 0, IB_PORT_MTU_CAP_F);
	if (m && m < w->mtu)
		w->mtu = m;
	w->rate = rate_min(w->rate, rate_fab_port(p0));
}

/* From src to the port carrying dlid, through the programmed LFTs. */
static int sa_walk(struct sa_ctx *c, struct fab_port *src, struct fab_port *dst, struct walk *w)
{
	uint16_t dlid = dst->lid;
	struct fab_port *cur;

	w->mtu = 63;
	w->rate = 0;
	w->hops = 0;
	if (src == dst) {
		w->mtu = mad_get_field(smp_ro(src->info), 0, IB_PORT_MTU_CAP_F);
		w->rate = rate_fab_port(src);
		return w->mtu && w->rate ? 0 : -1;
	}
	if (fab_is_switch(src->node)) {
		walk_port0(w, src);
		cur = src;
	} else {
		if (!src->remote)
			return -1;
		walk_link(w, src);
		cur = src->remote;
	}
	for (unsigned guard = 0; guard < PR_MAX_HOPS; guard++) {
		struct fab_node *n = cur->node;
		if (!fab_is_switch(n))
			return cur == dst ? 0 : -1;
		if (n == dst->node) {  /* the switch itself (port 0) */
			walk_port0(w, dst);
			return 0;
		}
		int out = lft_port_for(c->lfts, n->guid, dlid);
		if (out <= 0 || out > n->nports || !n->ports[out].remote)
			return -1;
		walk_link(w, &n->ports[out]);
		w->hops++;
		cur = n->ports[out].remote;
	}
	return -1;
}

/* What every path of this SA has, whatever its ends: the packet lifetime,
 * SL 0, no raw traffic, no QoS class. Does the request accept that?
 * Checked once per query, not per pair (the P_Key is the pair's). */
static int sa_path_fixed_ok(const struct sa_ctx *c, const uint8_t *q, uint64_t mask)
{
	if ((mask & M(PRC_LIFE)) &&
	    !sa_selector_ok(sa_sel(q, mask, PRC_LIFE_SEL, PR_LIFE_SEL), sf_get(q, PR_LIFE), c->pkt_life))
		return 0;
	if ((mask & M(PRC_SL)) && mad_get_field(smp_ro(q), 0, IB_SA_PR_SL_F))
		return 0;
	if ((mask & M(PRC_RAW)) && sf_get(q, PR_RAW))
		return 0;
	if ((mask & M(PRC_QOS)) && sf_get(q, PR_QOS))
		return 0;
	if ((mask & M(PRC_NUMBPATH)) && !mad_get_field(smp_ro(q), 0, IB_SA_PR_NPATH_F))
		return 0;
	return 1;
}

/* A record for the path from s to d, if there is one and it meets the
 * request's MTU and rate. */
static void sa_path_add(struct sa_ctx *c, const uint8_t *q, uint64_t mask, struct fab_port *s,
			struct fab_port *d, struct sa_recs *rs)
{
	struct walk w;

	/* only between ports that share the P_Key asked for, or one at all */
	uint16_t pkey = pkey_shared(c->prtn, c->sm_guid, s, d,
				    mask & M(PRC_PKEY) ? (uint16_t)sf_get(q, PR_PKEY) : 0);
	if (!pkey || sa_walk(c, s, d, &w) < 0)
		return;
	/* A path of links that say no rate: the lowest. */
	unsigned mtu = w.mtu, rate = w.rate ? w.rate : 2, life = c->pkt_life;
	/* A smaller MTU or rate than the path's is still a path: honour
	 * "exactly" and "less than" by lowering it. The walk's MTU is at
	 * least 1. */
	if (mask & M(PRC_MTU)) {
		mtu = sa_selector_pick(sa_sel(q, mask, PRC_MTU_SEL, PR_MTU_SEL), sf_get(q, PR_MTU), mtu);
		if (!mtu)
			return;
	}
	if (mask & M(PRC_RATE)) {
		unsigned sel = sa_sel(q, mask, PRC_RATE_SEL, PR_RATE_SEL), want = sf_get(q, PR_RATE);
		unsigned have = rate_rank(rate), wt = rate_rank(want);
		if (!wt && sel != 3)
			return;
		if (sel == 2 && wt <= have)
			rate = want;
		else if (sel == 1 && wt <= have)
			rate = rate_below(want);
		else if (!sa_selector_ok(sel, wt, have))
			return;
		if (!rate)
			return;
	}

	uint8_t *rec = sa_recs_add(rs);  /* zeroed */
	sa_set_gid(rec, IB_SA_PR_DGID_F, c->prefix, d->guid);
	sa_set_gid(rec, IB_SA_PR_SGID_F, c->prefix, s->guid);
	mad_set_field(rec, 0, IB_SA_PR_DLID_F, d->lid);
	mad_set_field(rec, 0, IB_SA_PR_SLID_F, s->lid);
	if (mask & M(PRC_FLOW))
		sf_set(rec, PR_FLOW, sf_get(q, PR_FLOW));
	if (mask & M(PRC_HOPLIMIT))
		sf_set(rec, PR_HOPLIMIT, sf_get(q, PR_HOPLIMIT));
	if (mask & M(PRC_TCLASS))
		sf_set(rec, PR_TCLASS, sf_get(q, PR_TCLASS));
	sf_set(rec, PR_REVERSIBLE, 1);
	sf_set(rec, PR_PKEY, pkey);
	sf_set(rec, PR_MTU_SEL, 2);
	sf_set(rec, PR_MTU, mtu);
	sf_set(rec, PR_RATE_SEL, 2);
	sf_set(rec, PR_RATE, rate);
	sf_set(rec, PR_LIFE_SEL, 2);
	sf_set(rec, PR_LIFE, life);
}

/* The ports a GID or LID component names, or NULL with *st set; all
 * LID-carrying ports when neither is given (*all = 1). */
static struct fab_port *sa_path_end(struct sa_ctx *c, const uint8_t *q, uint64_t mask, int gid_bit,
				    int lid_bit, enum MAD_FIELDS gid_f, enum MAD_FIELDS lid_f, int *all,
				    unsigned *st)
{
	struct fab_port *p;

	*all = 0;
	if (mask & M(gid_bit))
		return sa_gid_port(c, q, gid_f, st);
	if (mask & M(lid_bit)) {
		p = fab_port_by_lid(c->fab, (uint16_t)mad_get_field(smp_ro(q), 0, lid_f));
		if (!p)
			*st = SA_ST_NO_RECORDS;
		return p;
	}
	*all = 1;
	return NULL;
}

/* Every port that carries a LID (CA ports, switch port 0): malloc'd, *n set. */
static struct fab_port **sa_lid_ports(const struct fabric *f, unsigned *n)
{
	unsigned cnt = 0;

	FOR_LID_PORTS(f, nd, p)
		cnt += p->lid != 0;
	struct fab_port **v = xmalloc(((size_t)cnt + 1) * sizeof(*v));
	*n = 0;
	FOR_LID_PORTS(f, nd, p)
		if (p->lid)
			v[(*n)++] = p;
	return v;
}

void sa_path(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r)
{
	unsigned m = sa_req_method(req), st = 0;
	uint64_t mask = sa_req_mask(req);
	const uint8_t *q = sa_req_rec(req);
	struct sa_recs rs = { .size = PR_SIZE };
	int s_all, d_all;
	unsigned ns = 1, nd = 1;

	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_GET_TABLE) {
		sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
		return;
	}
	if (mask >> PRC_COUNT) {
		sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		return;
	}
	struct fab_port *s = sa_path_end(c, q, mask, PRC_SGID, PRC_SLID, IB_SA_PR_SGID_F,
					 IB_SA_PR_SLID_F, &s_all, &st);
	struct fab_port *d = sa_path_end(c, q, mask, PRC_DGID, PRC_DLID, IB_SA_PR_DGID_F,
					 IB_SA_PR_DLID_F, &d_all, &st);
	if (st) {
		sa_reply(req, st, NULL, 0, r);
		return;
	}
	if (s_all) {
		/* No source given: the requester's own port, never every port
		 * (from a LID we do not know, that was every pair of the
		 * fabric for one 256-byte request: 124 ms and 60 MB on 702
		 * nodes). One row at most per request. */
		s = slid ? fab_port_by_lid(c->fab, slid) : NULL;
		if (!s) {
			sa_reply(req, SA_ST_INSUFFICIENT_COMPS, NULL, 0, r);
			return;
		}
		s_all = 0;
	}
	if ((s_all || d_all) && m == IB_MAD_METHOD_GET) {
		sa_reply(req, SA_ST_INSUFFICIENT_COMPS, NULL, 0, r);
		return;
	}

	/* The ends: the one given, or every LID-carrying port (GetTable; one
	 * list serves both ends). A query naming both ends, as IPoIB's do,
	 * looks at one pair only. */
	struct fab_port **all = NULL;
	unsigned nall = 0;
	if (!sa_path_fixed_ok(c, q, mask)) {
		ns = nd = 0;  /* no path can match: an empty answer */
	} else if (s_all || d_all) {
		all = sa_lid_ports(c->fab, &nall);
	}
	struct fab_port **src = s_all ? all : &s, **dst = d_all ? all : &d;
	if (s_all)
		ns = nall;
	if (d_all)
		nd = nall;
	for (unsigned i = 0; i < ns; i++)
		for (unsigned j = 0; j < nd; j++)
			sa_path_add(c, q, mask, src[i], dst[j], &rs);
	free(all);
	sa_finish(req, &rs, NULL, 0, r);
}
