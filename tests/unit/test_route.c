/* Unit tests for lib/rtgraph.c, lib/route.c and lib/route_updn.c: minhop,
 * up/down, the credit-loop check and engine selection, on synthetic fabrics
 * built here. Every table is checked by walking it from every switch to
 * every destination. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "route.h"

#define G(n) (0x0002c90300000000ULL + (uint64_t)(n))

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			print_error(__VA_ARGS__);                               \
			print_error("\n");                                      \
			fail_msg("%s", #cond);                                  \
		}                                                               \
	} while (0)

/* ---- fabric builder ---- */

struct fab {
	struct rt_graph g;
	uint8_t *next;          /* next free port per switch */
	unsigned cap;           /* room in g.dest */
	uint16_t next_lid;
};

/* nsw switches with nports ports each, GUID G(i), own LID i + 1 (a dest). */
static void fab_init(struct fab *f, unsigned nsw, uint8_t nports, unsigned max_cas)
{
	/* two spare dest slots for test_bad_input */
	rt_graph_init(&f->g, nsw, nsw + max_cas + 2);
	f->next = calloc(nsw ? nsw : 1, 1);
	assert_non_null(f->next);
	f->cap = nsw + max_cas;
	f->g.ndest = 0;
	for (unsigned i = 0; i < nsw; i++) {
		assert_int_equal(rt_switch_init(&f->g.sw[i], G(i), nports), 0);
		f->next[i] = 1;
		f->g.dest[f->g.ndest++] = (struct rt_dest){ (uint16_t)(i + 1), (int32_t)i, 0 };
	}
	f->next_lid = (uint16_t)(nsw + 1);
	f->g.max_lid = (uint16_t)nsw;
}

static void fab_link(struct fab *f, unsigned a, unsigned b)
{
	uint8_t pa = f->next[a]++, pb = f->next[b]++;

	assert_true(pa <= f->g.sw[a].nports && pb <= f->g.sw[b].nports);
	rt_link(&f->g, (int32_t)a, pa, (int32_t)b, pb);
}

static void fab_ca(struct fab *f, unsigned s)
{
	uint8_t p = f->next[s]++;

	assert_true(p <= f->g.sw[s].nports);
	assert_true(f->g.ndest < f->cap);
	f->g.dest[f->g.ndest++] = (struct rt_dest){ f->next_lid, (int32_t)s, p };
	f->g.max_lid = f->next_lid++;
}

static void fab_free(struct fab *f)
{
	rt_graph_free(&f->g);
	free(f->next);
}

/* Leaves 0..leaves-1 (hosts CAs on ports 1..hosts, then the uplinks),
 * spines leaves..leaves+spines-1, par parallel links per leaf-spine pair. */
static void fab_fattree(struct fab *f, unsigned leaves, unsigned hosts, unsigned spines,
			unsigned par, uint8_t nports)
{
	fab_init(f, leaves + spines, nports, leaves * hosts);
	for (unsigned l = 0; l < leaves; l++)
		for (unsigned h = 0; h < hosts; h++)
			fab_ca(f, l);
	for (unsigned l = 0; l < leaves; l++)
		for (unsigned s = 0; s < spines; s++)
			for (unsigned k = 0; k < par; k++)
				fab_link(f, l, leaves + s);
}

/* Ring of n switches, one CA each, plus chords (pairs). */
static void fab_ring(struct fab *f, unsigned n, const unsigned (*chords)[2], unsigned nchords)
{
	fab_init(f, n, 8, n);
	for (unsigned i = 0; i < n; i++)
		fab_ca(f, i);
	for (unsigned i = 0; i < n; i++)
		fab_link(f, i, (i + 1) % n);
	for (unsigned i = 0; i < nchords; i++)
		fab_link(f, chords[i][0], chords[i][1]);
}

/* w x h grid, switch (x, y) = y * w + x, one CA each. */
static void fab_mesh(struct fab *f, unsigned w, unsigned h)
{
	fab_init(f, w * h, 8, w * h);
	for (unsigned i = 0; i < w * h; i++)
		fab_ca(f, i);
	for (unsigned y = 0; y < h; y++) {
		for (unsigned x = 0; x < w; x++) {
			if (x + 1 < w)
				fab_link(f, y * w + x, y * w + x + 1);
			if (y + 1 < h)
				fab_link(f, y * w + x, (y + 1) * w + x);
		}
	}
}

static void fab_line(struct fab *f, unsigned n)
{
	fab_init(f, n, 8, n);
	for (unsigned i = 0; i < n; i++)
		fab_ca(f, i);
	for (unsigned i = 0; i + 1 < n; i++)
		fab_link(f, i, i + 1);
}

static void fab_single(struct fab *f)
{
	fab_init(f, 1, 8, 4);
	for (unsigned i = 0; i < 4; i++)
		fab_ca(f, 0);
}

/* A line 0-1-2 (one CA per switch) and a ring 3-4-5-6-7 with one CA on 3,
 * no link between them. */
static void fab_two_parts(struct fab *f)
{
	fab_init(f, 8, 8, 4);
	for (unsigned i = 0; i < 4; i++)
		fab_ca(f, i);
	fab_link(f, 0, 1);
	fab_link(f, 1, 2);
	for (unsigned i = 3; i < 8; i++)
		fab_link(f, i, i == 7 ? 3 : i + 1);
}

/* Three levels: pods of 2 leaves (hosts CAs each) and 2 aggregation
 * switches, every aggregation switch linked to every core switch.
 * Leaves 0..2*pods-1, aggregation next, cores last. */
static void fab_3level(struct fab *f, unsigned pods, unsigned hosts, unsigned cores)
{
	unsigned nl = 2 * pods, agg = nl, core = 2 * nl;

	fab_init(f, 2 * nl + cores, 16, nl * hosts);
	for (unsigned l = 0; l < nl; l++)
		for (unsigned h = 0; h < hosts; h++)
			fab_ca(f, l);
	for (unsigned l = 0; l < nl; l++)
		for (unsigned a = 0; a < 2; a++)
			fab_link(f, l, agg + (l / 2) * 2 + a);
	for (unsigned a = 0; a < nl; a++)
		for (unsigned c = 0; c < cores; c++)
			fab_link(f, agg + a, core + c);
}

/* ---- reference computations ---- */

/* dist[s * n + d]: hops from s to d, -1 if none (plain BFS per source). */
static int *all_dist(const struct rt_graph *g)
{
	unsigned n = g->nsw;
	int *dist = malloc((size_t)n * n * sizeof(*dist) + 1);
	unsigned *q = malloc(n * sizeof(*q) + 1);

	assert_non_null(dist);
	assert_non_null(q);
	for (unsigned s = 0; s < n; s++) {
		int *d = dist + (size_t)s * n;
		unsigned head = 0, tail = 0;

		for (unsigned i = 0; i < n; i++)
			d[i] = -1;
		d[s] = 0;
		q[tail++] = s;
		while (head < tail) {
			unsigned x = q[head++];

			for (unsigned p = 1; p <= g->sw[x].nports; p++) {
				int32_t y = g->sw[x].peer[p];

				if (y >= 0 && d[y] < 0) {
					d[y] = d[x] + 1;
					q[tail++] = (unsigned)y;
				}
			}
		}
	}
	free(q);
	return dist;
}

/* Walks from every switch to every destination. exact: the hop count must
 * be the shortest distance. rank (optional): per-switch rank for the
 * up*down* check, up = smaller (rank, guid). Unreachable pairs and LIDs that
 * are no destination must be RT_NO_PORT. */
static void check_walks(const struct rt_graph *g, const struct rt_tables *t, int exact,
			const int *rank)
{
	unsigned n = g->nsw;
	int *dist = all_dist(g);
	uint8_t *isdest = calloc((size_t)t->max_lid + 1, 1);

	assert_non_null(isdest);
	assert_int_equal(t->nsw, n);
	for (unsigned i = 0; i < g->ndest; i++) {
		const struct rt_dest *d = &g->dest[i];

		isdest[d->lid] = 1;
		for (unsigned s = 0; s < n; s++) {
			unsigned cur = s, hops = 0;
			int went_down = 0;

			if (dist[(size_t)s * n + d->sw] < 0) {
				CHECK(t->lft[s][d->lid] == RT_NO_PORT,
				      "switch %u routes unreachable LID %u", s, d->lid);
				continue;
			}
			for (;;) {
				uint8_t p = t->lft[cur][d->lid];
				int32_t next;

				if (cur == (unsigned)d->sw) {
					CHECK(p == d->port, "LID %u at its switch %u: port %u, want %u",
					      d->lid, cur, p, d->port);
					break;
				}
				CHECK(p >= 1 && p <= g->sw[cur].nports,
				      "from %u to LID %u: switch %u has port %u", s, d->lid, cur, p);
				next = g->sw[cur].peer[p];
				CHECK(next >= 0, "from %u to LID %u: switch %u port %u leads nowhere",
				      s, d->lid, cur, p);
				if (rank) {
					int up = rank[next] < rank[cur] ||
						 (rank[next] == rank[cur] &&
						  g->sw[next].guid < g->sw[cur].guid);

					CHECK(!(up && went_down), "from %u to LID %u: up after down at %u",
					      s, d->lid, cur);
					went_down |= !up;
				}
				cur = (unsigned)next;
				CHECK(++hops <= n, "from %u to LID %u: loop", s, d->lid);
			}
			if (exact)
				CHECK((int)hops == dist[(size_t)s * n + d->sw],
				      "from %u to LID %u: %u hops, shortest %d", s, d->lid, hops,
				      dist[(size_t)s * n + d->sw]);
		}
	}
	for (unsigned lid = 0; lid <= t->max_lid; lid++)
		for (unsigned s = 0; !isdest[lid] && s < n; s++)
			CHECK(t->lft[s][lid] == RT_NO_PORT, "switch %u routes unknown LID %u", s, lid);
	free(isdest);
	free(dist);
}

/* rank[s] = distance to the nearest of roots (switch indices). */
static int *ranks_from(const struct rt_graph *g, const unsigned *roots, unsigned nroots)
{
	int *dist = all_dist(g), *rank = malloc(g->nsw * sizeof(*rank) + 1);

	assert_non_null(rank);
	for (unsigned s = 0; s < g->nsw; s++) {
		rank[s] = -1;
		for (unsigned i = 0; i < nroots; i++) {
			int d = dist[(size_t)roots[i] * g->nsw + s];

			if (d >= 0 && (rank[s] < 0 || d < rank[s]))
				rank[s] = d;
		}
	}
	free(dist);
	return rank;
}

/* Independent CDG check: explicit edge matrix over channels s*(P+1)+p,
 * recursive DFS (small graphs only). */
struct refcdg {
	unsigned nch;
	uint8_t *adj;
	uint8_t *color;
};

static int ref_dfs(struct refcdg *r, unsigned c)
{
	r->color[c] = 1;
	for (unsigned x = 0; x < r->nch; x++) {
		if (!r->adj[(size_t)c * r->nch + x])
			continue;
		if (r->color[x] == 1)
			return 0;
		if (r->color[x] == 0 && !ref_dfs(r, x))
			return 0;
	}
	r->color[c] = 2;
	return 1;
}

static int ref_acyclic(const struct rt_graph *g, const struct rt_tables *t)
{
	unsigned P = RT_MAX_PORTS + 1, maxp = 0;
	struct refcdg r;
	int ok = 1;

	for (unsigned s = 0; s < g->nsw; s++)
		if (g->sw[s].nports > maxp)
			maxp = g->sw[s].nports;
	P = maxp + 1;
	r.nch = g->nsw * P;
	r.adj = calloc((size_t)r.nch * r.nch + 1, 1);
	r.color = calloc(r.nch + 1, 1);
	assert_non_null(r.adj);
	assert_non_null(r.color);
	for (unsigned lid = 0; lid <= t->max_lid; lid++) {
		for (unsigned u = 0; u < g->nsw; u++) {
			unsigned p = t->lft[u][lid], q;
			int32_t s;

			if (p == 0 || p > g->sw[u].nports || (s = g->sw[u].peer[p]) < 0)
				continue;
			q = t->lft[s][lid];
			if (q == 0 || q > g->sw[s].nports || g->sw[s].peer[q] < 0)
				continue;
			r.adj[(size_t)(u * P + p) * r.nch + (unsigned)s * P + q] = 1;
		}
	}
	for (unsigned c = 0; ok && c < r.nch; c++)
		if (r.color[c] == 0)
			ok = ref_dfs(&r, c);
	free(r.adj);
	free(r.color);
	return ok;
}

static void tables(const struct fab *f, struct rt_tables *t)
{
	rt_tables_init(t, f->g.nsw, f->g.max_lid);
}

static int tables_equal(const struct rt_tables *a, const struct rt_tables *b)
{
	if (a->nsw != b->nsw || a->max_lid != b->max_lid)
		return 0;
	for (unsigned s = 0; s < a->nsw; s++)
		if (memcmp(a->lft[s], b->lft[s], (size_t)a->max_lid + 1))
			return 0;
	return 1;
}

/* minhop, updn (auto roots) and auto on one fabric: complete, correct,
 * minhop shortest, updn acyclic; the CDG check agrees with the reference.
 * Returns the minhop CDG verdict. */
static int check_all_engines(const struct fab *f)
{
	struct rt_tables t, t2;
	enum rt_engine used = RT_AUTO;
	int mh;

	tables(f, &t);
	assert_int_equal(route_minhop(&f->g, &t), 0);
	check_walks(&f->g, &t, 1, NULL);
	mh = route_cdg_acyclic(&f->g, &t);
	assert_int_equal(mh, ref_acyclic(&f->g, &t));

	assert_int_equal(route_updn(&f->g, NULL, 0, &t), 0);
	assert_int_equal(route_cdg_acyclic(&f->g, &t), 1);
	assert_int_equal(ref_acyclic(&f->g, &t), 1);

	/* where minhop happens to be loop-free (trees, fat-trees), up/down's
	 * minimal legal paths are shortest paths too */
	check_walks(&f->g, &t, mh == 1, NULL);
	tables(f, &t2);
	assert_int_equal(route_compute(&f->g, RT_AUTO, NULL, 0, &t2, &used), 0);
	assert_int_equal(used, RT_UPDN);
	assert_true(tables_equal(&t, &t2));
	rt_tables_free(&t);
	rt_tables_free(&t2);
	return mh;
}

/* ---- tests ---- */

static void test_engine_names(void **state)
{
	enum rt_engine e = RT_UPDN;

	(void)state;
	assert_string_equal(rt_engine_name(RT_AUTO), "auto");
	assert_string_equal(rt_engine_name(RT_MINHOP), "minhop");
	assert_string_equal(rt_engine_name(RT_UPDN), "updn");
	assert_int_equal(rt_engine_parse("auto", &e), 0);
	assert_int_equal(e, RT_AUTO);
	assert_int_equal(rt_engine_parse("minhop", &e), 0);
	assert_int_equal(e, RT_MINHOP);
	assert_int_equal(rt_engine_parse("updn", &e), 0);
	assert_int_equal(e, RT_UPDN);
	assert_int_equal(rt_engine_parse("ftree", &e), -1);
	assert_int_equal(rt_engine_parse("up", &e), -1);
	assert_int_equal(rt_engine_parse("minhop2", &e), -1);
	assert_int_equal(rt_engine_parse("AUTO", &e), -1);
	assert_int_equal(rt_engine_parse("", &e), -1);
	assert_int_equal(rt_engine_parse(NULL, &e), -1);
	assert_int_equal(e, RT_UPDN);
}

static void test_fattree_minhop(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	enum rt_engine used = RT_UPDN;

	(void)state;
	fab_fattree(&f, 4, 4, 2, 1, 8);
	assert_int_equal(check_all_engines(&f), 1);
	tables(&f, &t);
	tables(&f, &t2);
	/* auto is up/down, and on a fat-tree its tables are minhop's */
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, &used), 0);
	assert_int_equal(used, RT_UPDN);
	assert_int_equal(route_minhop(&f.g, &t2), 0);
	assert_true(tables_equal(&t, &t2));
	/* ties go to the lowest port: leaf 0 uplinks are ports 5 (spine 4) and
	 * 6 (spine 5); leaf 1's switch LID (not counted as load) and its first CA
	 * take port 5, its second CA port 6 */
	assert_int_equal(f.g.sw[0].peer[5], 4);
	assert_int_equal(f.g.sw[0].peer[6], 5);
	assert_int_equal(t.lft[0][2], 5);
	assert_int_equal(t.lft[0][f.g.dest[6 + 4].lid], 5);
	assert_int_equal(t.lft[0][f.g.dest[6 + 5].lid], 6);
	assert_int_equal(t.lft[0][f.g.dest[6 + 6].lid], 5);
	/* deterministic: a second run gives the same tables */
	assert_int_equal(route_minhop(&f.g, &t), 0);
	assert_true(tables_equal(&t, &t2));
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);

	fab_fattree(&f, 8, 8, 4, 2, 16);
	assert_int_equal(check_all_engines(&f), 1);
	fab_free(&f);
}

/* At every leaf the CAs behind other leaves are spread over the uplinks
 * within 1; with parallel links every link carries traffic, and at each
 * spine the links down to one leaf share its CAs within 1. */
static void check_balance(unsigned leaves, unsigned hosts, unsigned spines, unsigned par,
			  uint8_t nports)
{
	struct fab f;
	struct rt_tables t;
	unsigned cnt[RT_MAX_PORTS + 1];

	fab_fattree(&f, leaves, hosts, spines, par, nports);
	tables(&f, &t);
	assert_int_equal(route_minhop(&f.g, &t), 0);
	check_walks(&f.g, &t, 1, NULL);
	for (unsigned l = 0; l < leaves; l++) {
		unsigned lo = ~0u, hi = 0;

		memset(cnt, 0, sizeof(cnt));
		for (unsigned i = 0; i < f.g.ndest; i++)
			if (f.g.dest[i].port && f.g.dest[i].sw != (int32_t)l)
				cnt[t.lft[l][f.g.dest[i].lid]]++;
		for (unsigned p = 1; p <= f.g.sw[l].nports; p++) {
			if (f.g.sw[l].peer[p] < 0)
				continue;
			lo = cnt[p] < lo ? cnt[p] : lo;
			hi = cnt[p] > hi ? cnt[p] : hi;
		}
		CHECK(hi - lo <= 1 && lo > 0, "leaf %u uplinks carry %u..%u CAs", l, lo, hi);
	}
	for (unsigned s = leaves; s < leaves + spines; s++) {
		for (unsigned l = 0; l < leaves; l++) {
			unsigned lo = ~0u, hi = 0;

			memset(cnt, 0, sizeof(cnt));
			for (unsigned i = 0; i < f.g.ndest; i++)
				if (f.g.dest[i].port && f.g.dest[i].sw == (int32_t)l)
					cnt[t.lft[s][f.g.dest[i].lid]]++;
			for (unsigned p = 1; p <= f.g.sw[s].nports; p++) {
				if (f.g.sw[s].peer[p] != (int32_t)l)
					continue;
				lo = cnt[p] < lo ? cnt[p] : lo;
				hi = cnt[p] > hi ? cnt[p] : hi;
			}
			CHECK(hi - lo <= 1 && lo > 0, "spine %u to leaf %u: %u..%u CAs", s, l, lo, hi);
		}
	}
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_fattree_balance(void **state)
{
	(void)state;
	check_balance(4, 4, 2, 1, 8);
	check_balance(8, 8, 4, 2, 16);
	check_balance(6, 5, 3, 2, 16);  /* uneven: 25 remote CAs over 6 uplinks */
}

static void test_fattree_updn(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	uint64_t spines[4], leaf0 = G(0);

	(void)state;
	fab_fattree(&f, 8, 8, 4, 2, 16);
	for (unsigned i = 0; i < 4; i++)
		spines[i] = G(8 + i);
	tables(&f, &t);
	tables(&f, &t2);
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	/* spines as roots on a 2-level fat-tree: every path is a shortest one */
	check_walks(&f.g, &t, 1, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	/* the automatic roots are the spines */
	assert_int_equal(route_updn(&f.g, spines, 4, &t2), 0);
	assert_true(tables_equal(&t, &t2));
	/* a leaf as the root: the order changes, yet every shortest path of
	 * a fat-tree is still legal in it, so routes stay shortest */
	assert_int_equal(route_updn(&f.g, &leaf0, 1, &t2), 0);
	check_walks(&f.g, &t2, 1, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t2), 1);
	/* leaves 1..7 still spread remote CAs over all 8 uplinks */
	for (unsigned l = 1; l < 8; l++) {
		unsigned cnt[RT_MAX_PORTS + 1] = { 0 };

		for (unsigned i = 0; i < f.g.ndest; i++)
			if (f.g.dest[i].port && f.g.dest[i].sw != (int32_t)l)
				cnt[t.lft[l][f.g.dest[i].lid]]++;
		for (unsigned p = 1; p <= f.g.sw[l].nports; p++)
			if (f.g.sw[l].peer[p] >= 0)
				CHECK(cnt[p] >= 6, "updn leaf %u port %u: %u CAs", l, p, cnt[p]);
	}
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);
}

static void test_ring(void **state)
{
	struct fab f;
	struct rt_tables t;
	enum rt_engine used = RT_MINHOP;
	int *rank;
	unsigned root = 0;

	(void)state;
	fab_ring(&f, 6, NULL, 0);
	assert_int_equal(check_all_engines(&f), 0);   /* minhop on a ring loops */
	tables(&f, &t);
	assert_int_equal(route_minhop(&f.g, &t), 0);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 0);
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, &used), 0);
	assert_int_equal(used, RT_UPDN);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	/* every switch has a CA: the root is the lowest GUID of equal eccentricity */
	rank = ranks_from(&f.g, &root, 1);
	check_walks(&f.g, &t, 0, rank);
	free(rank);
	/* explicit engines are run as asked */
	assert_int_equal(route_compute(&f.g, RT_MINHOP, NULL, 0, &t, &used), 0);
	assert_int_equal(used, RT_MINHOP);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 0);
	assert_int_equal(route_compute(&f.g, RT_UPDN, NULL, 0, &t, &used), 0);
	assert_int_equal(used, RT_UPDN);
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_ring_chords(void **state)
{
	static const unsigned chords[][2] = { { 0, 3 }, { 1, 4 }, { 2, 6 }, { 5, 7 } };
	struct fab f;

	(void)state;
	fab_ring(&f, 8, chords, 4);
	check_all_engines(&f);
	fab_free(&f);
}

static void test_mesh(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	uint64_t center = G(4), corner = G(0);
	unsigned c = 4, k = 0;
	int *rank;

	(void)state;
	fab_mesh(&f, 3, 3);
	check_all_engines(&f);
	tables(&f, &t);
	tables(&f, &t2);
	/* all switches have CAs: the automatic root is the centre */
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	assert_int_equal(route_updn(&f.g, &center, 1, &t2), 0);
	assert_true(tables_equal(&t, &t2));
	rank = ranks_from(&f.g, &c, 1);
	check_walks(&f.g, &t, 0, rank);
	free(rank);
	assert_int_equal(route_updn(&f.g, &corner, 1, &t2), 0);
	assert_false(tables_equal(&t, &t2));
	rank = ranks_from(&f.g, &k, 1);
	check_walks(&f.g, &t2, 0, rank);
	free(rank);
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);

	fab_mesh(&f, 4, 3);
	check_all_engines(&f);
	fab_free(&f);
}

static void test_line(void **state)
{
	struct fab f;
	struct rt_tables t;

	(void)state;
	fab_line(&f, 5);
	assert_int_equal(check_all_engines(&f), 1);
	tables(&f, &t);
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	check_walks(&f.g, &t, 1, NULL);   /* a tree: up/down paths are the shortest */
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_single_switch(void **state)
{
	struct fab f;
	struct rt_tables t;
	enum rt_engine used = RT_UPDN;

	(void)state;
	fab_single(&f);
	assert_int_equal(check_all_engines(&f), 1);
	tables(&f, &t);
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, &used), 0);
	assert_int_equal(used, RT_UPDN);
	assert_int_equal(t.lft[0][1], 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(t.lft[0][2 + i], 1 + i);
	assert_int_equal(t.lft[0][0], RT_NO_PORT);
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_disconnected(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	uint64_t root = G(1);

	(void)state;
	fab_two_parts(&f);
	check_all_engines(&f);
	tables(&f, &t);
	tables(&f, &t2);
	/* a root in the first part only: the second part gets its automatic
	 * roots too (5 and 6, farthest from the CA on 3): same tables */
	assert_int_equal(route_updn(&f.g, &root, 1, &t), 0);
	check_walks(&f.g, &t, 0, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	assert_int_equal(t.lft[0][f.g.dest[8 + 3].lid], RT_NO_PORT);   /* CA of switch 3 */
	assert_int_equal(route_updn(&f.g, NULL, 0, &t2), 0);
	assert_true(tables_equal(&t, &t2));
	/* 5 -> 7 over 6: down, down from the roots (from root 3 it would be
	 * down then up, and 5 would have to go round over 4 and 3) */
	assert_int_equal(f.g.sw[5].peer[t.lft[5][8]], 6);
	assert_int_equal(f.g.sw[6].peer[t.lft[6][8]], 7);
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);
}

/* 1 when the walk of t from switch s to lid leaves a switch over (a, pa) or
 * (b, pb): the route crosses that cable. */
static int walk_crosses(const struct rt_graph *g, const struct rt_tables *t, unsigned s,
			unsigned lid, unsigned a, unsigned pa, unsigned b, unsigned pb)
{
	for (unsigned hops = 0, cur = s; hops <= g->nsw; hops++) {
		unsigned p = t->lft[cur][lid];

		if ((cur == a && p == pa) || (cur == b && p == pb))
			return 1;
		if (p == 0 || p > g->sw[cur].nports || g->sw[cur].peer[p] < 0)
			return 0;
		cur = (unsigned)g->sw[cur].peer[p];
	}
	return 0;
}

/* Every entry that differs between before and after belongs to a route
 * that crossed the cable in `crossed` (switch LIDs too unless ca_only).
 * Returns how many entries differ. */
static unsigned check_moved(const struct fab *f, const struct rt_tables *before,
			    const struct rt_tables *after, const struct rt_tables *crossed,
			    unsigned a, unsigned pa, unsigned b, unsigned pb, int ca_only)
{
	unsigned moved = 0;

	for (unsigned i = 0; i < f->g.ndest; i++) {
		const struct rt_dest *d = &f->g.dest[i];

		for (unsigned s = 0; s < f->g.nsw; s++) {
			if (before->lft[s][d->lid] == after->lft[s][d->lid])
				continue;
			moved++;
			if (!crossed || (ca_only && !d->port))
				continue;
			CHECK(walk_crosses(&f->g, crossed, s, d->lid, a, pa, b, pb),
			      "cable %u/%u-%u/%u: switch %u moved LID %u (port %u -> %u) "
			      "though its route does not cross the cable", a, pa, b, pb, s,
			      d->lid, before->lft[s][d->lid], after->lft[s][d->lid]);
		}
	}
	return moved;
}

/* Cuts every switch-to-switch cable of f in turn and puts it back, routing
 * each time from what the switches hold (the last tables and order as
 * hints). Always: the tables are complete and free of credit loops; the
 * return moves only routes that now take the cable. With strict, the loss
 * moves only routes that crossed the cable, switch LIDs included unless the
 * cable is strict_ca_only's. Returns the entries the losses moved, of
 * routes that did not cross the cable in *stray. */
static unsigned check_cables(struct fab *f, int strict, int (*strict_ca_only)(unsigned, unsigned),
			     unsigned *stray)
{
	struct rt_hint *hint = calloc(f->g.nsw, sizeof(*hint));
	unsigned total = 0;

	assert_non_null(hint);
	*stray = 0;
	for (unsigned a = 0; a < f->g.nsw; a++) {
		for (unsigned pa = 1; pa <= f->g.sw[a].nports; pa++) {
			struct rt_tables t0, t1, t2;
			int32_t b = f->g.sw[a].peer[pa];
			unsigned pb = 0;
			int ca_only;

			if (b <= (int32_t)a)
				continue;       /* no cable, or seen from b */
			/* the k-th port of a to b is cabled to the k-th of b to a
			 * (fab_link takes the next free port at both ends) */
			unsigned k = 0;

			for (unsigned q = 1; q < pa; q++)
				k += f->g.sw[a].peer[q] == b;
			for (pb = 1; pb <= f->g.sw[b].nports; pb++)
				if (f->g.sw[b].peer[pb] == (int32_t)a && k-- == 0)
					break;
			tables(f, &t0);
			tables(f, &t1);
			tables(f, &t2);
			f->g.hint = NULL;
			assert_int_equal(route_compute(&f->g, RT_AUTO, NULL, 0, &t0, NULL), 0);
			for (unsigned s = 0; s < f->g.nsw; s++)
				hint[s] = (struct rt_hint){ t0.lft[s], (uint32_t)t0.max_lid + 1,
							    t0.pos[s] };
			f->g.hint = hint;
			f->g.sw[a].peer[pa] = -1;
			f->g.sw[b].peer[pb] = -1;
			assert_int_equal(route_compute(&f->g, RT_AUTO, NULL, 0, &t1, NULL), 0);
			check_walks(&f->g, &t1, 0, NULL);
			assert_int_equal(route_cdg_acyclic(&f->g, &t1), 1);
			assert_int_equal(ref_acyclic(&f->g, &t1), 1);
			ca_only = strict_ca_only && strict_ca_only(a, (unsigned)b);
			if (strict) {
				total += check_moved(f, &t0, &t1, &t0, a, pa, (unsigned)b, pb, ca_only);
			} else {
				unsigned m = check_moved(f, &t0, &t1, NULL, a, pa, (unsigned)b, pb, 0);

				total += m;
			}
			for (unsigned i = 0; i < f->g.ndest; i++)
				for (unsigned s = 0; s < f->g.nsw; s++)
					if (t0.lft[s][f->g.dest[i].lid] != t1.lft[s][f->g.dest[i].lid] &&
					    !walk_crosses(&f->g, &t0, s, f->g.dest[i].lid, a, pa,
							  (unsigned)b, pb))
						++*stray;

			for (unsigned s = 0; s < f->g.nsw; s++)
				hint[s] = (struct rt_hint){ t1.lft[s], (uint32_t)t1.max_lid + 1,
							    t1.pos[s] };
			f->g.sw[a].peer[pa] = b;
			f->g.sw[b].peer[pb] = (int32_t)a;
			assert_int_equal(route_compute(&f->g, RT_AUTO, NULL, 0, &t2, NULL), 0);
			check_walks(&f->g, &t2, 0, NULL);
			assert_int_equal(route_cdg_acyclic(&f->g, &t2), 1);
			assert_int_equal(ref_acyclic(&f->g, &t2), 1);
			check_moved(f, &t1, &t2, &t2, a, pa, (unsigned)b, pb, 0);
			f->g.hint = NULL;
			rt_tables_free(&t0);
			rt_tables_free(&t1);
			rt_tables_free(&t2);
		}
	}
	free(hint);
	return total;
}

/* The cable between the first root and the leaf that links the roots to
 * each other in the up/down order (spine 8 and leaf 0 here): its loss makes
 * another leaf that link, so the roots' routes to each other move (switch
 * LIDs only, no host traffic). */
static int fattree_hub(unsigned a, unsigned b)
{
	return a == 0 && b == 8;
}

/* Routes stay put across a cable's loss and return, for every leaf-spine
 * cable of a fat-tree: a loss moves only routes that crossed the cable, its
 * return only routes that now take it, and the tables stay complete and
 * free of credit loops throughout. */
static void test_fattree_cable(void **state)
{
	struct fab f;
	unsigned moved, stray;

	(void)state;
	fab_fattree(&f, 8, 4, 4, 1, 16);
	moved = check_cables(&f, 1, fattree_hub, &stray);
	print_message("fat-tree 8 leaves, 4 spines: %u entries moved over 32 cable losses, "
		      "%u of routes that did not cross the cable\n", moved, stray);
	fab_free(&f);
	fab_fattree(&f, 6, 3, 3, 2, 16);       /* parallel cables */
	moved = check_cables(&f, 1, NULL, &stray);
	fab_free(&f);
}

/* Irregular fabrics: a ring with chords and a mesh. Every loss leaves the
 * tables complete and acyclic, every return moves only routes onto the
 * cable. The order survives most losses, and where it cannot, the repair
 * that breaks fewest routes in place is taken: under 5% of the entries
 * that move belong to routes that did not cross the cable. */
static void test_irregular_cable(void **state)
{
	static const unsigned chords[][2] = { { 0, 4 }, { 2, 7 }, { 5, 9 } };
	struct fab f;
	unsigned moved, stray;

	(void)state;
	fab_ring(&f, 10, chords, 3);
	moved = check_cables(&f, 0, NULL, &stray);
	print_message("ring of 10 with 3 chords: %u entries moved over 13 cable losses, %u of "
		      "routes that did not cross the cable\n", moved, stray);
	assert_true(stray * 20 < moved);
	fab_free(&f);
	fab_mesh(&f, 4, 4);
	moved = check_cables(&f, 0, NULL, &stray);
	print_message("4x4 mesh: %u entries moved over 24 cable losses, %u of routes that did "
		      "not cross the cable\n", moved, stray);
	assert_true(stray * 20 < moved);
	fab_free(&f);
}

static void test_fattree_3level(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	uint64_t cores[2] = { G(16), G(17) }, aggs[8];

	(void)state;
	fab_3level(&f, 4, 4, 2);
	/* minhop may route switch LIDs down and up again inside a pod (a
	 * credit loop); whichever engine auto keeps, paths are shortest */
	check_all_engines(&f);
	tables(&f, &t);
	tables(&f, &t2);
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, NULL), 0);
	check_walks(&f.g, &t, 1, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	/* the automatic roots are the cores (2 hops from any leaf) */
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	check_walks(&f.g, &t, 1, NULL);
	assert_int_equal(route_updn(&f.g, cores, 2, &t2), 0);
	assert_true(tables_equal(&t, &t2));
	for (unsigned i = 0; i < 8; i++)
		aggs[i] = G(8 + i);
	assert_int_equal(route_updn(&f.g, aggs, 8, &t2), 0);
	check_walks(&f.g, &t2, 0, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t2), 1);
	assert_false(tables_equal(&t, &t2));
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);
}

static void test_given_roots(void **state)
{
	struct fab f;
	struct rt_tables t, t2;
	uint64_t r3 = G(3), bad[2] = { G(3), 0xdeadbeefULL };
	unsigned i3 = 3;
	uint64_t g2[2] = { G(1), G(4) };
	int *rank;

	(void)state;
	fab_ring(&f, 6, NULL, 0);
	tables(&f, &t);
	tables(&f, &t2);
	assert_int_equal(route_updn(&f.g, &r3, 1, &t), 0);
	rank = ranks_from(&f.g, &i3, 1);
	check_walks(&f.g, &t, 0, rank);
	free(rank);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	assert_int_equal(route_updn(&f.g, NULL, 0, &t2), 0);
	assert_false(tables_equal(&t, &t2));
	/* from 2 to the CA on 4 the only shortest path is up to the root 3 */
	assert_int_equal(f.g.sw[2].peer[t.lft[2][f.g.dest[6 + 4].lid]], 3);
	/* route_compute passes the roots through */
	assert_int_equal(route_compute(&f.g, RT_UPDN, &r3, 1, &t2, NULL), 0);
	assert_true(tables_equal(&t, &t2));
	/* two roots on opposite sides still reach everything */
	assert_int_equal(route_updn(&f.g, g2, 2, &t), 0);
	check_walks(&f.g, &t, 0, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	/* unknown GUID */
	assert_int_equal(route_updn(&f.g, bad, 2, &t), -1);
	assert_int_equal(route_compute(&f.g, RT_UPDN, bad, 2, &t, NULL), -1);
	rt_tables_free(&t);
	rt_tables_free(&t2);
	fab_free(&f);
}

/* Hand-made tables on a ring of 4 (switch LIDs only): one-hop routes, then
 * two-hop clockwise routes from 3 switches (a chain of dependencies), then
 * from the 4th as well (the chain closes: a credit loop). */
static void test_cdg(void **state)
{
	struct fab f;
	struct rt_tables t;
	unsigned cw[4] = { 0 };

	(void)state;
	fab_ring(&f, 4, NULL, 0);
	tables(&f, &t);
	for (unsigned s = 0; s < 4; s++) {
		for (unsigned p = 1; p <= f.g.sw[s].nports; p++)
			if (f.g.sw[s].peer[p] == (int32_t)((s + 1) % 4))
				cw[s] = p;
		assert_true(cw[s] > 0);
		t.lft[s][s + 1] = 0;
		t.lft[s][(s + 1) % 4 + 1] = (uint8_t)cw[s];
	}
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	assert_int_equal(ref_acyclic(&f.g, &t), 1);
	for (unsigned s = 0; s < 3; s++)
		t.lft[s][(s + 2) % 4 + 1] = (uint8_t)cw[s];
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	assert_int_equal(ref_acyclic(&f.g, &t), 1);
	t.lft[3][(3 + 2) % 4 + 1] = (uint8_t)cw[3];
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 0);
	assert_int_equal(ref_acyclic(&f.g, &t), 0);
	/* size mismatch */
	t.nsw--;
	assert_int_equal(route_cdg_acyclic(&f.g, &t), -1);
	t.nsw++;
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_bad_input(void **state)
{
	struct fab f;
	struct rt_tables t;

	(void)state;
	fab_line(&f, 3);
	/* tables for another fabric */
	rt_tables_init(&t, 2, f.g.max_lid);
	assert_int_equal(route_minhop(&f.g, &t), -1);
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), -1);
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, NULL), -1);
	rt_tables_free(&t);
	tables(&f, &t);
	assert_int_equal(route_compute(&f.g, (enum rt_engine)7, NULL, 0, &t, NULL), -1);
	/* garbage in the tables is cleared; a bogus destination is ignored */
	memset(t.lft[1], 7, (size_t)t.max_lid + 1);
	f.g.dest[f.g.ndest++] = (struct rt_dest){ 0, 0, 1 };
	assert_int_equal(route_minhop(&f.g, &t), 0);
	f.g.ndest--;
	check_walks(&f.g, &t, 1, NULL);
	f.g.dest[f.g.ndest++] = (struct rt_dest){ 200, 0, 1 };   /* beyond max_lid */
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	f.g.ndest--;
	check_walks(&f.g, &t, 1, NULL);
	rt_tables_free(&t);
	fab_free(&f);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A port linked twice keeps its first link: the graph stays symmetric
 * (a stale one-sided link in the model must not make a one-way edge). */
static void test_link_twice(void **state)
{
	struct fab f;
	struct rt_tables t;

	(void)state;
	fab_init(&f, 3, 4, 0);
	rt_link(&f.g, 0, 1, 2, 3);
	rt_link(&f.g, 1, 2, 2, 3);   /* switch 2 port 3 is taken */
	assert_int_equal(f.g.sw[0].peer[1], 2);
	assert_int_equal(f.g.sw[2].peer[3], 0);
	assert_int_equal(f.g.sw[1].peer[2], -1);
	rt_link(&f.g, 1, 1, 2, 1);
	rt_tables_init(&t, 3, f.g.max_lid);
	assert_int_equal(route_minhop(&f.g, &t), 0);
	/* switch 1 reaches switch 0 through switch 2, both ways */
	assert_int_equal(t.lft[1][1], 1);
	assert_int_equal(t.lft[2][1], 3);
	assert_int_equal(t.lft[0][2], 1);
	rt_tables_free(&t);
	fab_free(&f);
}

static void test_timing(void **state)
{
	struct fab f;
	struct rt_tables t;
	enum rt_engine used = RT_UPDN;
	double t0, t1, t2, t3;

	(void)state;
	fab_fattree(&f, 64, 32, 32, 1, 64);
	assert_int_equal(f.g.ndest, 2144);
	tables(&f, &t);
	t0 = now();
	assert_int_equal(route_compute(&f.g, RT_AUTO, NULL, 0, &t, &used), 0);
	t1 = now();
	assert_int_equal(used, RT_UPDN);
	check_walks(&f.g, &t, 1, NULL);
	t2 = now();
	assert_int_equal(route_updn(&f.g, NULL, 0, &t), 0);
	t3 = now();
	check_walks(&f.g, &t, 1, NULL);
	assert_int_equal(route_cdg_acyclic(&f.g, &t), 1);
	print_message("2144-LID fat-tree: auto (minhop + CDG) %.1f ms, updn %.1f ms\n",
		      (t1 - t0) * 1e3, (t3 - t2) * 1e3);
	assert_true(t1 - t0 < 1.0);
	assert_true(t3 - t2 < 1.0);
	rt_tables_free(&t);
	fab_free(&f);
}

int main(void)
{
	log_init("test_route", 1, LOG_LVL_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_fattree_minhop),
		cmocka_unit_test(test_fattree_balance),
		cmocka_unit_test(test_fattree_updn),
		cmocka_unit_test(test_fattree_cable),
		cmocka_unit_test(test_irregular_cable),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_ring_chords),
		cmocka_unit_test(test_mesh),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_single_switch),
		cmocka_unit_test(test_disconnected),
		cmocka_unit_test(test_fattree_3level),
		cmocka_unit_test(test_given_roots),
		cmocka_unit_test(test_cdg),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_link_twice),
		cmocka_unit_test(test_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
