/* sa_pkey: P_KeyTableRecord (IBA 15.2.5.11), Get and GetTable: the P_Key
 * tables as smd wrote (or read) them, one record a 32-entry block of each
 * CA port, switch port 0 and switch port facing a CA. */
#include <string.h>
#include <infiniband/mad.h>
#include "sa_int.h"

#define PKTR_SIZE 72

static const struct sa_comp pktr_comps[] = {
	{ 0, 16, CMP_EQ },            /* LID */
	{ 16, 16, CMP_EQ },           /* BlockNum */
	{ 32, 8, CMP_EQ },            /* PortNum */
	{ 40, 24, CMP_IGNORE },       /* reserved */
	{ 64, 512, 0 },               /* P_KeyTable: not matched on */
};

static void pktr_add(struct sa_recs *rs, uint16_t lid, unsigned port, const struct pkey_shadow *sh)
{
	for (unsigned b = 0; sh && b < sh->n / PKEY_BLOCK; b++) {
		uint8_t *rec = sa_recs_add(rs);
		sf_set(rec, SF(0, 0, 16), lid);
		sf_set(rec, SF(2, 0, 16), b);
		sf_set(rec, SF(4, 0, 8), port);
		for (unsigned i = 0; i < PKEY_BLOCK; i++) {
			uint16_t k = sh->keys[b * PKEY_BLOCK + i];
			rec[8 + 2 * i] = (uint8_t)(k >> 8);
			rec[9 + 2 * i] = (uint8_t)k;
		}
	}
}

static void pktr_node(const struct sa_ctx *c, const struct fab_node *n, struct sa_recs *rs)
{
	if (fab_is_switch(n)) {
		const struct fab_port *p0 = &n->ports[0];
		if (!p0->lid)
			return;
		pktr_add(rs, p0->lid, 0, pkey_shadow_get(c->pkeys, p0->guid, 0, 0));
		for (unsigned i = 1; i <= n->nports; i++)
			pktr_add(rs, p0->lid, i, pkey_shadow_get(c->pkeys, n->guid, i, 1));
		return;
	}
	for (unsigned i = 1; i <= n->nports; i++) {
		const struct fab_port *p = &n->ports[i];
		if (p->lid && p->guid)
			pktr_add(rs, p->lid, i, pkey_shadow_get(c->pkeys, p->guid, 0, 0));
	}
}

void sa_pkey_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	unsigned m = sa_req_method(req), st;
	uint64_t mask = sa_req_mask(req);
	struct sa_recs rs = { .size = PKTR_SIZE };

	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_GET_TABLE)
		st = MAD_ST_METHOD_ATTR_UNSUP;
	else
		st = sa_mask_check(mask, pktr_comps, NCOMPS(pktr_comps));
	if (st) {
		sa_reply(req, st, NULL, 0, r);
		return;
	}
	if (c->pkeys) {
		/* by LID: that node's records only */
		const struct fab_port *only = NULL;
		if (mask & 1) {
			only = fab_port_by_lid(c->fab, (uint16_t)sf_get(sa_req_rec(req), SF(0, 0, 16)));
			if (!only) {
				sa_finish(req, &rs, pktr_comps, NCOMPS(pktr_comps), r);
				return;
			}
		}
		for (const struct fab_node *n = only ? only->node : c->fab->nodes; n;
		     n = only ? NULL : n->next)
			pktr_node(c, n, &rs);
	}
	sa_finish(req, &rs, pktr_comps, NCOMPS(pktr_comps), r);
}
