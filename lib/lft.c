#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/mad.h>
#include "lft.h"
#include "log.h"
#include "xalloc.h"

void lft_memory_init(struct lft_memory *m)
{
	hmap_init(&m->by_guid);
	hmap_init(&m->order);
	m->order_key = 0;
	m->rewrite = 0;
}

static void lft_shadow_free(void *p)
{
	struct lft_shadow *s = p;
	if (!s)
		return;
	free(s->valid);
	free(s->data);
	free(s);
}

void lft_memory_clear(struct lft_memory *m)
{
	hmap_free_values(&m->by_guid, lft_shadow_free);
	hmap_free(&m->order);
	m->order_key = 0;
}

/* FNV-1a over the engine and the configured roots: an order made for other
 * roots is not kept. Never 0 (0: no order). */
static uint64_t lft_order_key(enum rt_engine engine, const uint64_t *roots, unsigned nroots)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (uint64_t)engine) * 0x100000001b3ULL;
	for (unsigned i = 0; i < nroots; i++)
		h = (h ^ roots[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

void lft_order_remember(struct lft_memory *m, const struct lft_plan *p)
{
	hmap_free(&m->order);
	m->order_key = p->order_key;
	for (unsigned s = 0; p->t.pos && s < p->g.nsw; s++)
		if (p->t.pos[s] != RT_NO_POS)
			hmap_put(&m->order, p->sw[s]->guid, (void *)(uintptr_t)(p->t.pos[s] + 1));
}

int lft_port_for(const struct lft_memory *m, uint64_t guid, uint16_t lid)
{
	const struct lft_shadow *s = hmap_get(&m->by_guid, guid);
	unsigned b = lid / LFT_BLOCK;

	if (!s || b >= s->nblocks || !s->valid[b] || lid > s->top)
		return -1;
	return s->data[lid];
}

struct lft_shadow *lft_shadow_get(struct lft_memory *m, uint64_t guid, uint16_t nblocks)
{
	struct lft_shadow *s = hmap_get(&m->by_guid, guid);

	if (s && s->nblocks >= nblocks)
		return s;
	/* Grow (more LIDs than before): keep what is known. */
	struct lft_shadow *n = xcalloc(1, sizeof(*n));
	n->nblocks = nblocks;
	n->valid = xcalloc(nblocks, 1);
	n->data = xcalloc(nblocks, LFT_BLOCK);
	hmap_put(&m->by_guid, guid, n);
	if (s) {
		n->top = s->top;
		memcpy(n->valid, s->valid, s->nblocks);
		memcpy(n->data, s->data, (size_t)s->nblocks * LFT_BLOCK);
		lft_shadow_free(s);
	}
	return n;
}

struct lft_shadow *lft_shadow_prepare(struct lft_memory *m, uint64_t guid, uint16_t top,
				      uint16_t cur_top, int known)
{
	unsigned last = top / LFT_BLOCK;
	struct lft_shadow *sh = lft_shadow_get(m, guid, (uint16_t)(last + 1));

	if (cur_top != sh->top || !known)
		memset(sh->valid, 0, sh->nblocks);
	if (sh->nblocks > last + 1)
		memset(sh->valid + last + 1, 0, sh->nblocks - last - 1);
	sh->top = top;
	return sh;
}

int lft_block_differs(const struct lft_shadow *sh, unsigned b, const uint8_t want[LFT_BLOCK])
{
	return b >= sh->nblocks || !sh->valid[b] ||
	       memcmp(sh->data + (size_t)b * LFT_BLOCK, want, LFT_BLOCK);
}

void lft_block_done(struct lft_memory *m, uint64_t guid, unsigned b,
		    const uint8_t data[LFT_BLOCK])
{
	struct lft_shadow *sh = hmap_get(&m->by_guid, guid);

	if (sh && b < sh->nblocks) {
		memcpy(sh->data + (size_t)b * LFT_BLOCK, data, LFT_BLOCK);
		sh->valid[b] = 1;
	}
}

void lft_block_forget(struct lft_memory *m, uint64_t guid, unsigned b)
{
	struct lft_shadow *sh = hmap_get(&m->by_guid, guid);

	if (sh && b < sh->nblocks)
		sh->valid[b] = 0;
}

void lft_top_forget(struct lft_memory *m, uint64_t guid)
{
	struct lft_shadow *sh = hmap_get(&m->by_guid, guid);

	if (sh)
		sh->top = 0xffff;  /* no top written: the next compare fails */
}

uint16_t lft_top(const struct fab_node *sw, uint16_t max_lid)
{
	unsigned cap = mad_get_field(smp_ro(sw->swinfo), 0, IB_SW_LINEAR_FDB_CAP_F);

	return cap && max_lid > cap - 1 ? (uint16_t)(cap - 1) : max_lid;
}

/* The hints from what was written: valid blocks as they are, the rest
 * unknown (RT_NO_PORT). */
static void lft_plan_hints(struct lft_plan *p, const struct lft_memory *keep)
{
	int same = keep->order_key == p->order_key;

	p->hint = xcalloc(p->g.nsw, sizeof(*p->hint));
	for (unsigned s = 0; s < p->g.nsw; s++) {
		const struct lft_shadow *sh = hmap_get(&keep->by_guid, p->sw[s]->guid);
		uintptr_t place = same ? (uintptr_t)hmap_get(&keep->order, p->sw[s]->guid) : 0;

		p->hint[s].pos = place ? (uint32_t)(place - 1) : RT_NO_POS;
		if (!sh || !sh->nblocks)
			continue;
		uint8_t *lft = xmalloc((size_t)sh->nblocks * LFT_BLOCK);
		for (unsigned b = 0; b < sh->nblocks; b++) {
			if (sh->valid[b])
				memcpy(lft + (size_t)b * LFT_BLOCK, sh->data + (size_t)b * LFT_BLOCK,
				       LFT_BLOCK);
			else
				memset(lft + (size_t)b * LFT_BLOCK, RT_NO_PORT, LFT_BLOCK);
		}
		p->hint[s].lft = lft;
		p->hint[s].n = (uint32_t)sh->nblocks * LFT_BLOCK;
	}
	p->g.hint = p->hint;
}

int lft_plan_build(struct lft_plan *p, struct fabric *f, enum rt_engine engine,
		   const uint64_t *roots, unsigned nroots, const struct lft_memory *keep)
{
	struct hmap idx;          /* node GUID -> switch index + 1 */
	unsigned nsw = 0, ndest = 0;

	memset(p, 0, sizeof(*p));
	hmap_init(&idx);
	p->order_key = lft_order_key(engine, roots, nroots);
	if (!f->nswitches)
		return 0;
	p->sw = xcalloc(f->nswitches, sizeof(*p->sw));
	for (struct fab_node *n = f->nodes; n; n = n->next) {
		/* A switch whose SwitchInfo did not come is still routed through
		 * (its links are known); it is only not programmed this time. */
		if (!fab_is_switch(n) || nsw == f->nswitches)
			continue;
		hmap_put(&idx, n->guid, (void *)(uintptr_t)(nsw + 1));
		p->sw[nsw++] = n;
		if (n->ports[0].lid)
			ndest++;
		for (unsigned i = 1; i <= n->nports; i++) {
			struct fab_port *r = n->ports[i].remote;
			if (r && !fab_is_switch(r->node) && r->lid)
				ndest++;
		}
	}
	rt_graph_init(&p->g, nsw, ndest);
	for (unsigned s = 0; s < nsw; s++)
		if (rt_switch_init(&p->g.sw[s], p->sw[s]->guid, p->sw[s]->nports) < 0)
			goto fail;  /* more ports than an LFT can name */
	unsigned d = 0;
	for (unsigned s = 0; s < nsw; s++) {
		struct fab_node *n = p->sw[s];
		if (n->ports[0].lid)
			p->g.dest[d++] = (struct rt_dest){ n->ports[0].lid, (int32_t)s, 0 };
		for (unsigned i = 1; i <= n->nports; i++) {
			struct fab_port *r = n->ports[i].remote;
			if (!r)
				continue;
			if (!fab_is_switch(r->node)) {
				if (r->lid)
					p->g.dest[d++] = (struct rt_dest){ r->lid, (int32_t)s, (uint8_t)i };
				continue;
			}
			uintptr_t ri = (uintptr_t)hmap_get(&idx, r->node->guid);
			/* Each link once: from the lower index (or lower port on a loop). */
			if (ri && ((unsigned)ri - 1 > s || ((unsigned)ri - 1 == s && r->num > i)))
				rt_link(&p->g, (int32_t)s, (uint8_t)i, (int32_t)ri - 1, r->num);
		}
	}
	p->g.ndest = d;
	for (unsigned i = 0; i < d; i++)
		if (p->g.dest[i].lid > p->g.max_lid)
			p->g.max_lid = p->g.dest[i].lid;
	/* A configured root that is gone (unplugged, failed) must not stop all
	 * routing: route with the others, or with automatic roots. */
	uint64_t *present = nroots ? xcalloc(nroots, sizeof(*present)) : NULL;
	unsigned npresent = 0;
	for (unsigned i = 0; i < nroots; i++)
		if (hmap_get(&idx, roots[i]))
			present[npresent++] = roots[i];
	hmap_free(&idx);
	rt_tables_init(&p->t, nsw, p->g.max_lid);
	if (nroots && npresent < nroots)
		log_warnx("routing: %u of %u configured roots are not in the fabric; %s",
			  nroots - npresent, nroots,
			  npresent ? "using the others" : "choosing roots automatically");
	if (keep)
		lft_plan_hints(p, keep);
	int rc = route_compute(&p->g, engine, present, npresent, &p->t, &p->used);
	free(present);
	if (rc < 0)
		goto fail_noidx;
	return 0;
fail:
	hmap_free(&idx);
fail_noidx:
	lft_plan_free(p);
	return -1;
}

void lft_block(const struct lft_plan *p, unsigned s, uint16_t top, unsigned b,
	       uint8_t out[LFT_BLOCK])
{
	for (unsigned i = 0; i < LFT_BLOCK; i++) {
		unsigned lid = b * LFT_BLOCK + i;
		out[i] = lid <= top ? p->t.lft[s][lid] : RT_NO_PORT;
	}
}

void lft_plan_drop_hints(struct lft_plan *p)
{
	for (unsigned s = 0; p->hint && s < p->g.nsw; s++)
		free((void *)p->hint[s].lft);
	free(p->hint);
	p->hint = NULL;
	p->g.hint = NULL;
}

void lft_plan_free(struct lft_plan *p)
{
	lft_plan_drop_hints(p);
	rt_tables_free(&p->t);
	rt_graph_free(&p->g);
	free(p->sw);
	memset(p, 0, sizeof(*p));
}
