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
 * reversed down links), U[s] = shortest legal path (up* down*), A[s] = the
 * length of the route s takes (updn_cands). The candidates of a switch are
 * its next hops on legal paths of length A: minimal among legal paths, and
 * on a fat-tree exactly the shortest paths, so the engine is minhop's equal
 * there without its credit loops anywhere. One catch, because a table has
 * one entry per LID whatever way the packet came in: a switch that some
 * route enters from above must itself go down, so it takes its all-down
 * route, and down hops into a switch that would rather go up are avoided
 * while something else is as short.
 *
 * Why it is legal: every path is up* down*; a CDG cycle would need a
 * down -> up dependency (pure up or pure down chains strictly decrease /
 * increase pos), hence none. Why complete (connected, symmetric links): the
 * first switch z of the order reaches d by the reversed chain of d's earlier
 * neighbours (all down links), so D[z] is finite, and by induction in pos
 * order every other switch has an earlier (up) neighbour with finite A, or
 * was entered from above over a finite D.
 *
 * The order depends on the topology only, never on which routes exist: a
 * cable loss that leaves the ranks as they were keeps every link's
 * direction, so the candidates change only for routes that crossed the
 * cable (or could use it, when it comes back).
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
	int32_t *fd;            /* U: shortest legal distance to the destination */
	int32_t *ad;            /* A: length of the route each switch takes */
	uint8_t *isroot;
	uint8_t *below;         /* entered from above: must go down */
};

struct keyed {
	int64_t rank;           /* or the place in the last order */
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

static int pos_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	return (x->guid > y->guid) - (x->guid < y->guid);
}

/* Keeps the last order (the hints' pos) when every switch has a place in it
 * and it is still an order the engine could have made: every switch but the
 * first of its component has an earlier neighbour. A cable loss that leaves
 * that so changes no link's direction, hence no legal route that avoids the
 * cable; only new switches, or a loss that cuts a switch off from all the
 * switches before it, make a new order. */
static int updn_keep_order(struct rt_ctx *c, struct updn *u, const int32_t *comp)
{
	const struct rt_hint *h = c->g->hint;
	unsigned n = c->n;
	struct keyed *kd;
	uint8_t *first;
	int ok = 1;

	if (!h)
		return 0;
	for (unsigned s = 0; s < n; s++)
		if (h[s].pos == RT_NO_POS)
			return 0;
	kd = xreallocarray(NULL, (size_t)n + 1, sizeof(*kd));
	first = xcalloc((size_t)n + 1, 1);
	for (unsigned s = 0; s < n; s++)
		kd[s] = (struct keyed){ 0, h[s].pos, (int32_t)s };   /* guid: the place */
	qsort(kd, n, sizeof(*kd), pos_cmp);
	for (unsigned k = 0; k < n; k++) {
		u->pos[kd[k].idx] = k;
		u->ord[k] = kd[k].idx;
	}
	for (unsigned k = 0; ok && k < n; k++) {
		int32_t s = u->ord[k];
		int earlier = 0;

		if (k && kd[k].guid == kd[k - 1].guid)
			ok = 0;                          /* two switches, one place */
		if (!first[comp[s]]) {
			first[comp[s]] = 1;
			continue;
		}
		for (uint32_t e = c->aoff[s]; !earlier && e < c->aoff[s + 1]; e++)
			earlier = u->pos[c->ato[e]] < k;
		ok &= earlier;
	}
	free(kd);
	free(first);
	return ok;
}

/* Numbers the switches by a priority search on the keys kd[] (sorted
 * here): from the smallest key of each component, always the smallest-key
 * switch next to those numbered; every switch but the first of its
 * component gets an earlier neighbour. */
static void updn_search(struct rt_ctx *c, struct updn *u, struct keyed *kd, uint32_t *keypos,
			uint32_t *heap)
{
	unsigned n = c->n, next = 0;

	qsort(kd, n, sizeof(*kd), keyed_cmp);
	for (unsigned k = 0; k < n; k++)
		keypos[kd[k].idx] = k;
	for (unsigned s = 0; s < n; s++)
		u->pos[s] = UINT32_MAX;     /* also "not yet in the heap" */
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
}

/* How many routes the switches hold (the hints) would turn up after going
 * down in the order u->pos: each of them has to move. Routes to hosts
 * weigh more than all routes to switch LIDs together (those carry only
 * management traffic). ca[lid]: the LID is a host's. */
static uint64_t updn_broken(const struct rt_ctx *c, const struct updn *u, const uint8_t *ca)
{
	const struct rt_graph *g = c->g;
	uint64_t broken = 0;

	for (unsigned s = 0; s < c->n; s++) {
		const struct rt_hint *h = &g->hint[s];

		for (uint32_t lid = 1; h->lft && lid < h->n && lid <= g->max_lid; lid++) {
			unsigned p = h->lft[lid], q;
			int32_t t, v;

			if (p == 0 || p > g->sw[s].nports || (t = g->sw[s].peer[p]) < 0 ||
			    u->pos[t] < u->pos[s] || !g->hint[t].lft || lid >= g->hint[t].n)
				continue;               /* not a down hop the tables continue */
			q = g->hint[t].lft[lid];
			if (q && q <= g->sw[t].nports && (v = g->sw[t].peer[q]) >= 0 &&
			    u->pos[v] < u->pos[t])
				broken += ca[lid] ? (uint64_t)1 << 32 : 1;
		}
	}
	return broken;
}

/* The last order no longer fits (a switch lost every earlier neighbour, or
 * new ones came). Besides the new order in u (by rank and GUID), try the
 * one a priority search keyed by the last places gives, and keep whichever
 * leaves fewer of the routes in place illegal. */
static void updn_repair(struct rt_ctx *c, struct updn *u, struct keyed *kd, uint32_t *keypos,
			uint32_t *heap)
{
	unsigned n = c->n, known = 0;
	uint64_t fresh, kept;
	uint8_t *ca;
	uint32_t *pos;
	int32_t *ord;

	for (unsigned s = 0; s < n; s++)
		known += c->g->hint[s].pos != RT_NO_POS;
	if (!known)
		return;
	ca = xcalloc((size_t)c->g->max_lid + 1, 1);
	for (unsigned i = 0; i < c->ndr; i++)
		ca[c->dr[i].lid] = c->dr[i].port != 0;
	fresh = updn_broken(c, u, ca);
	pos = xreallocarray(NULL, (size_t)n + 1, sizeof(*pos));
	ord = xreallocarray(NULL, (size_t)n + 1, sizeof(*ord));
	memcpy(pos, u->pos, n * sizeof(*pos));
	memcpy(ord, u->ord, n * sizeof(*ord));
	for (unsigned s = 0; s < n; s++) {
		uint32_t p = c->g->hint[s].pos;

		kd[s] = (struct keyed){ p != RT_NO_POS ? p : (int64_t)UINT32_MAX + 1 + u->rank[s],
					c->g->sw[s].guid, (int32_t)s };
	}
	updn_search(c, u, kd, keypos, heap);
	kept = updn_broken(c, u, ca);
	if (fresh <= kept) {
		memcpy(u->pos, pos, n * sizeof(*pos));
		memcpy(u->ord, ord, n * sizeof(*ord));
	}
	log_debug("updn: a new order (%" PRIu64 " host and %" PRIu64 " switch routes to move) "
		  "or the last one repaired (%" PRIu64 ", %" PRIu64 "): %s", fresh >> 32,
		  fresh & 0xffffffffu, kept >> 32, kept & 0xffffffffu,
		  fresh <= kept ? "new" : "repaired");
	free(ca);
	free(pos);
	free(ord);
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
	if (updn_keep_order(c, u, comp)) {
		ret = 0;
		goto out;
	}

	/* a new order: by rank and GUID, independent of history */
	for (unsigned s = 0; s < n; s++)
		kd[s] = (struct keyed){ u->rank[s] < 0 ? INT32_MAX : u->rank[s], c->g->sw[s].guid,
					(int32_t)s };
	updn_search(c, u, kd, keypos, heap);
	if (c->g->hint)
		updn_repair(c, u, kd, keypos, heap);
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

/* The rule of one destination, recomputed identically by both passes: the
 * candidates of s are the up links to t with A[t] + 1 == A[s] and the down
 * links to t with D[t] + 1 == A[s] (for a switch that must go down, only the
 * latter); down links into a t whose own best path goes up first (D[t] >
 * U[t]) are used only when nothing else reaches as far, because whoever
 * enters t from above pins t to its all-down path. */
static int updn_pick(const struct rt_ctx *c, const struct updn *u, int32_t s, uint32_t e,
		     int harmless_only)
{
	int32_t t = c->ato[e], want = u->ad[s] - 1;

	if (u->pos[t] < u->pos[s])
		return !u->below[s] && u->ad[t] == want;
	if (c->dist[t] != want)
		return 0;
	return !harmless_only || c->dist[t] == u->fd[t];
}

static int updn_harmless(const struct rt_ctx *c, const struct updn *u, int32_t s)
{
	for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++)
		if (updn_pick(c, u, s, e, 1))
			return 1;
	return 0;
}

static void updn_cands(struct rt_ctx *c, int32_t d, void *arg)
{
	struct updn *u = arg;
	int32_t *dd = c->dist;
	uint32_t k = 0;

	/* D: all-down distance to d; U: shortest legal (up* down*) distance,
	 * in increasing pos: up links lead to switches already computed */
	rt_bfs(c, &d, 1, dd, u->pos);
	for (unsigned i = 0; i < c->n; i++) {
		int32_t s = u->ord[i], best = dd[s];

		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++) {
			int32_t t = c->ato[e];

			if (u->pos[t] < u->pos[s] && u->fd[t] >= 0 &&
			    (best < 0 || u->fd[t] + 1 < best))
				best = u->fd[t] + 1;
		}
		u->fd[s] = best;
	}
	/* A: the distance of the route each switch takes, in increasing pos.
	 * A switch entered from above (below[s]) must keep going down, so its
	 * route is its all-down one; the others take the shorter of going up
	 * to an earlier switch's route or down into a switch that then stays
	 * down. Every path is up* down*: no down-up turn, no credit loop. */
	memset(u->below, 0, c->n);
	for (unsigned i = 0; i < c->n; i++) {
		int32_t s = u->ord[i], best = -1;
		int harmless;

		if (s == d || u->below[s]) {
			u->ad[s] = dd[s];
		} else {
			for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++) {
				int32_t t = c->ato[e], v;

				v = u->pos[t] < u->pos[s] ? u->ad[t] : dd[t];
				if (v >= 0 && (best < 0 || v + 1 < best))
					best = v + 1;
			}
			u->ad[s] = best;
		}
		if (u->ad[s] <= 0)
			continue;
		harmless = updn_harmless(c, u, s);
		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++)
			if (u->pos[c->ato[e]] > u->pos[s] && updn_pick(c, u, s, e, harmless))
				u->below[c->ato[e]] = 1;
	}
	for (unsigned s = 0; s < c->n; s++) {
		int harmless;

		c->coff[s] = k;
		if (u->ad[s] <= 0)
			continue;
		harmless = updn_harmless(c, u, (int32_t)s);
		for (uint32_t e = c->aoff[s]; e < c->aoff[s + 1]; e++)
			if (updn_pick(c, u, (int32_t)s, e, harmless))
				c->cport[k++] = c->aport[e];
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
	u.ad = xreallocarray(NULL, (size_t)c.n + 1, sizeof(*u.ad));
	u.isroot = xcalloc((size_t)c.n + 1, 1);
	u.below = xcalloc((size_t)c.n + 1, 1);
	if (updn_prepare(&c, &u, roots, nroots) == 0) {
		rt_route_all(&c, out, updn_cands, &u);
		for (unsigned s = 0; out->pos && s < c.n; s++)
			out->pos[s] = u.pos[s];
		ret = 0;
	}
	free(u.rank);
	free(u.pos);
	free(u.ord);
	free(u.fd);
	free(u.ad);
	free(u.isroot);
	free(u.below);
	rt_ctx_free(&c);
	return ret;
}

