/* route_updn: the up/down engine (route.h). It works on the routing graph's
 * CSR context (rtgraph.h) like minhop and only differs in its candidates.
 *
 * Order. rank = BFS distance from the roots; key = (rank, GUID, index). The
 * switches are then numbered (pos) by a priority search: start at the
 * smallest key of a component, repeatedly take the smallest-key switch
 * adjacent to those already numbered. When every non-root has a neighbour of
 * rank - 1 and there is one root per component, this is exactly the key
 * order; with several roots (fat-tree spines) a secondary root gets numbered
 * right after the first switch that connects it, so every switch but the
 * first of its component has an earlier neighbour. A link s -> t is "up" when
 * pos[t] < pos[s], "down" otherwise.
 *
 * Per destination d: D[s] = shortest all-down path s -> d (BFS from d over
 * reversed down links). A switch with D finite routes down to t with
 * D[t] = D[s] - 1; any other switch routes up to t minimizing
 * F[t] (F = D where finite, else 1 + min F over up links, computed in pos
 * order since up links go to smaller pos).
 *
 * Why it is legal: down hops only go to switches with finite D, which route
 * down again, so after the first down hop a path never goes up: every path
 * is up* down*; a CDG cycle would need a down -> up dependency (pure up or
 * pure down chains strictly decrease / increase pos), hence none. Why
 * complete (connected, symmetric links): the first switch z of the order
 * reaches d by the reversed chain of d's earlier neighbours (all down links),
 * so D[z] is finite, and by induction in pos order every other switch has an
 * earlier (up) neighbour with finite F; F strictly decreases along the route.
 *
 * Automatic roots, per component: when some but not all switches have CAs,
 * the switches farthest from the nearest CA-bearing switch (fat-tree:
 * the top level); otherwise the one switch of minimum eccentricity (lowest
 * GUID among ties): the centre of a mesh or ring. */
#include "route.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

struct updn {
	int32_t *rank;
	uint32_t *pos;          /* switch -> position in the order */
	int32_t *ord;           /* position -> switch */
	int32_t *fd;            /* F */
	uint8_t *isroot;
};

struct keyed {
	int32_t rank;
	uint64_t guid;
	int32_t idx;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->guid != y->guid)
		return x->guid < y->guid ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int better_center(const struct rt_graph *g, int32_t a, int32_t ecc_a, int32_t b,
			 int32_t ecc_b)
{
	if (ecc_a != ecc_b)
		return ecc_a < ecc_b;
	if (g->sw[a].guid != g->sw[b].guid)
		return g->sw[a].guid < g->sw[b].guid;
	return a < b;
}

/* Chooses roots for the component members[0..m) (none of them a root yet). */
static void auto_roots(struct rt_ctx *c, struct updn *u, const int32_t *members, unsigned m,
		       const uint8_t *hasca, int32_t *src, int32_t *dist)
{
	unsigned nh = 0;

	for (unsigned i = 0; i < m; i++)
		if (hasca[members[i]])
			src[nh++] = members[i];
	if (nh > 0 && nh < m) {
		int32_t maxd = 0;

		rt_bfs(c, src, nh, dist, NULL);
		for (unsigned i = 0; i < m; i++)
			if (dist[members[i]] > maxd)
				maxd = dist[members[i]];
		for (unsigned i = 0; i < m; i++)
			if (dist[members[i]] == maxd)
				u->isroot[members[i]] = 1;
		return;
	}
	int32_t best = members[0], best_ecc = INT32_MAX;

	for (unsigned i = 0; i < m; i++) {
		int32_t ecc = 0;

		rt_bfs(c, &members[i], 1, dist, NULL);
		for (unsigned k = 0; k < m; k++)
			if (dist[members[k]] > ecc)
				ecc = dist[members[k]];
		if (better_center(c->g, members[i], ecc, best, best_ecc)) {
			best = members[i];
			best_ecc = ecc;
		}
	}
	u->isroot[best] = 1;
}

/* Binary min-heap of key positions (smaller = smaller key). */
static void heap_push(uint32_t *h, unsigned *n, uint32_t v)
{
	unsigned i = (*n)++;

	while (i > 0 && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, unsigned *n)
{
	uint32_t top = h[0], v = h[--(*n)];
	unsigned i = 0;

	for (;;) {
		unsigned l = 2 * i + 1, m = l;

		if (l >= *n)
			break;
		if (l + 1 < *n && h[l + 1] < h[l])
			m = l + 1;
		if (h[m] >= v)
			break;
		h[i] = h[m];
		i = m;
	}
	if (*n)
		h[i] = v;
	return top;
}

static int updn_prepare(struct rt_ctx *c, struct updn *u, const uint64_t *roots, size_t nroots)
{
	unsigned n = c->n, nroot = 0;
	int32_t *comp = xreallocarray(NULL, (size_t)n + 1, sizeof(*comp));
	int32_t *members = xreallocarray(NULL, (size_t)n + 1, sizeof(*members));
	int32_t *src = xcalloc((size_t)n + 1, sizeof(*src));
	uint8_t *hasca = xcalloc((size_t)n + 1, 1);
	struct keyed *kd = xreallocarray(NULL, (size_t)n + 1, sizeof(*kd));
	uint32_t *keypos = xreallocarray(NULL, (size_t)n + 1, sizeof(*keypos));
	uint32_t *heap = xreallocarray(NULL, (size_t)n + 1, sizeof(*heap));
	uint8_t *found = xcalloc(nroots + 1, 1);
	int ret = -1;

	for (unsigned s = 0; s < n; s++) {
		for (size_t i = 0; i < nroots; i++) {
			if (c->g->sw[s].guid == roots[i]) {
				u->isroot[s] = 1;
				found[i] = 1;
			}
		}
	}
	for (size_t i = 0; i < nroots; i++) {
		if (!found[i]) {
			log_warnx("updn: root GUID 0x%016" PRIx64 " is not a switch of the fabric",
				  roots[i]);
			goto out;
		}
	}
	for (unsigned i = 0; i < c->ndr; i++)
		if (c->dr[i].port)
			hasca[c->dr[i].sw] = 1;

	/* components; those without a given root get automatic ones */
	for (unsigned s = 0; s < n; s++)
		comp[s] = -1;
	for (unsigned s = 0; s < n; s++) {
		unsigned m, has_root = 0;
		int32_t start = (int32_t)s;

		if (comp[s] >= 0)
			continue;
		m = rt_bfs(c, &start, 1, c->dist, NULL);
		memcpy(members, c->queue, m * sizeof(*members));
		for (unsigned i = 0; i < m; i++) {
			comp[members[i]] = (int32_t)s;
			has_root |= u->isroot[members[i]];
		}
		if (!has_root)
			auto_roots(c, u, members, m, hasca, src, c->dist);
	}
	for (unsigned s = 0; s < n; s++)
		if (u->isroot[s])
			src[nroot++] = (int32_t)s;
	log_debug("updn: %u root(s), first 0x%016" PRIx64, nroot,
		  nroot ? c->g->sw[src[0]].guid : 0);
	rt_bfs(c, src, nroot, u->rank, NULL);

	/* the order: priority search by key */
	for (unsigned s = 0; s < n; s++)
		kd[s] = (struct keyed){ u->rank[s] < 0 ? INT32_MAX : u->rank[s], c->g->sw[s].guid,
					(int32_t)s };
	qsort(kd, n, sizeof(*kd), keyed_cmp);
	for (unsigned k = 0; k < n; k++)
		keypos[kd[k].idx] = k;
	for (unsigned s = 0; s < n; s++)
		u->pos[s] = UINT32_MAX;     /* also "not yet in the heap" */
	unsigned next = 0;

	for (unsigned k = 0; k < n; k++) {
		unsigned hn = 0;

		if (u->pos[kd[k].idx] != UINT32_MAX)
			continue;
		u->pos[kd[k].idx] = UINT32_MAX - 1;     /* queued */
		heap_push(heap, &hn, k);
		while (hn) {
			int32_t x = kd[heap_pop(heap, &hn)].idx;

			u->pos[x] = next;
			u->ord[next++] = x;
			for (uint32_t b = c->aoff[x]; b < c->aoff[x + 1]; b++) {
				int32_t y = c->ato[b];

				if (u->pos[y] == UINT32_MAX) {
					u->pos[y] = UINT32_MAX - 1;
					heap_push(heap, &hn, keypos[y]);
				}
			}
		}
	}
	ret = 0;
out:
	free(comp);
	free(members);
	free(src);
	free(hasca);
	free(kd);
	free(keypos);
	free(heap);
	free(found);
	return ret;
}

static void updn_cands(struct rt_ctx *c, int32_t d, void *arg)
{
	struct updn *u = arg;
	int32_t *dd = c->dist, *f = u->fd;
	uint32_t k = 0;

	/* D: all-down distance to d */
	rt_bfs(c, &d, 1, dd, u->pos);
	/* F, in increasing pos: up links lead to already computed switches */
	for (unsigned i = 0; i < c->n; i++) {
		int32_t s = u->ord[i], best = -1;

		if (dd[s] >= 0) {
			f[s] = dd[s];
			continue;
		}
		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++) {
			int32_t t = c->ato[e];

			if (u->pos[t] < u->pos[s] && f[t] >= 0 && (best < 0 || f[t] + 1 < best))
				best = f[t] + 1;
		}
		f[s] = best;
	}
	for (unsigned s = 0; s < c->n; s++) {
		int down = dd[s] > 0;

		c->coff[s] = k;
		if (f[s] <= 0)
			continue;
		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++) {
			int32_t t = c->ato[e];

			if (down ? (u->pos[t] > u->pos[s] && dd[t] == dd[s] - 1)
				 : (u->pos[t] < u->pos[s] && f[t] == f[s] - 1))
				c->cport[k++] = c->aport[e];
		}
	}
	c->coff[c->n] = k;
}

int route_updn(const struct rt_graph *g, const uint64_t *roots, size_t nroots,
	       struct rt_tables *out)
{
	struct rt_ctx c;
	struct updn u;
	int ret = -1;

	if (nroots && !roots)
		return -1;
	if (rt_ctx_init(&c, g, out) < 0)
		return -1;
	u.rank = xreallocarray(NULL, (size_t)c.n + 1, sizeof(*u.rank));
	u.pos = xreallocarray(NULL, (size_t)c.n + 1, sizeof(*u.pos));
	u.ord = xreallocarray(NULL, (size_t)c.n + 1, sizeof(*u.ord));
	u.fd = xreallocarray(NULL, (size_t)c.n + 1, sizeof(*u.fd));
	u.isroot = xcalloc((size_t)c.n + 1, 1);
	if (updn_prepare(&c, &u, roots, nroots) == 0) {
		rt_route_all(&c, out, updn_cands, &u);
		ret = 0;
	}
	free(u.rank);
	free(u.pos);
	free(u.ord);
	free(u.fd);
	free(u.isroot);
	rt_ctx_free(&c);
	return ret;
}

