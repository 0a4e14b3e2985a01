#include <stdlib.h>
#include <string.h>
#include "mft.h"
#include "xalloc.h"

void mft_memory_init(struct mft_memory *m)
{
	hmap_init(&m->by_guid);
	hmap_init(&m->tops);
	hmap_init(&m->small);
}

static void shadow_free(void *p)
{
	struct mft_shadow *s = p;
	if (!s)
		return;
	free(s->mask);
	free(s->known);
	free(s);
}

void mft_memory_clear(struct mft_memory *m)
{
	hmap_free_values(&m->by_guid, shadow_free);
	hmap_free(&m->tops);
	hmap_free(&m->small);
}

uint16_t mft_top(unsigned nblocks)
{
	return (uint16_t)(MC_MLID_FIRST + nblocks * MFT_BLOCK - 1);
}

uint16_t mft_top_written(const struct mft_memory *m, uint64_t guid)
{
	return (uint16_t)(uintptr_t)hmap_get(&m->tops, guid);
}

void mft_top_done(struct mft_memory *m, uint64_t guid, uint16_t top)
{
	hmap_put(&m->tops, guid, (void *)(uintptr_t)top);
}

/* ---- the plan ------------------------------------------------------------ */

/* Switch neighbours over links that are up. */
static struct fab_port *sw_link(struct fab_node *n, unsigned i)
{
	struct fab_port *p = &n->ports[i];
	if (!p->remote || !fab_port_linked(p) || !fab_is_switch(p->remote->node))
		return NULL;
	return p->remote;
}

/* The root: the switch with the most switch links (a spine in a fat-tree),
 * the lowest GUID on a tie; every group's tree hangs off it. */
static struct fab_node *pick_root(struct fab_node **sw, unsigned nsw)
{
	struct fab_node *best = NULL;
	unsigned best_deg = 0;
	for (unsigned i = 0; i < nsw; i++) {
		unsigned deg = 0;
		for (unsigned p = 1; p <= sw[i]->nports; p++)
			deg += sw_link(sw[i], p) != NULL;
		if (!best || deg > best_deg || (deg == best_deg && sw[i]->guid < best->guid)) {
			best = sw[i];
			best_deg = deg;
		}
	}
	return best;
}

static void set_bit(struct mft_masks *m, unsigned idx, unsigned port)
{
	m->mask[idx * m->npos + port / MFT_POS_PORTS] |= (uint16_t)(1u << (port % MFT_POS_PORTS));
}

static void clr_bit(struct mft_masks *m, unsigned idx, unsigned port)
{
	m->mask[idx * m->npos + port / MFT_POS_PORTS] &= (uint16_t)~(1u << (port % MFT_POS_PORTS));
}

/* Room for MLID rows up to nmlid in every switch's masks. */
static void plan_rows(struct mft_plan *p, unsigned nmlid)
{
	if (nmlid <= p->rows)
		return;
	unsigned rows = p->rows ? p->rows : 64;
	while (rows < nmlid)
		rows *= 2;
	for (unsigned i = 0; i < p->nsw; i++) {
		size_t npos = p->want[i].npos;
		p->want[i].mask = xreallocarray(p->want[i].mask, rows * npos, sizeof(uint16_t));
		memset(p->want[i].mask + (size_t)p->rows * npos, 0,
		       (rows - p->rows) * npos * sizeof(uint16_t));
	}
	p->rows = rows;
}

/* One group's tree into row mi of the masks (cleared by the caller). */
static void plan_group(struct mft_plan *p, const struct fabric *f, const struct mc_group *g)
{
	unsigned n = p->nsw, mi = g->mlid - MC_MLID_FIRST;
	if (!p->root)
		return;
	unsigned r = (unsigned)(uintptr_t)hmap_get(&p->idx, p->root->guid) - 1;
	memset(p->in_tree, 0, n);
	memset(p->is_member, 0, n);
	memset(p->children, 0, n * sizeof(unsigned));
	/* Edge ports of the members; every member's switch joins the tree,
	 * receivers (full and non-members) also get their port's bit. */
	size_t it = 0;
	uint64_t guid;
	void *mv;
	while (hmap_next(&g->members, &it, &guid, &mv)) {
		const struct mc_member *m = mv;
		struct fab_port *cp = fab_port_by_guid(f, m->guid);
		if (!cp || !cp->remote || !fab_is_switch(cp->remote->node))
			continue;
		unsigned s = (unsigned)(uintptr_t)hmap_get(&p->idx, cp->remote->node->guid) - 1;
		if (s >= n || p->parent[s] == -2)
			continue;  /* cut off from the root: not reachable */
		if (m->join_state & (MC_JOIN_FULL | MC_JOIN_NON))
			set_bit(&p->want[s], mi, cp->remote->num);
		p->is_member[s] = 1;
		/* Up to the root (or to a switch already in the tree). */
		for (unsigned x = s; !p->in_tree[x]; x = (unsigned)p->parent[x]) {
			p->in_tree[x] = 1;
			if (p->parent[x] < 0)
				break;
			p->children[p->parent[x]]++;
			p->child[p->parent[x]] = x;
			set_bit(&p->want[x], mi, p->up_port[x]);
			set_bit(&p->want[p->parent[x]], mi, p->down_port[x]);
		}
	}
	/* The root's chain down to where the members' branches meet
	 * carries nothing anyone needs: cut it off. */
	unsigned top = r;
	while (p->in_tree[top] && !p->is_member[top] && p->children[top] == 1) {
		unsigned c = p->child[top];
		clr_bit(&p->want[top], mi, p->down_port[c]);
		clr_bit(&p->want[c], mi, p->up_port[c]);
		p->in_tree[top] = 0;
		top = c;
	}
}

void mft_plan_build(struct mft_plan *p, const struct fabric *f, const struct mc_table *mc)
{
	memset(p, 0, sizeof(*p));
	hmap_init(&p->idx);
	p->nsw = f->nswitches;
	if (!p->nsw)
		return;
	p->sw = xcalloc(p->nsw, sizeof(*p->sw));
	p->want = xcalloc(p->nsw, sizeof(*p->want));
	unsigned n = 0;
	for (struct fab_node *nd = f->nodes; nd; nd = nd->next)
		if (fab_is_switch(nd) && n < p->nsw) {
			p->sw[n] = nd;
			hmap_put(&p->idx, nd->guid, (void *)(uintptr_t)(n + 1));
			n++;
		}
	p->nsw = n;
	p->parent = xcalloc(n, sizeof(int));
	p->up_port = xcalloc(n, 1);
	p->down_port = xcalloc(n, 1);
	p->in_tree = xcalloc(n, 1);
	p->is_member = xcalloc(n, 1);
	p->children = xcalloc(n, sizeof(unsigned));
	p->child = xcalloc(n, sizeof(unsigned));
	unsigned *queue = xcalloc(n, sizeof(unsigned));
	for (unsigned i = 0; i < n; i++) {
		p->want[i].npos = (uint8_t)mft_npos(p->sw[i]->nports);
		p->parent[i] = -2;  /* unreached */
	}
	p->nmlid = (uint16_t)mc_mlid_end(mc);
	plan_rows(p, p->nmlid ? p->nmlid : 1);

	/* One BFS tree from the root over the switches. */
	p->root = pick_root(p->sw, n);
	unsigned r = (unsigned)(uintptr_t)hmap_get(&p->idx, p->root->guid) - 1, qh = 0, qt = 0;
	p->parent[r] = -1;
	queue[qt++] = r;
	while (qh < qt) {
		unsigned i = queue[qh++];
		for (unsigned port = 1; port <= p->sw[i]->nports; port++) {
			struct fab_port *rp = sw_link(p->sw[i], port);
			if (!rp)
				continue;
			unsigned j = (unsigned)(uintptr_t)hmap_get(&p->idx, rp->node->guid) - 1;
			if (j >= n || p->parent[j] != -2)
				continue;
			p->parent[j] = (int)i;
			p->up_port[j] = rp->num;
			p->down_port[j] = (uint8_t)port;
			queue[qt++] = j;
		}
	}
	free(queue);
	for (const struct mc_group *g = mc->groups; g; g = g->next)
		plan_group(p, f, g);
}

void mft_plan_update(struct mft_plan *p, const struct fabric *f, const struct mc_table *mc)
{
	memset(p->dirty, 0, sizeof(p->dirty));
	if (!p->nsw)
		return;
	p->nmlid = (uint16_t)mc_mlid_end(mc);
	plan_rows(p, p->nmlid);
	for (unsigned w = 0; w < MC_WORDS; w++) {
		for (uint64_t bits = mc->dirty[w]; bits; bits &= bits - 1) {
			unsigned mi = w * 64 + (unsigned)__builtin_ctzll(bits);
			if (mi < p->rows)
				for (unsigned i = 0; i < p->nsw; i++)
					memset(p->want[i].mask + (size_t)mi * p->want[i].npos, 0,
					       p->want[i].npos * sizeof(uint16_t));
			const struct mc_group *g = mc_find_mlid(mc, (uint16_t)(MC_MLID_FIRST + mi));
			if (g)
				plan_group(p, f, g);
			p->dirty[mi / MFT_BLOCK / 64] |= 1ull << (mi / MFT_BLOCK % 64);
		}
	}
}

void mft_plan_free(struct mft_plan *p)
{
	for (unsigned i = 0; p->want && i < p->nsw; i++)
		free(p->want[i].mask);
	free(p->want);
	free(p->sw);
	hmap_free(&p->idx);
	free(p->parent);
	free(p->up_port);
	free(p->down_port);
	free(p->in_tree);
	free(p->is_member);
	free(p->children);
	free(p->child);
	memset(p, 0, sizeof(*p));
}

/* ---- blocks -------------------------------------------------------------- */

void mft_block(const struct mft_plan *p, unsigned i, unsigned block, unsigned pos,
	       uint16_t out[MFT_BLOCK])
{
	const struct mft_masks *w = &p->want[i];
	for (unsigned e = 0; e < MFT_BLOCK; e++) {
		unsigned mi = block * MFT_BLOCK + e;
		out[e] = mi < p->nmlid && pos < w->npos ? w->mask[mi * w->npos + pos] : 0;
	}
}

unsigned mft_nblocks(const struct mft_memory *m, const struct mft_plan *p, unsigned i)
{
	const struct mft_shadow *s = hmap_get(&m->by_guid, p->sw[i]->guid);
	unsigned want = (p->nmlid + MFT_BLOCK - 1) / MFT_BLOCK;
	if (!s) {
		/* Nothing known of this switch (a new master): write at least the
		 * first block, over whatever an earlier master left there. */
		return want ? want : 1;
	}
	return s->nblocks > want ? s->nblocks : want;
}

int mft_block_due(const struct mft_memory *m, const struct mft_plan *p, unsigned i,
		  unsigned block, unsigned pos)
{
	uint16_t want[MFT_BLOCK];

	mft_block(p, i, block, pos, want);
	return mft_block_differs(m, p->sw[i]->guid, block, pos, want);
}

int mft_block_differs(const struct mft_memory *m, uint64_t guid, unsigned block, unsigned pos,
		      const uint16_t want[MFT_BLOCK])
{
	const struct mft_shadow *s = hmap_get(&m->by_guid, guid);

	if (!s || block >= s->nblocks || pos >= s->npos || !s->known[block * s->npos + pos])
		return 1;
	for (unsigned e = 0; e < MFT_BLOCK; e++)
		if (s->mask[((size_t)block * MFT_BLOCK + e) * s->npos + pos] != want[e])
			return 1;
	return 0;
}

static struct mft_shadow *shadow_get(struct mft_memory *m, uint64_t guid, unsigned npos,
				     unsigned nblocks)
{
	struct mft_shadow *s = hmap_get(&m->by_guid, guid);
	if (s && s->nblocks >= nblocks)
		return s;
	struct mft_shadow *n = xcalloc(1, sizeof(*n));
	n->nblocks = (uint16_t)nblocks;
	n->npos = (uint8_t)npos;
	n->mask = xcalloc((size_t)nblocks * MFT_BLOCK * npos, sizeof(uint16_t));
	n->known = xcalloc((size_t)nblocks * npos, 1);
	hmap_put(&m->by_guid, guid, n);
	if (s) {
		memcpy(n->mask, s->mask, (size_t)s->nblocks * MFT_BLOCK * npos * sizeof(uint16_t));
		memcpy(n->known, s->known, (size_t)s->nblocks * npos);
		shadow_free(s);
	}
	return n;
}

void mft_block_done(struct mft_memory *m, uint64_t guid, unsigned nports, unsigned block,
		    unsigned pos, const uint16_t masks[MFT_BLOCK])
{
	unsigned npos = mft_npos(nports);
	struct mft_shadow *s = shadow_get(m, guid, npos, block + 1);
	if (pos >= npos)
		return;
	for (unsigned e = 0; e < MFT_BLOCK; e++)
		s->mask[((size_t)block * MFT_BLOCK + e) * npos + pos] = masks[e];
	s->known[block * npos + pos] = 1;
}

void mft_block_forget(struct mft_memory *m, uint64_t guid, unsigned block, unsigned pos)
{
	struct mft_shadow *s = hmap_get(&m->by_guid, guid);
	if (s && block < s->nblocks && pos < s->npos)
		s->known[block * s->npos + pos] = 0;
}
