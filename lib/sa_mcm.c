/* sa_mcm: MCMemberRecord (IBA 15.2.5.17): join (SubnAdmSet), leave
 * (SubnAdmDelete), Get and GetTable over the multicast groups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "log.h"
#include "rate.h"
#include "sa_int.h"
#include "smp.h"

#define MCM_SIZE 56               /* 52 bytes, padded to 8 */

/* Record layout */
#define MCM_MGID 0
#define MCM_PORTGID 16
#define MCM_QKEY SF(32, 0, 32)
#define MCM_MLID SF(36, 0, 16)
#define MCM_MTU_SEL SF(38, 0, 2)
#define MCM_MTU SF(38, 2, 6)
#define MCM_TCLASS SF(39, 0, 8)
#define MCM_PKEY SF(40, 0, 16)
#define MCM_RATE_SEL SF(42, 0, 2)
#define MCM_RATE SF(42, 2, 6)
#define MCM_LIFE_SEL SF(43, 0, 2)
#define MCM_LIFE SF(43, 2, 6)
#define MCM_SL SF(44, 0, 4)
#define MCM_FLOW SF(44, 4, 20)
#define MCM_HOPLIMIT SF(47, 0, 8)
#define MCM_SCOPE SF(48, 0, 4)
#define MCM_JOIN SF(48, 4, 4)
#define MCM_PROXY SF(49, 0, 1)

enum { MC_MGID, MC_PORTGID, MC_QKEY, MC_MLID, MC_MTU_SEL, MC_MTU, MC_TCLASS, MC_PKEY,
       MC_RATE_SEL, MC_RATE, MC_LIFE_SEL, MC_LIFE, MC_SL, MC_FLOW, MC_HOPLIMIT, MC_SCOPE,
       MC_JOIN, MC_PROXY };
#define M(b) (1ull << (b))

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
#define NCOMPS (unsigned)(sizeof(mcm_comps) / sizeof(mcm_comps[0]))

/* What creating a group needs (as OpenSM asks): the rest has defaults. */
#define CREATE_MASK (M(MC_MGID) | M(MC_PORTGID) | M(MC_JOIN) | M(MC_QKEY) | M(MC_TCLASS) | \
		     M(MC_PKEY) | M(MC_FLOW) | M(MC_SL))

static void mcm_fill(const struct sa_ctx *c, uint8_t *rec, const struct mc_group *g,
		     uint64_t guid, uint8_t join)
{
	memset(rec, 0, MCM_SIZE);
	memcpy(rec + MCM_MGID, g->mgid, 16);
	if (guid)
		sa_gid(rec + MCM_PORTGID, c->prefix, guid);
	sf_set(rec, MCM_QKEY, g->qkey);
	sf_set(rec, MCM_MLID, g->mlid);
	sf_set(rec, MCM_MTU_SEL, 2);
	sf_set(rec, MCM_MTU, g->mtu);
	sf_set(rec, MCM_TCLASS, g->tclass);
	sf_set(rec, MCM_PKEY, g->pkey);
	sf_set(rec, MCM_RATE_SEL, 2);
	sf_set(rec, MCM_RATE, g->rate);
	sf_set(rec, MCM_LIFE_SEL, 2);
	sf_set(rec, MCM_LIFE, g->pkt_life);
	sf_set(rec, MCM_SL, g->sl);
	sf_set(rec, MCM_FLOW, g->flow_label);
	sf_set(rec, MCM_HOPLIMIT, g->hop_limit);
	sf_set(rec, MCM_SCOPE, g->scope);
	sf_set(rec, MCM_JOIN, join);
}

/* Do the masked parameters of a join agree with the group's? */
static int mcm_params_ok(const uint8_t *q, uint64_t mask, const struct mc_group *g)
{
	if ((mask & M(MC_QKEY)) && sf_get(q, MCM_QKEY) != g->qkey)
		return 0;
	if ((mask & M(MC_PKEY)) && (sf_get(q, MCM_PKEY) & 0x7fff) != (g->pkey & 0x7fff))
		return 0;
	if ((mask & M(MC_TCLASS)) && sf_get(q, MCM_TCLASS) != g->tclass)
		return 0;
	if ((mask & M(MC_SL)) && sf_get(q, MCM_SL) != g->sl)
		return 0;
	if ((mask & M(MC_FLOW)) && sf_get(q, MCM_FLOW) != g->flow_label)
		return 0;
	if ((mask & M(MC_SCOPE)) && sf_get(q, MCM_SCOPE) != g->scope)
		return 0;
	if ((mask & M(MC_MTU)) &&
	    !sa_selector_ok(mask & M(MC_MTU_SEL) ? sf_get(q, MCM_MTU_SEL) : 2, sf_get(q, MCM_MTU), g->mtu))
		return 0;
	if ((mask & M(MC_RATE)) &&
	    !sa_selector_ok(mask & M(MC_RATE_SEL) ? sf_get(q, MCM_RATE_SEL) : 2,
			    rate_tenths(sf_get(q, MCM_RATE)), rate_tenths(g->rate)))
		return 0;
	if ((mask & M(MC_LIFE)) &&
	    !sa_selector_ok(mask & M(MC_LIFE_SEL) ? sf_get(q, MCM_LIFE_SEL) : 2, sf_get(q, MCM_LIFE),
			    g->pkt_life))
		return 0;
	return 1;
}

/* A value a selector accepts, starting from what the fabric offers. */
static unsigned mcm_pick(unsigned sel, unsigned want, unsigned offer, unsigned lowest)
{
	switch (sel) {
	case 0: return offer > want ? offer : 0;
	case 1: return want > lowest ? (offer < want ? offer : want - 1) : 0;
	case 2: return want <= offer ? want : 0;
	default: return offer;
	}
}

/* The MTU and rate a new group gets from the request (the fabric's when it
 * names none); 0 when the request's selectors rule out what the fabric has. */
static int mcm_create_mtu_rate(struct sa_ctx *c, const uint8_t *q, uint64_t mask, unsigned *mtu,
			       unsigned *rate)
{
	*mtu = c->new_group_mtu;
	*rate = c->new_group_rate;
	if (mask & M(MC_MTU))
		*mtu = mcm_pick(mask & M(MC_MTU_SEL) ? sf_get(q, MCM_MTU_SEL) : 2, sf_get(q, MCM_MTU),
				*mtu, 1);
	if (mask & M(MC_RATE)) {
		unsigned sel = mask & M(MC_RATE_SEL) ? sf_get(q, MCM_RATE_SEL) : 2;
		unsigned want = sf_get(q, MCM_RATE);
		if (sel == 2)
			*rate = rate_tenths(want) && rate_tenths(want) <= rate_tenths(*rate) ? want : 0;
		else if (!sa_selector_ok(sel, rate_tenths(want), rate_tenths(*rate)))
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
	g->qkey = sf_get(q, MCM_QKEY);
	g->pkey = (uint16_t)sf_get(q, MCM_PKEY);
	g->tclass = (uint8_t)sf_get(q, MCM_TCLASS);
	g->sl = (uint8_t)sf_get(q, MCM_SL);
	g->flow_label = sf_get(q, MCM_FLOW);
	g->hop_limit = (uint8_t)(mask & M(MC_HOPLIMIT) ? sf_get(q, MCM_HOPLIMIT) : 0);
	g->pkt_life = (uint8_t)c->pkt_life;
	/* The scope is also the low nibble of the MGID's second byte. */
	g->scope = (uint8_t)(mask & M(MC_SCOPE) ? sf_get(q, MCM_SCOPE) : (g->mgid[1] & 0xf));
}

static char *gid_str(const uint8_t *g, char *buf, size_t len)
{
	snprintf(buf, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
	return buf;
}

/* Join and leave name the group, the port and the join state: the port,
 * or NULL with the error answer made (*answered). */
static struct fab_port *mcm_port(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r,
				 int *answered)
{
	const uint64_t need = M(MC_MGID) | M(MC_PORTGID) | M(MC_JOIN);
	unsigned st = 0;

	if ((sa_req_mask(req) & need) != need) {
		*answered = sa_reply(req, SA_ST_INSUFFICIENT_COMPS, NULL, 0, r);
		return NULL;
	}
	struct fab_port *p = sa_gid_port(c, sa_req_rec(req) + MCM_PORTGID, &st);
	if (!p)
		*answered = sa_reply(req, st, NULL, 0, r);
	return p;
}

static int mcm_join(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	const uint8_t *q = sa_req_rec(req);
	uint64_t mask = sa_req_mask(req);
	unsigned join = sf_get(q, MCM_JOIN);
	uint8_t rec[MCM_SIZE];
	char gs[48];
	int answered;

	struct fab_port *p = mcm_port(c, req, r, &answered);
	if (!p)
		return answered;
	if (!join || q[MCM_MGID] != 0xff || ((mask & M(MC_PROXY)) && sf_get(q, MCM_PROXY)))
		return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
	struct mc_group *g = mc_find(c->mc, q + MCM_MGID);
	if (g) {
		if (!mcm_params_ok(q, mask, g))
			return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
	} else {
		/* Only a full member (or a send-only full member) creates, and
		 * only with every parameter a group needs. */
		if ((mask & CREATE_MASK) != CREATE_MASK)
			return sa_reply(req, SA_ST_INSUFFICIENT_COMPS, NULL, 0, r);
		if (!(join & (MC_JOIN_FULL | MC_JOIN_SENDONLY_FULL)) ||
		    (sf_get(q, MCM_PKEY) & 0x7fff) != 0x7fff)
			return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		unsigned mtu, rate;
		if (!mcm_create_mtu_rate(c, q, mask, &mtu, &rate))
			return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
		g = mc_create(c->mc, q + MCM_MGID, 0);
		if (!g)
			return sa_reply(req, SA_ST_NO_RESOURCES, NULL, 0, r);
		mcm_create_params(c, q, mask, mtu, rate, g);
		log_info("multicast group %s created (MLID 0x%04x)", gid_str(g->mgid, gs, sizeof(gs)),
			 g->mlid);
	}
	uint8_t state = mc_join(c->mc, g, p->guid, (uint8_t)join);
	if (!state)
		return sa_reply(req, SA_ST_NO_RESOURCES, NULL, 0, r);
	log_debug("port 0x%016llx joined %s (state 0x%x)", (unsigned long long)p->guid,
		  gid_str(g->mgid, gs, sizeof(gs)), state);
	mcm_fill(c, rec, g, p->guid, state);
	return sa_reply(req, 0, rec, MCM_SIZE, r);
}

static int mcm_leave(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	const uint8_t *q = sa_req_rec(req);
	unsigned join = sf_get(q, MCM_JOIN);
	uint8_t rec[MCM_SIZE];
	int gone, answered;

	struct fab_port *p = mcm_port(c, req, r, &answered);
	if (!p)
		return answered;
	struct mc_group *g = mc_find(c->mc, q + MCM_MGID);
	if (!g || !join)
		return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
	mcm_fill(c, rec, g, p->guid, (uint8_t)join);
	if (mc_leave(c->mc, g, p->guid, (uint8_t)join, &gone) < 0)
		return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);
	if (gone) {
		char gs[48];
		log_info("multicast group %s removed: no members left",
			 gid_str(rec + MCM_MGID, gs, sizeof(gs)));
	}
	return sa_reply(req, 0, rec, MCM_SIZE, r);
}

static int mcm_query(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	uint64_t mask = sa_req_mask(req);
	struct sa_recs rs = { .size = MCM_SIZE };

	for (struct mc_group *g = c->mc->groups; g; g = g->next) {
		/* One record a member; a group without members shows itself. */
		struct mc_member **mb = calloc(g->nmembers + 1, sizeof(*mb));
		unsigned n = mb ? mc_members(g, mb, g->nmembers) : 0;
		int failed = !mb;
		for (unsigned i = 0; !failed && i < (n ? n : 1); i++) {
			uint8_t *rec = sa_recs_add(&rs);
			if (!rec)
				failed = 1;
			else
				mcm_fill(c, rec, g, n ? mb[i]->guid : 0, n ? mb[i]->join_state : 0);
		}
		free(mb);
		if (failed) {
			sa_recs_free(&rs);
			return sa_reply(req, SA_ST_NO_RESOURCES, NULL, 0, r);
		}
	}
	sa_recs_filter(&rs, sa_req_rec(req), mask, mcm_comps, NCOMPS);
	int ok = sa_reply_recs(c, req, &rs, r);
	sa_recs_free(&rs);
	return ok;
}

int sa_mcmember(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	unsigned st;

	if ((st = sa_mask_check(sa_req_mask(req), mcm_comps, NCOMPS)))
		return sa_reply(req, st, NULL, 0, r);
	switch (sa_req_method(req)) {
	case IB_MAD_METHOD_SET:
		return mcm_join(c, req, r);
	case IB_MAD_METHOD_DELETE:
		return mcm_leave(c, req, r);
	case IB_MAD_METHOD_GET:
	case IB_MAD_METHOD_GET_TABLE:
		return mcm_query(c, req, r);
	}
	return sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
}
