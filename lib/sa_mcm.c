/* sa_mcm: MCMemberRecord (IBA 15.2.5.17): join (SubnAdmSet), leave
 * (SubnAdmDelete), Get and GetTable over the multicast groups; and the
 * group the SA makes itself, IPoIB's broadcast group, with the fabric's
 * MTU and rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "rate.h"
#include "sa_int.h"
#include "smp.h"
#include "xalloc.h"

#define MCM_SIZE 56               /* 52 bytes, padded to 8 */

/* Record layout: what libibmad does not name (IB_SA_MCM_MGID_F, _PORTGID_F,
 * _QKEY_F, _MLID_F, _MTU_F, _TCLASS_F, _PKEY_F, _RATE_F, _SL_F,
 * _FLOW_LABEL_F, _JOIN_STATE_F, _PROXY_JOIN_F it does) */
#define MCM_MTU_SEL SF(38, 0, 2)
#define MCM_RATE_SEL SF(42, 0, 2)
#define MCM_LIFE_SEL SF(43, 0, 2)
#define MCM_LIFE SF(43, 2, 6)
#define MCM_HOPLIMIT SF(47, 0, 8)
#define MCM_SCOPE SF(48, 0, 4)

enum { MC_MGID, MC_PORTGID, MC_QKEY, MC_MLID, MC_MTU_SEL, MC_MTU, MC_TCLASS, MC_PKEY,
       MC_RATE_SEL, MC_RATE, MC_LIFE_SEL, MC_LIFE, MC_SL, MC_FLOW, MC_HOPLIMIT, MC_SCOPE,
       MC_JOIN, MC_PROXY };

static const struct sa_comp mcm_comps[] = {
	[MC_MGID] = { 0, 128, CMP_EQ }, [MC_PORTGID] = { 128, 128, CMP_EQ },
	[MC_QKEY] = { 256, 32, CMP_EQ }, [MC_MLID] = { 288, 16, CMP_EQ },
	[MC_MTU_SEL] = { 304, 2, CMP_IGNORE }, [MC_MTU] = { 306, 6, CMP_EQ },
	[MC_TCLASS] = { 312, 8, CMP_EQ }, [MC_PKEY] = { 320, 16, CMP_EQ },
	[MC_RATE_SEL] = { 336, 2, CMP_IGNORE }, [MC_RATE] = { 338, 6, CMP_EQ },
	[MC_LIFE_SEL] = { 344, 2, CMP_IGNORE }, [MC_LIFE] = { 346, 6, CMP_EQ },
	[MC_SL] = { 352, 4, CMP_EQ }, [MC_FLOW] = { 356, 20, CMP_EQ },
	[MC_HOPLIMIT] = { 376, 8, CMP_EQ }, [MC_SCOPE] = { 384, 4, CMP_EQ },
	[MC_JOIN] = { 388, 4, CMP_EQ }, [MC_PROXY] = { 392, 1, CMP_EQ },
};

/* A field libibmad names, of a query record. */
static uint32_t mcm_get(const uint8_t *q, enum MAD_FIELDS f)
{
	return mad_get_field(smp_ro(q), 0, f);
}

/* What creating a group needs (as OpenSM asks): the rest has defaults. */
#define CREATE_MASK (M(MC_MGID) | M(MC_PORTGID) | M(MC_JOIN) | M(MC_QKEY) | M(MC_TCLASS) | \
		     M(MC_PKEY) | M(MC_FLOW) | M(MC_SL))

static void mcm_fill(const struct sa_ctx *c, uint8_t *rec, const struct mc_group *g,
		     uint64_t guid, uint8_t join)
{
	memset(rec, 0, MCM_SIZE);
	mad_set_array(rec, 0, IB_SA_MCM_MGID_F, smp_ro(g->mgid));
	if (guid)
		sa_set_gid(rec, IB_SA_MCM_PORTGID_F, c->prefix, guid);
	mad_set_field(rec, 0, IB_SA_MCM_QKEY_F, g->qkey);
	mad_set_field(rec, 0, IB_SA_MCM_MLID_F, g->mlid);
	sf_set(rec, MCM_MTU_SEL, 2);
	mad_set_field(rec, 0, IB_SA_MCM_MTU_F, g->mtu);
	mad_set_field(rec, 0, IB_SA_MCM_TCLASS_F, g->tclass);
	mad_set_field(rec, 0, IB_SA_MCM_PKEY_F, g->pkey);
	sf_set(rec, MCM_RATE_SEL, 2);
	mad_set_field(rec, 0, IB_SA_MCM_RATE_F, g->rate);
	sf_set(rec, MCM_LIFE_SEL, 2);
	sf_set(rec, MCM_LIFE, g->pkt_life);
	mad_set_field(rec, 0, IB_SA_MCM_SL_F, g->sl);
	/* 20 bits (read from a record): libibmad would not mask it */
	mad_set_field(rec, 0, IB_SA_MCM_FLOW_LABEL_F, g->flow_label);
	sf_set(rec, MCM_HOPLIMIT, g->hop_limit);
	sf_set(rec, MCM_SCOPE, g->scope);
	mad_set_field(rec, 0, IB_SA_MCM_JOIN_STATE_F, join);
}

/* Do the masked parameters of a join agree with the group's? */
static int mcm_params_ok(const uint8_t *q, uint64_t mask, const struct mc_group *g)
{
	if ((mask & M(MC_QKEY)) && mcm_get(q, IB_SA_MCM_QKEY_F) != g->qkey)
		return 0;
	if ((mask & M(MC_PKEY)) && (mcm_get(q, IB_SA_MCM_PKEY_F) & 0x7fff) != (g->pkey & 0x7fff))
		return 0;
	if ((mask & M(MC_TCLASS)) && mcm_get(q, IB_SA_MCM_TCLASS_F) != g->tclass)
		return 0;
	if ((mask & M(MC_SL)) && mcm_get(q, IB_SA_MCM_SL_F) != g->sl)
		return 0;
	if ((mask & M(MC_FLOW)) && mcm_get(q, IB_SA_MCM_FLOW_LABEL_F) != g->flow_label)
		return 0;
	if ((mask & M(MC_SCOPE)) && sf_get(q, MCM_SCOPE) != g->scope)
		return 0;
	if ((mask & M(MC_MTU)) &&
	    !sa_selector_ok(sa_sel(q, mask, MC_MTU_SEL, MCM_MTU_SEL), mcm_get(q, IB_SA_MCM_MTU_F), g->mtu))
		return 0;
	if ((mask & M(MC_RATE)) &&
	    !sa_selector_ok(sa_sel(q, mask, MC_RATE_SEL, MCM_RATE_SEL),
			    rate_rank(mcm_get(q, IB_SA_MCM_RATE_F)), rate_rank(g->rate)))
		return 0;
	if ((mask & M(MC_LIFE)) &&
	    !sa_selector_ok(sa_sel(q, mask, MC_LIFE_SEL, MCM_LIFE_SEL), sf_get(q, MCM_LIFE), g->pkt_life))
		return 0;
	return 1;
}

/* The MTU and rate a new group gets from the request (the fabric's when it
 * names none); 0 when the request's selectors rule out what the fabric has. */
static int mcm_create_mtu_rate(struct sa_ctx *c, const uint8_t *q, uint64_t mask, unsigned *mtu,
			       unsigned *rate)
{
	*mtu = c->new_group_mtu;
	*rate = c->new_group_rate;
	if (mask & M(MC_MTU))
		*mtu = sa_selector_pick(sa_sel(q, mask, MC_MTU_SEL, MCM_MTU_SEL),
					mcm_get(q, IB_SA_MCM_MTU_F), *mtu);
	if (mask & M(MC_RATE)) {
		unsigned sel = sa_sel(q, mask, MC_RATE_SEL, MCM_RATE_SEL);
		unsigned want = mcm_get(q, IB_SA_MCM_RATE_F);
		if (sel == 2)
			*rate = rate_rank(want) && rate_rank(want) <= rate_rank(*rate) ? want : 0;
		else if (!sa_selector_ok(sel, rate_rank(want), rate_rank(*rate)))
			*rate = 0;
	}
	return *mtu && *rate;
}

/* A new group's parameters, from the request that creates it. */
static void mcm_create_params(struct sa_ctx *c, const uint8_t *q, uint64_t mask, unsigned mtu,
			      unsigned rate, struct mc_group *g)
{
	g->mtu = (uint8_t)mtu;
	g->rate = (uint8_t)rate;
	g->qkey = mcm_get(q, IB_SA_MCM_QKEY_F);
	g->pkey = (uint16_t)mcm_get(q, IB_SA_MCM_PKEY_F);
	g->tclass = (uint8_t)mcm_get(q, IB_SA_MCM_TCLASS_F);
	g->sl = (uint8_t)mcm_get(q, IB_SA_MCM_SL_F);
	g->flow_label = mcm_get(q, IB_SA_MCM_FLOW_LABEL_F);
	g->hop_limit = (uint8_t)(mask & M(MC_HOPLIMIT) ? sf_get(q, MCM_HOPLIMIT) : 0);
	g->pkt_life = (uint8_t)c->pkt_life;
	/* The scope is also the low nibble of the MGID's second byte. */
	g->scope = (uint8_t)(mask & M(MC_SCOPE) ? sf_get(q, MCM_SCOPE) : (g->mgid[1] & 0xf));
}

/* Is port p a member (full or limited) of partition pkey? Only members
 * join its groups (IPoIB's limited members join its broadcast group). */
static int mcm_in_partition(const struct sa_ctx *c, const struct fab_port *p, uint16_t pkey)
{
	return pkey_port_key(c->prtn, c->sm_guid, p, pkey) != 0;
}

/* The requester (LID slid) is port p itself. */
static int mcm_requester_is(const struct sa_ctx *c, const struct fab_port *p, uint16_t slid)
{
	return slid && fab_port_by_lid(c->fab, slid) == p;
}

/* Join and leave name the group, the port and the join state: the port,
 * or NULL with the error answer made. */
static struct fab_port *mcm_port(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	const uint64_t need = M(MC_MGID) | M(MC_PORTGID) | M(MC_JOIN);
	unsigned st = SA_ST_INSUFFICIENT_COMPS;
	struct fab_port *p = NULL;

	if ((sa_req_mask(req) & need) == need)
		p = sa_gid_port(c, sa_req_rec(req), IB_SA_MCM_PORTGID_F, &st);
	if (!p)
		sa_reply(req, st, NULL, 0, r);
	return p;
}

/* The group a join names, made when it is new: NULL with *st set when the
 * join cannot have it. */
static struct mc_group *mcm_join_group(struct sa_ctx *c, const uint8_t *q, uint64_t mask,
				       const uint8_t mgid[16], unsigned join,
				       const struct fab_port *p, uint64_t creator, unsigned *st)
{
	struct mc_group *g = mc_find(c->mc, mgid);
	unsigned mtu, rate;
	char gs[48];

	*st = SA_ST_REQ_INVALID;
	if (g)
		return mcm_params_ok(q, mask, g) && mcm_in_partition(c, p, g->pkey) ? g : NULL;
	/* Only a full member (or a send-only full member) creates, and
	 * only with every parameter a group needs. */
	if ((mask & CREATE_MASK) != CREATE_MASK) {
		*st = SA_ST_INSUFFICIENT_COMPS;
		return NULL;
	}
	if (!(join & (MC_JOIN_FULL | MC_JOIN_SENDONLY_FULL)) ||
	    !mcm_in_partition(c, p, (uint16_t)mcm_get(q, IB_SA_MCM_PKEY_F)) ||
	    !mcm_create_mtu_rate(c, q, mask, &mtu, &rate))
		return NULL;
	/* every MLID taken, or the last ones kept for ports making few */
	g = mc_may_create(c->mc, creator) ? mc_create(c->mc, mgid, 0) : NULL;
	if (!g) {
		*st = SA_ST_NO_RESOURCES;
		return NULL;
	}
	mc_set_creator(c->mc, g, creator);
	mcm_create_params(c, q, mask, mtu, rate, g);
	/* A line for each of a port's first groups, then at every power of
	 * two: a port making thousands does not flood the log. */
	unsigned made = (unsigned)(uintptr_t)hmap_get(&c->mc->made, creator);
	if (made <= MC_LIGHT)
		log_info("multicast group %s created (MLID 0x%04x)", mc_gid_str(g->mgid, gs, sizeof(gs)),
			 g->mlid);
	else if (!(made & (made - 1)))
		log_info("multicast group %s created (MLID 0x%04x): port 0x%016llx has made %u groups "
			 "(logged at every power of two)", mc_gid_str(g->mgid, gs, sizeof(gs)), g->mlid,
			 (unsigned long long)creator, made);
	return g;
}

/* IBA o15-0.2.1 (as OpenSM): a membership the port made itself changes only
 * at the port's own request; one a proxy made, at anyone's. A new one may
 * be made by anyone (it is then a proxy's). */
static int mcm_may_change(const struct sa_ctx *c, const struct mc_group *g,
			  const struct fab_port *p, uint16_t slid)
{
	const struct mc_member *m = mc_member(g, p->guid);

	return !m || m->proxy || mcm_requester_is(c, p, slid);
}

static void mcm_join(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r)
{
	const uint8_t *q = sa_req_rec(req);
	uint64_t mask = sa_req_mask(req);
	unsigned join = mcm_get(q, IB_SA_MCM_JOIN_STATE_F), st;
	uint8_t rec[MCM_SIZE], mgid[16];
	char gs[48];

	struct fab_port *p = mcm_port(c, req, r);
	if (!p)
		return;
	mad_get_array(smp_ro(q), 0, IB_SA_MCM_MGID_F, mgid);
	if (!join || mgid[0] != 0xff || ((mask & M(MC_PROXY)) && mcm_get(q, IB_SA_MCM_PROXY_JOIN_F))) {
		sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		return;
	}
	/* counted against the asker (a proxy's joins are its own) */
	const struct fab_port *asker = slid ? fab_port_by_lid(c->fab, slid) : NULL;
	struct mc_group *g = mcm_join_group(c, q, mask, mgid, join, p,
					    asker ? asker->guid : p->guid, &st);
	if (!g) {
		sa_reply(req, st, NULL, 0, r);
		return;
	}
	if (!mcm_may_change(c, g, p, slid)) {
		sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		return;
	}
	int is_new = !mc_member(g, p->guid);
	uint8_t state = mc_join(c->mc, g, p->guid, (uint8_t)join);
	if (is_new && !mcm_requester_is(c, p, slid))
		mc_member(g, p->guid)->proxy = 1;
	log_debug("port 0x%016llx joined %s (state 0x%x)", (unsigned long long)p->guid,
		  mc_gid_str(g->mgid, gs, sizeof(gs)), state);
	mcm_fill(c, rec, g, p->guid, state);
	sa_reply(req, 0, rec, MCM_SIZE, r);
}

static void mcm_leave(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r)
{
	const uint8_t *q = sa_req_rec(req);
	unsigned join = mcm_get(q, IB_SA_MCM_JOIN_STATE_F);
	uint8_t rec[MCM_SIZE], mgid[16];
	int gone;

	struct fab_port *p = mcm_port(c, req, r);
	if (!p)
		return;
	mad_get_array(smp_ro(q), 0, IB_SA_MCM_MGID_F, mgid);
	struct mc_group *g = mc_find(c->mc, mgid);
	if (!g || !join || !mcm_may_change(c, g, p, slid)) {
		sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		return;
	}
	mcm_fill(c, rec, g, p->guid, (uint8_t)join);
	if (mc_leave(c->mc, g, p->guid, (uint8_t)join, &gone) < 0) {
		sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		return;
	}
	if (gone) {
		char gs[48];
		log_info("multicast group %s removed: no members left",
			 mc_gid_str(mgid, gs, sizeof(gs)));
	}
	sa_reply(req, 0, rec, MCM_SIZE, r);
}

/* One record a member of g (by GUID); a group without members shows
 * itself. mb has room for g's members. */
static void mcm_group_recs(const struct sa_ctx *c, const struct mc_group *g,
			   struct mc_member **mb, struct sa_recs *rs)
{
	unsigned n = mc_members(g, mb, g->nmembers);
	for (unsigned i = 0; i < (n ? n : 1); i++)
		mcm_fill(c, sa_recs_add(rs), g, n ? mb[i]->guid : 0, n ? mb[i]->join_state : 0);
}

static void mcm_query(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r)
{
	/* a port sees the groups of its partitions only (as in OpenSM) */
	const struct fab_port *asker = slid ? fab_port_by_lid(c->fab, slid) : NULL;
	const uint8_t *q = sa_req_rec(req);
	struct sa_recs rs = { .size = MCM_SIZE };
	uint8_t mgid[16];
	unsigned most = 0;

	/* A query by MGID needs the records of that group only (MGIDs are
	 * unique), not a record of every member of every group to filter. */
	int by_mgid = (sa_req_mask(req) & M(MC_MGID)) != 0;
	if (by_mgid)
		mad_get_array(smp_ro(q), 0, IB_SA_MCM_MGID_F, mgid);
	struct mc_group *first = by_mgid ? mc_find(c->mc, mgid) : c->mc->groups;
	for (struct mc_group *g = first; g; g = by_mgid ? NULL : g->next)
		if (g->nmembers > most)
			most = g->nmembers;
	/* One member buffer for every group: the largest group's size. */
	struct mc_member **mb = xcalloc((size_t)most + 1, sizeof(*mb));
	for (struct mc_group *g = first; g; g = by_mgid ? NULL : g->next)
		if (!asker || mcm_in_partition(c, asker, g->pkey))
			mcm_group_recs(c, g, mb, &rs);
	free(mb);
	sa_finish(req, &rs, mcm_comps, NCOMPS(mcm_comps), r);
}

void sa_mcmember(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r)
{
	unsigned st = sa_mask_check(sa_req_mask(req), mcm_comps, NCOMPS(mcm_comps));

	if (st) {
		sa_reply(req, st, NULL, 0, r);
		return;
	}
	switch (sa_req_method(req)) {
	case IB_MAD_METHOD_SET:
		mcm_join(c, req, slid, r);
		break;
	case IB_MAD_METHOD_DELETE:
		mcm_leave(c, req, slid, r);
		break;
	case IB_MAD_METHOD_GET:
	case IB_MAD_METHOD_GET_TABLE:
		mcm_query(c, req, slid, r);
		break;
	default:
		sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
	}
}

/* ---- IPoIB's broadcast group --------------------------------------------- */

void sa_fabric_mtu_rate(const struct fabric *f, unsigned *mtu, unsigned *rate)
{
	unsigned low_mtu = 0, low_rate = 0;

	for (struct fab_node *n = f ? f->nodes : NULL; n; n = n->next) {
		if (fab_is_switch(n))
			continue;
		for (unsigned i = 1; i <= n->nports; i++) {
			const struct fab_port *p = &n->ports[i];
			if (fab_port_state(p) != PORT_ACTIVE)  /* 0 when not read */
				continue;
			unsigned m = rate_port_mtu(p->info);
			if (m && (!low_mtu || m < low_mtu))
				low_mtu = m;
			low_rate = rate_min(low_rate, rate_fab_port(p));
		}
	}
	*mtu = low_mtu ? low_mtu : 4;
	*rate = low_rate ? low_rate : 3;
}

struct mc_group *sa_ensure_ipoib_group(struct mc_table *mc, const struct sa_group_params *p,
				       int *made)
{
	uint8_t mgid[16];
	uint16_t pkey = (uint16_t)(p->pkey | 0x8000);

	mc_ipoib_broadcast_mgid(mgid, pkey);
	mgid[1] = (uint8_t)(0x10 | (p->scope & 0xf));
	struct mc_group *g = mc_find(mc, mgid);
	*made = !g;
	if (!g) {
		int dflt = pkey == 0xffff && (p->scope & 0xf) == MC_SCOPE_LINK;
		g = mc_create(mc, mgid, dflt ? MC_MLID_FIRST : 0);
		if (!g)
			return NULL;  /* every MLID taken */
		g->permanent = 1;
	}
	g->qkey = p->qkey;
	g->pkey = pkey;
	g->mtu = p->mtu;
	g->rate = p->rate;
	g->sl = p->sl;
	g->tclass = p->tclass;
	g->flow_label = p->flow_label;
	g->pkt_life = (uint8_t)p->pkt_life;
	g->scope = (uint8_t)(p->scope & 0xf);
	/* beyond the link, routers may forward it (as OpenSM sets it) */
	g->hop_limit = g->scope == MC_SCOPE_LINK ? 0 : 0xff;
	return g;
}

struct mc_group *sa_ensure_broadcast(struct mc_table *mc, unsigned mtu, unsigned rate,
				     unsigned pkt_life)
{
	uint8_t mgid[16];
	struct mc_group *g = mc_ipoib_broadcast(mc);

	if (g)
		return g;
	mc_ipoib_broadcast_mgid(mgid, 0xffff);
	g = mc_create(mc, mgid, MC_MLID_FIRST);
	if (!g)
		return NULL;  /* every MLID taken */
	g->qkey = MC_IPOIB_QKEY;
	g->pkey = 0xffff;
	g->mtu = (uint8_t)mtu;
	g->rate = (uint8_t)rate;
	g->pkt_life = (uint8_t)pkt_life;
	g->scope = MC_SCOPE_LINK;
	g->permanent = 1;
	return g;
}
