/* route: the engines that fill the tables of the routing graph (rtgraph.h):
 * minhop here, up/down in route_updn.c; the credit-loop check, and auto's
 * choice between the two.
 *
 * Per destination switch d there is one BFS (minhop) or one BFS plus one
 * linear pass (updn) giving the candidate output ports of every switch.
 * Cost: O(#dest switches * (nsw + links) + #LIDs * (nsw + candidate ports)),
 * memory O(nsw + links + #LIDs) besides the tables themselves. */
#include "route.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

const char *rt_engine_name(enum rt_engine e)
{
	switch (e) {
	case RT_AUTO:
		return "auto";
	case RT_MINHOP:
		return "minhop";
	case RT_UPDN:
		return "updn";
	}
	return "?";
}

int rt_engine_parse(const char *s, enum rt_engine *out)
{
	static const enum rt_engine all[] = { RT_AUTO, RT_MINHOP, RT_UPDN };

	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, rt_engine_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

/* ---- minhop ---- */

static void minhop_cands(struct rt_ctx *c, int32_t d, void *arg)
{
	uint32_t k = 0;

	(void)arg;
	rt_bfs(c, &d, 1, c->dist, NULL);
	for (unsigned s = 0; s < c->n; s++) {
		c->coff[s] = k;
		if (c->dist[s] <= 0)
			continue;
		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++)
			if (c->dist[c->ato[e]] == c->dist[s] - 1)
				c->cport[k++] = c->aport[e];
	}
	c->coff[c->n] = k;
}

int route_minhop(const struct rt_graph *g, struct rt_tables *out)
{
	struct rt_ctx c;

	if (rt_ctx_init(&c, g, out) < 0)
		return -1;
	rt_route_all(&c, out, minhop_cands, NULL);
	rt_ctx_free(&c);
	return 0;
}

/* ---- credit loops ----
 *
 * Nodes: channels (s, p), p = 1..nports. Successors of (u, p) leading to
 * switch t are the channels (t, q) used by some LID arriving at t through it;
 * they are kept as a bit per q (deduplicated, at most nports(t) + 1 bits per
 * channel), then Kahn's algorithm: a cycle leaves nodes with in-degree > 0. */
int route_cdg_acyclic(const struct rt_graph *g, const struct rt_tables *t)
{
	unsigned n = g->nsw;
	size_t nch = 0, nbits = 0, done = 0, head = 0, tail = 0;
	uint32_t *cbase, *indeg, *queue;
	size_t *bbase;
	int32_t *to;
	uint8_t *bits;
	int ret;

	if (!t || t->nsw != n || (n && (!t->lft || !g->sw)))
		return -1;
	cbase = xreallocarray(NULL, (size_t)n + 1, sizeof(*cbase));
	for (unsigned s = 0; s < n; s++) {
		cbase[s] = (uint32_t)nch;
		nch += g->sw[s].nports;
	}
	cbase[n] = (uint32_t)nch;
	to = xreallocarray(NULL, nch + 1, sizeof(*to));
	bbase = xreallocarray(NULL, nch + 1, sizeof(*bbase));
	indeg = xcalloc(nch + 1, sizeof(*indeg));
	queue = xreallocarray(NULL, nch + 1, sizeof(*queue));
	for (unsigned s = 0; s < n; s++) {
		for (unsigned p = 1; p <= g->sw[s].nports; p++) {
			int32_t x = g->sw[s].peer ? g->sw[s].peer[p] : -1;
			size_t c = cbase[s] + p - 1;

			if (x < 0 || (unsigned)x >= n)
				x = -1;
			to[c] = x;
			bbase[c] = nbits;
			if (x >= 0)
				nbits += (size_t)g->sw[x].nports + 1;
		}
	}
	bits = xcalloc(nbits / 8 + 1, 1);
	for (unsigned s = 0; s < n; s++) {
		const uint8_t *row = t->lft[s];

		for (unsigned lid = 0; lid <= t->max_lid; lid++) {
			unsigned p = row[lid], q;
			size_t c;
			int32_t x;

			if (p == 0 || p > g->sw[s].nports)
				continue;
			c = cbase[s] + p - 1;
			if ((x = to[c]) < 0)
				continue;
			q = t->lft[x][lid];
			if (q == 0 || q > g->sw[x].nports || to[cbase[x] + q - 1] < 0)
				continue;
			bits[(bbase[c] + q) / 8] |= (uint8_t)(1u << ((bbase[c] + q) % 8));
		}
	}
	/* Kahn */
	for (size_t c = 0; c < nch; c++) {
		int32_t x = to[c];

		if (x < 0)
			continue;
		for (unsigned q = 1; q <= g->sw[x].nports; q++)
			if (bits[(bbase[c] + q) / 8] & (1u << ((bbase[c] + q) % 8)))
				indeg[cbase[x] + q - 1]++;
	}
	for (size_t c = 0; c < nch; c++)
		if (indeg[c] == 0)
			queue[tail++] = (uint32_t)c;
	while (head < tail) {
		size_t c = queue[head++];
		int32_t x = to[c];

		done++;
		if (x < 0)
			continue;
		for (unsigned q = 1; q <= g->sw[x].nports; q++)
			if ((bits[(bbase[c] + q) / 8] & (1u << ((bbase[c] + q) % 8))) &&
			    --indeg[cbase[x] + q - 1] == 0)
				queue[tail++] = cbase[x] + q - 1;
	}
	ret = done == nch;
	free(cbase);
	free(to);
	free(bbase);
	free(indeg);
	free(queue);
	free(bits);
	return ret;
}

/* ---- engine selection ---- */

int route_compute(const struct rt_graph *g, enum rt_engine engine, const uint64_t *roots,
		  size_t nroots, struct rt_tables *out, enum rt_engine *used)
{
	int r;

	switch (engine) {
	case RT_MINHOP:
		r = route_minhop(g, out);
		break;
	case RT_UPDN:
		r = route_updn(g, roots, nroots, out);
		break;
	case RT_AUTO:
		/* up/down's minimal legal paths: minhop's on trees and
		 * fat-trees, free of credit loops everywhere, and stable
		 * across cable losses (no switching engines) */
		engine = RT_UPDN;
		r = route_updn(g, roots, nroots, out);
		break;
	default:
		return -1;
	}
	if (r == 0 && used)
		*used = engine;
	return r;
}
