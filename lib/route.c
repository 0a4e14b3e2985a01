/* route: routing engines (minhop, up/down) and the credit-loop check.
 *
 * Everything works on a compact copy of the switch-to-switch graph (CSR
 * arrays, forward and reverse). Per destination switch d there is one BFS
 * (minhop) or one BFS plus one linear pass (updn); the result is a list of
 * candidate output ports per switch, and every LID living on d is then
 * assigned by a greedy least-loaded choice among those candidates. Cost:
 * O(#dest switches * (nsw + links) + #LIDs * (nsw + candidate ports)),
 * memory O(nsw + links + #LIDs) besides the tables themselves.
 *
 * Load is the number of CA LIDs routed through an output port so far. Switch
 * LIDs (port 0, management traffic only) are routed the same way but not
 * counted, as OpenSM does by default, so they do not skew the CA spread. */
#include "route.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- graph and table helpers ---- */

int rt_graph_init(struct rt_graph *g, unsigned nsw, unsigned ndest)
{
	memset(g, 0, sizeof(*g));
	if (nsw && !(g->sw = calloc(nsw, sizeof(*g->sw))))
		return -1;
	if (ndest && !(g->dest = calloc(ndest, sizeof(*g->dest)))) {
		free(g->sw);
		g->sw = NULL;
		return -1;
	}
	g->nsw = nsw;
	g->ndest = ndest;
	return 0;
}

int rt_switch_init(struct rt_switch *s, uint64_t guid, uint8_t nports)
{
	if (nports > RT_MAX_PORTS)
		return -1;
	s->guid = guid;
	s->nports = nports;
	s->peer = malloc(((size_t)nports + 1) * sizeof(*s->peer));
	if (!s->peer) {
		s->nports = 0;
		return -1;
	}
	for (unsigned p = 0; p <= nports; p++)
		s->peer[p] = -1;
	return 0;
}

void rt_link(struct rt_graph *g, int32_t a, uint8_t pa, int32_t b, uint8_t pb)
{
	if (a < 0 || b < 0 || (unsigned)a >= g->nsw || (unsigned)b >= g->nsw ||
	    pa == 0 || pb == 0 || pa > g->sw[a].nports || pb > g->sw[b].nports ||
	    !g->sw[a].peer || !g->sw[b].peer) {
		log_warnx("route: bad link %" PRId32 "/%u - %" PRId32 "/%u ignored", a, pa, b, pb);
		return;
	}
	/* A port has one cable: a second link for it would leave the first
	 * partner pointing here alone, and the engines rely on symmetry. */
	if (g->sw[a].peer[pa] >= 0 || g->sw[b].peer[pb] >= 0) {
		log_warnx("route: port already linked, link %" PRId32 "/%u - %" PRId32 "/%u ignored",
			  a, pa, b, pb);
		return;
	}
	g->sw[a].peer[pa] = b;
	g->sw[b].peer[pb] = a;
}

void rt_graph_free(struct rt_graph *g)
{
	if (!g)
		return;
	for (unsigned i = 0; g->sw && i < g->nsw; i++)
		free(g->sw[i].peer);
	free(g->sw);
	free(g->dest);
	memset(g, 0, sizeof(*g));
}

int rt_tables_init(struct rt_tables *t, unsigned nsw, uint16_t max_lid)
{
	memset(t, 0, sizeof(*t));
	if (nsw && !(t->lft = calloc(nsw, sizeof(*t->lft))))
		return -1;
	t->nsw = nsw;
	t->max_lid = max_lid;
	for (unsigned i = 0; i < nsw; i++) {
		if (!(t->lft[i] = malloc((size_t)max_lid + 1))) {
			rt_tables_free(t);
			return -1;
		}
		memset(t->lft[i], RT_NO_PORT, (size_t)max_lid + 1);
	}
	return 0;
}

void rt_tables_free(struct rt_tables *t)
{
	if (!t)
		return;
	for (unsigned i = 0; t->lft && i < t->nsw; i++)
		free(t->lft[i]);
	free(t->lft);
	memset(t, 0, sizeof(*t));
}

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

/* ---- common routing context ---- */

struct dref {                   /* a valid destination, sorted by (sw, lid) */
	int32_t sw;
	uint16_t lid;
	uint8_t port;
};

struct ctx {
	const struct rt_graph *g;
	unsigned n;
	/* [n+1] edges s -> t, in port order; rt_link() makes every link two
	 * of them, so the edges into s are these too */
	uint32_t *aoff;
	int32_t *ato;
	uint8_t *aport;
	uint32_t *pbase;        /* [n] index of (s, 0) in load[] */
	uint32_t *load;         /* CA LIDs routed through (s, p) */
	uint32_t *coff;         /* [n+1] candidate output ports for the current dest switch */
	uint8_t *cport;
	int32_t *dist;          /* [n] scratch */
	int32_t *queue;         /* [n] scratch */
	struct dref *dr;        /* valid destinations */
	unsigned ndr;
};

static void ctx_free(struct ctx *c)
{
	free(c->aoff);
	free(c->ato);
	free(c->aport);
	free(c->pbase);
	free(c->load);
	free(c->coff);
	free(c->cport);
	free(c->dist);
	free(c->queue);
	free(c->dr);
	memset(c, 0, sizeof(*c));
}

static int edge_ok(const struct rt_graph *g, unsigned s, unsigned p)
{
	int32_t t = g->sw[s].peer[p];

	return t >= 0 && (unsigned)t < g->nsw && (unsigned)t != s;
}

static int dref_cmp(const void *a, const void *b)
{
	const struct dref *x = a, *y = b;

	if (x->sw != y->sw)
		return x->sw < y->sw ? -1 : 1;
	return (x->lid > y->lid) - (x->lid < y->lid);
}

/* Builds the CSR graph and the list of valid destinations, clears out. */
static int ctx_init(struct ctx *c, const struct rt_graph *g, struct rt_tables *out)
{
	unsigned n = g->nsw;
	size_t ne = 0, np = 0;
	uint8_t *seen = NULL;

	memset(c, 0, sizeof(*c));
	if (!out || out->nsw != n || (n && (!out->lft || !g->sw))) {
		log_warnx("route: tables do not match the graph");
		return -1;
	}
	for (unsigned s = 0; s < n; s++)
		memset(out->lft[s], RT_NO_PORT, (size_t)out->max_lid + 1);
	c->g = g;
	c->n = n;
	for (unsigned s = 0; s < n; s++) {
		np += (size_t)g->sw[s].nports + 1;
		for (unsigned p = 1; g->sw[s].peer && p <= g->sw[s].nports; p++)
			ne += edge_ok(g, s, p);
	}
	c->aoff = calloc(n + 1, sizeof(*c->aoff));
	c->coff = calloc(n + 1, sizeof(*c->coff));
	c->ato = malloc((ne + 1) * sizeof(*c->ato));
	c->aport = malloc(ne + 1);
	c->cport = malloc(ne + 1);
	c->pbase = malloc((n + 1) * sizeof(*c->pbase));
	c->load = calloc(np + 1, sizeof(*c->load));
	c->dist = malloc((n + 1) * sizeof(*c->dist));
	c->queue = malloc((n + 1) * sizeof(*c->queue));
	c->dr = malloc(((size_t)g->ndest + 1) * sizeof(*c->dr));
	seen = calloc((size_t)out->max_lid + 1, 1);
	if (!c->aoff || !c->coff || !c->ato || !c->aport ||
	    !c->cport || !c->pbase || !c->load || !c->dist || !c->queue || !c->dr || !seen)
		goto fail;

	/* CSR adjacency */
	ne = 0;
	np = 0;
	for (unsigned s = 0; s < n; s++) {
		c->aoff[s] = (uint32_t)ne;
		c->pbase[s] = (uint32_t)np;
		np += (size_t)g->sw[s].nports + 1;
		for (unsigned p = 1; g->sw[s].peer && p <= g->sw[s].nports; p++) {
			if (!edge_ok(g, s, p))
				continue;
			c->ato[ne] = g->sw[s].peer[p];
			c->aport[ne++] = (uint8_t)p;
		}
	}
	c->aoff[n] = (uint32_t)ne;

	c->ndr = 0;
	for (unsigned i = 0; i < g->ndest; i++) {
		const struct rt_dest *d = &g->dest[i];

		if (d->lid == 0 || d->lid > out->max_lid || d->sw < 0 || (unsigned)d->sw >= n ||
		    d->port > g->sw[d->sw].nports) {
			log_warnx("route: destination LID %u (switch %" PRId32 " port %u) ignored",
				  d->lid, d->sw, d->port);
			continue;
		}
		if (seen[d->lid]) {
			log_warnx("route: LID %u listed twice, second one ignored", d->lid);
			continue;
		}
		seen[d->lid] = 1;
		c->dr[c->ndr++] = (struct dref){ d->sw, d->lid, d->port };
	}
	qsort(c->dr, c->ndr, sizeof(*c->dr), dref_cmp);
	free(seen);
	return 0;
fail:
	free(seen);
	ctx_free(c);
	return -1;
}

/* Multi-source BFS over the switch links (symmetric): dist[s] = hops from s
 * to the nearest source; returns the number of switches reached. With pos,
 * only links that go down in that numbering count (pos[s] < pos[x] for a
 * step s -> x): from one destination, the all-down distance of up/down. */
static unsigned bfs(struct ctx *c, const int32_t *src, unsigned nsrc, int32_t *dist,
		    const uint32_t *pos)
{
	unsigned head = 0, tail = 0;

	for (unsigned i = 0; i < c->n; i++)
		dist[i] = -1;
	for (unsigned i = 0; i < nsrc; i++) {
		if (dist[src[i]] < 0) {
			dist[src[i]] = 0;
			c->queue[tail++] = src[i];
		}
	}
	while (head < tail) {
		int32_t x = c->queue[head++];

		for (uint32_t e = c->aoff[x]; e < c->aoff[x + 1]; e++) {
			int32_t u = c->ato[e];

			if (dist[u] < 0 && (!pos || pos[x] > pos[u])) {
				dist[u] = dist[x] + 1;
				c->queue[tail++] = u;
			}
		}
	}
	return tail;
}

/* Routes one LID with the candidate lists of its destination switch. */
static void assign(struct ctx *c, struct rt_tables *out, const struct dref *r)
{
	out->lft[r->sw][r->lid] = r->port;
	for (unsigned s = 0; s < c->n; s++) {
		uint32_t b = c->coff[s], e = c->coff[s + 1];
		uint32_t *load = c->load + c->pbase[s];
		uint8_t best;

		if (b == e)
			continue;
		best = c->cport[b];
		for (uint32_t k = b + 1; k < e; k++)
			if (load[c->cport[k]] < load[best])
				best = c->cport[k];   /* strict: ties keep the lowest port */
		out->lft[s][r->lid] = best;
		if (r->port)
			load[best]++;
	}
}

/* Calls fn for every destination switch; fn fills coff/cport, then every LID
 * of that switch is assigned. */
typedef void (*cand_fn)(struct ctx *c, int32_t d, void *arg);

static void route_all(struct ctx *c, struct rt_tables *out, cand_fn fn, void *arg)
{
	for (unsigned i = 0; i < c->ndr;) {
		unsigned j = i;

		while (j < c->ndr && c->dr[j].sw == c->dr[i].sw)
			j++;
		fn(c, c->dr[i].sw, arg);
		for (; i < j; i++)
			assign(c, out, &c->dr[i]);
	}
}

/* ---- minhop ---- */

static void minhop_cands(struct ctx *c, int32_t d, void *arg)
{
	uint32_t k = 0;

	(void)arg;
	bfs(c, &d, 1, c->dist, NULL);
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
	struct ctx c;

	if (ctx_init(&c, g, out) < 0)
		return -1;
	route_all(&c, out, minhop_cands, NULL);
	ctx_free(&c);
	return 0;
}

/* ---- up/down ----
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
static void auto_roots(struct ctx *c, struct updn *u, const int32_t *members, unsigned m,
		       const uint8_t *hasca, int32_t *src, int32_t *dist)
{
	unsigned nh = 0;

	for (unsigned i = 0; i < m; i++)
		if (hasca[members[i]])
			src[nh++] = members[i];
	if (nh > 0 && nh < m) {
		int32_t maxd = 0;

		bfs(c, src, nh, dist, NULL);
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

		bfs(c, &members[i], 1, dist, NULL);
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

static int updn_prepare(struct ctx *c, struct updn *u, const uint64_t *roots, size_t nroots)
{
	unsigned n = c->n, nroot = 0;
	int32_t *comp = malloc((n + 1) * sizeof(*comp));
	int32_t *members = malloc((n + 1) * sizeof(*members));
	int32_t *src = calloc(n + 1, sizeof(*src));
	uint8_t *hasca = calloc(n + 1, 1);
	struct keyed *kd = malloc((n + 1) * sizeof(*kd));
	uint32_t *keypos = malloc((n + 1) * sizeof(*keypos));
	uint32_t *heap = malloc((n + 1) * sizeof(*heap));
	uint8_t *found = calloc(nroots + 1, 1);
	int ret = -1;

	if (!comp || !members || !src || !hasca || !kd || !keypos || !heap || !found)
		goto out;
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
		m = bfs(c, &start, 1, c->dist, NULL);
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
	bfs(c, src, nroot, u->rank, NULL);

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

static void updn_cands(struct ctx *c, int32_t d, void *arg)
{
	struct updn *u = arg;
	int32_t *dd = c->dist, *f = u->fd;
	uint32_t k = 0;

	/* D: all-down distance to d */
	bfs(c, &d, 1, dd, u->pos);
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
	struct ctx c;
	struct updn u;
	int ret = -1;

	if (nroots && !roots)
		return -1;
	if (ctx_init(&c, g, out) < 0)
		return -1;
	u.rank = malloc((c.n + 1) * sizeof(*u.rank));
	u.pos = malloc((c.n + 1) * sizeof(*u.pos));
	u.ord = malloc((c.n + 1) * sizeof(*u.ord));
	u.fd = malloc((c.n + 1) * sizeof(*u.fd));
	u.isroot = calloc(c.n + 1, 1);
	if (u.rank && u.pos && u.ord && u.fd && u.isroot && updn_prepare(&c, &u, roots, nroots) == 0) {
		route_all(&c, out, updn_cands, &u);
		ret = 0;
	}
	free(u.rank);
	free(u.pos);
	free(u.ord);
	free(u.fd);
	free(u.isroot);
	ctx_free(&c);
	return ret;
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
	uint32_t *cbase = NULL, *indeg = NULL, *queue = NULL;
	size_t *bbase = NULL;
	int32_t *to = NULL;
	uint8_t *bits = NULL;
	int ret = -1;

	if (!t || t->nsw != n || (n && (!t->lft || !g->sw)))
		return -1;
	cbase = malloc((n + 1) * sizeof(*cbase));
	if (!cbase)
		goto out;
	for (unsigned s = 0; s < n; s++) {
		cbase[s] = (uint32_t)nch;
		nch += g->sw[s].nports;
	}
	cbase[n] = (uint32_t)nch;
	to = malloc((nch + 1) * sizeof(*to));
	bbase = malloc((nch + 1) * sizeof(*bbase));
	indeg = calloc(nch + 1, sizeof(*indeg));
	queue = malloc((nch + 1) * sizeof(*queue));
	if (!to || !bbase || !indeg || !queue)
		goto out;
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
	if (!(bits = calloc(nbits / 8 + 1, 1)))
		goto out;
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
out:
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
		if ((r = route_minhop(g, out)) < 0)
			return -1;
		if ((r = route_cdg_acyclic(g, out)) < 0)
			return -1;
		if (r == 1) {
			engine = RT_MINHOP;
			r = 0;
			break;
		}
		log_info("route: minhop tables have a credit loop, using updn");
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
