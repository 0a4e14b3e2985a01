/* rtgraph: the routing graph, its tables, and what the engines share.
 *
 * Everything works on a compact copy of the switch-to-switch graph (CSR
 * arrays, forward and reverse). An engine computes, per destination switch,
 * a list of candidate output ports per switch (rt_route_all's callback);
 * every LID living on that switch is then assigned by a greedy least-loaded
 * choice among those candidates.
 *
 * Load is the number of CA LIDs routed through an output port so far. Switch
 * LIDs (port 0, management traffic only) are routed the same way but not
 * counted, as OpenSM does by default, so they do not skew the CA spread. */
#include "rtgraph.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* ---- graph and table helpers ---- */

void rt_graph_init(struct rt_graph *g, unsigned nsw, unsigned ndest)
{
	memset(g, 0, sizeof(*g));
	if (nsw)
		g->sw = xcalloc(nsw, sizeof(*g->sw));
	if (ndest)
		g->dest = xcalloc(ndest, sizeof(*g->dest));
	g->nsw = nsw;
	g->ndest = ndest;
}

int rt_switch_init(struct rt_switch *s, uint64_t guid, uint8_t nports)
{
	if (nports > RT_MAX_PORTS)
		return -1;
	s->guid = guid;
	s->nports = nports;
	s->peer = xreallocarray(NULL, (size_t)nports + 1, sizeof(*s->peer));
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

void rt_tables_init(struct rt_tables *t, unsigned nsw, uint16_t max_lid)
{
	memset(t, 0, sizeof(*t));
	if (nsw) {
		t->lft = xcalloc(nsw, sizeof(*t->lft));
		t->pos = xreallocarray(NULL, nsw, sizeof(*t->pos));
	}
	t->nsw = nsw;
	t->max_lid = max_lid;
	for (unsigned i = 0; i < nsw; i++) {
		t->lft[i] = xmalloc((size_t)max_lid + 1);
		memset(t->lft[i], RT_NO_PORT, (size_t)max_lid + 1);
		t->pos[i] = RT_NO_POS;
	}
}

void rt_tables_free(struct rt_tables *t)
{
	if (!t)
		return;
	for (unsigned i = 0; t->lft && i < t->nsw; i++)
		free(t->lft[i]);
	free(t->lft);
	free(t->pos);
	memset(t, 0, sizeof(*t));
}

/* ---- common routing context ---- */

void rt_ctx_free(struct rt_ctx *c)
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
	const struct rt_dref *x = a, *y = b;

	if (x->sw != y->sw)
		return x->sw < y->sw ? -1 : 1;
	return (x->lid > y->lid) - (x->lid < y->lid);
}

int rt_ctx_init(struct rt_ctx *c, const struct rt_graph *g, struct rt_tables *out)
{
	unsigned n = g->nsw;
	size_t ne = 0, np = 0;
	uint8_t *seen;

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
	c->aoff = xcalloc(n + 1, sizeof(*c->aoff));
	c->coff = xcalloc(n + 1, sizeof(*c->coff));
	c->ato = xreallocarray(NULL, ne + 1, sizeof(*c->ato));
	c->aport = xmalloc(ne + 1);
	c->cport = xmalloc(ne + 1);
	c->pbase = xreallocarray(NULL, (size_t)n + 1, sizeof(*c->pbase));
	c->load = xcalloc(np + 1, sizeof(*c->load));
	c->dist = xreallocarray(NULL, (size_t)n + 1, sizeof(*c->dist));
	c->queue = xreallocarray(NULL, (size_t)n + 1, sizeof(*c->queue));
	c->dr = xreallocarray(NULL, (size_t)g->ndest + 1, sizeof(*c->dr));
	seen = xcalloc((size_t)out->max_lid + 1, 1);

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
		c->dr[c->ndr++] = (struct rt_dref){ d->sw, d->lid, d->port };
	}
	qsort(c->dr, c->ndr, sizeof(*c->dr), dref_cmp);
	free(seen);
	return 0;
}

unsigned rt_bfs(struct rt_ctx *c, const int32_t *src, unsigned nsrc, int32_t *dist,
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

/* The port switch s forwards lid to now, if it is still a candidate. */
static uint8_t rt_kept(const struct rt_ctx *c, unsigned s, uint16_t lid, uint32_t b, uint32_t e)
{
	const struct rt_hint *h = c->g->hint ? &c->g->hint[s] : NULL;

	if (!h || !h->lft || lid >= h->n || h->lft[lid] == RT_NO_PORT)
		return RT_NO_PORT;
	for (uint32_t k = b; k < e; k++)
		if (c->cport[k] == h->lft[lid])
			return c->cport[k];
	return RT_NO_PORT;
}

/* Routes one LID with the candidate lists of its destination switch. */
static void assign(struct rt_ctx *c, struct rt_tables *out, const struct rt_dref *r)
{
	out->lft[r->sw][r->lid] = r->port;
	for (unsigned s = 0; s < c->n; s++) {
		uint32_t b = c->coff[s], e = c->coff[s + 1];
		uint32_t *load = c->load + c->pbase[s];
		uint8_t best;

		if (b == e)
			continue;
		best = rt_kept(c, s, r->lid, b, e);
		if (best == RT_NO_PORT) {
			best = c->cport[b];
			for (uint32_t k = b + 1; k < e; k++)
				if (load[c->cport[k]] < load[best])
					best = c->cport[k];   /* strict: ties keep the lowest port */
		}
		out->lft[s][r->lid] = best;
		if (r->port)
			load[best]++;
	}
}

void rt_route_all(struct rt_ctx *c, struct rt_tables *out, rt_cand_fn fn, void *arg)
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
