#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcast.h"
#include "xalloc.h"

void mc_init(struct mc_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void mc_set(uint64_t *w, unsigned i, int on)
{
	if (on)
		w[i / 64] |= 1ull << (i % 64);
	else
		w[i / 64] &= ~(1ull << (i % 64));
}

/* A group's forwarding must be recomputed. */
static void mc_mark(struct mc_table *t, const struct mc_group *g)
{
	mc_set(t->dirty, g->mlid - MC_MLID_FIRST, 1);
	t->changes++;
}

void mc_dirty_clear(struct mc_table *t)
{
	memset(t->dirty, 0, sizeof(t->dirty));
	t->dirty_all = 0;
}

unsigned mc_mlid_end(const struct mc_table *t)
{
	for (unsigned w = MC_WORDS; w-- > 0;)
		if (t->used[w])
			return w * 64 + 64 - (unsigned)__builtin_clzll(t->used[w]);
	return 0;
}

/* FNV-1a of the MGID; never 0 (the map's empty key). */
static uint64_t mc_hash(const uint8_t mgid[16])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ mgid[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static void mc_group_free(struct mc_group *g)
{
	hmap_free_values(&g->members, free);
	free(g);
}

void mc_clear(struct mc_table *t)
{
	struct mc_group *g = t->groups, *n;
	for (; g; g = n) {
		n = g->next;
		mc_group_free(g);
	}
	unsigned changes = t->changes, cap = t->mlid_cap;
	free(t->by_mlid);
	hmap_free(&t->by_mgid);
	hmap_free(&t->made);
	mc_init(t);
	t->mlid_cap = cap;
	t->changes = changes + 1;
	t->dirty_all = 1;
}

struct mc_group *mc_find(const struct mc_table *t, const uint8_t mgid[16])
{
	for (struct mc_group *g = hmap_get(&t->by_mgid, mc_hash(mgid)); g; g = g->hnext)
		if (!memcmp(g->mgid, mgid, 16))
			return g;
	return NULL;
}

struct mc_group *mc_find_mlid(const struct mc_table *t, uint16_t mlid)
{
	if (!t->by_mlid || mlid < MC_MLID_FIRST || mlid > MC_MLID_LAST)
		return NULL;
	return t->by_mlid[mlid - MC_MLID_FIRST];
}

/* The lowest MLID offset not taken, below end; end if none. */
static unsigned mc_lowest_free(const struct mc_table *t, unsigned end)
{
	for (unsigned w = 0; w < MC_WORDS && w * 64 < end; w++)
		if (~t->used[w]) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(~t->used[w]);
			return i < end ? i : end;
		}
	return end;
}

char *mc_gid_str(const uint8_t g[16], char *buf, size_t len)
{
	snprintf(buf, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
	return buf;
}

struct mc_group *mc_create(struct mc_table *t, const uint8_t mgid[16], uint16_t mlid)
{
	if (t->ngroups >= MC_MAX_GROUPS)
		return NULL;
	/* Beyond what the switches forward a group would be joined and never
	 * delivered: refused instead (OpenSM caps MLIDs the same way). */
	unsigned last = t->mlid_cap && t->mlid_cap < MC_MAX_GROUPS ?
				MC_MLID_FIRST + t->mlid_cap - 1 : MC_MLID_LAST;
	if (mlid < MC_MLID_FIRST || mlid > last || mc_find_mlid(t, mlid)) {
		/* The lowest free one: the same MLID for the same group after a
		 * restart or failover, as long as groups come in the same order. */
		unsigned i = mc_lowest_free(t, last - MC_MLID_FIRST + 1);
		if (i > last - MC_MLID_FIRST)
			return NULL;
		mlid = (uint16_t)(MC_MLID_FIRST + i);
	}
	if (!t->by_mlid)
		t->by_mlid = xcalloc(MC_MAX_GROUPS, sizeof(*t->by_mlid));
	struct mc_group *g = xcalloc(1, sizeof(*g));
	memcpy(g->mgid, mgid, 16);
	g->mlid = mlid;
	hmap_init(&g->members);
	/* Sorted by MLID: listings come out in a stable order. The group
	 * before it is usually the MLID just below (lowest free). */
	unsigned i = mlid - MC_MLID_FIRST;
	struct mc_group *prev = NULL;
	for (unsigned j = i; j-- > 0 && !prev;)
		prev = t->by_mlid[j];
	g->prev = prev;
	g->next = prev ? prev->next : t->groups;
	if (g->next)
		g->next->prev = g;
	if (prev)
		prev->next = g;
	else
		t->groups = g;
	t->by_mlid[i] = g;
	mc_set(t->used, i, 1);
	uint64_t h = mc_hash(mgid);
	g->hnext = hmap_get(&t->by_mgid, h);
	hmap_put(&t->by_mgid, h, g);
	t->ngroups++;
	mc_mark(t, g);
	return g;
}

void mc_set_creator(struct mc_table *t, struct mc_group *g, uint64_t creator)
{
	if (g->creator) {
		uintptr_t n = (uintptr_t)hmap_get(&t->made, g->creator);
		if (n > 1)
			hmap_put(&t->made, g->creator, (void *)(n - 1));
		else
			hmap_del(&t->made, g->creator);
	}
	g->creator = creator;
	if (creator)
		hmap_put(&t->made, creator, (void *)((uintptr_t)hmap_get(&t->made, creator) + 1));
}

int mc_may_create(const struct mc_table *t, uint64_t creator)
{
	unsigned cap = t->mlid_cap && t->mlid_cap < MC_MAX_GROUPS ? t->mlid_cap : MC_MAX_GROUPS;
	unsigned mine = 0;

	if (t->ngroups + cap / 8 < cap)
		return 1;                      /* not into the reserve */
	if (creator)
		mine = (unsigned)(uintptr_t)hmap_get(&t->made, creator);
	return mine < MC_LIGHT;
}

struct mc_member *mc_member(const struct mc_group *g, uint64_t guid)
{
	return guid ? hmap_get(&g->members, guid) : NULL;
}

uint8_t mc_join(struct mc_table *t, struct mc_group *g, uint64_t guid, uint8_t join_state)
{
	if (!guid)
		return 0;  /* no port: the map's keys are not 0 */
	struct mc_member *m = mc_member(g, guid);
	if (!m) {
		m = xcalloc(1, sizeof(*m));
		hmap_put(&g->members, guid, m);
		m->guid = guid;
		g->nmembers++;
	}
	if ((m->join_state | join_state) != m->join_state)
		mc_mark(t, g);
	m->join_state |= join_state;
	return m->join_state;
}

static void mc_unlink(struct mc_table *t, struct mc_group *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		t->groups = g->next;
	if (g->next)
		g->next->prev = g->prev;
	unsigned i = g->mlid - MC_MLID_FIRST;
	t->by_mlid[i] = NULL;
	mc_set(t->used, i, 0);
	uint64_t h = mc_hash(g->mgid);
	struct mc_group *c = hmap_get(&t->by_mgid, h);
	if (c == g) {
		if (g->hnext)
			hmap_put(&t->by_mgid, h, g->hnext);
		else
			hmap_del(&t->by_mgid, h);
	} else {
		while (c && c->hnext != g)
			c = c->hnext;
		if (c)
			c->hnext = g->hnext;
	}
	mc_set_creator(t, g, 0);
	mc_mark(t, g);
	t->ngroups--;
	mc_group_free(g);
}

int mc_leave(struct mc_table *t, struct mc_group *g, uint64_t guid, uint8_t join_state, int *gone)
{
	struct mc_member *m = mc_member(g, guid);

	*gone = 0;
	if (!m || !(m->join_state & join_state))
		return -1;
	m->join_state &= (uint8_t)~join_state;
	mc_mark(t, g);
	if (!m->join_state) {
		hmap_del(&g->members, guid);
		free(m);
		g->nmembers--;
	}
	if (!g->nmembers && !g->permanent) {
		mc_unlink(t, g);
		*gone = 1;
	}
	return 0;
}

static int mc_cmp_guid(const void *a, const void *b)
{
	uint64_t x = (*(struct mc_member *const *)a)->guid, y = (*(struct mc_member *const *)b)->guid;
	return x < y ? -1 : x > y;
}

unsigned mc_members(const struct mc_group *g, struct mc_member **out, unsigned max)
{
	unsigned n = 0;
	size_t it = 0;
	uint64_t guid;
	void *m;
	while (n < max && hmap_next(&g->members, &it, &guid, &m))
		out[n++] = m;
	qsort(out, n, sizeof(*out), mc_cmp_guid);
	return n;
}

struct mc_group *mc_ipoib_broadcast(const struct mc_table *t)
{
	uint8_t mgid[16];
	mc_ipoib_broadcast_mgid(mgid, 0xffff);
	return mc_find(t, mgid);
}

void mc_ipoib_broadcast_mgid(uint8_t mgid[16], uint16_t pkey)
{
	static const uint8_t base[16] = { 0xff, 0x12, 0x40, 0x1b, 0, 0, 0, 0,
					  0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	memcpy(mgid, base, 16);
	mgid[4] = (uint8_t)(pkey >> 8);
	mgid[5] = (uint8_t)pkey;
}

unsigned mc_prune_by(struct mc_table *t,
		     int (*keep)(void *arg, const struct mc_group *g, uint64_t guid), void *arg)
{
	unsigned n = 0;
	struct mc_group *g = t->groups, *next;

	for (; g; g = next) {
		next = g->next;
		/* The members first (leaving changes the table under a scan). */
		struct mc_member **mb = xcalloc(g->nmembers + 1, sizeof(*mb));
		unsigned k = mc_members(g, mb, g->nmembers);
		uint64_t *drop = xcalloc(k + 1, sizeof(*drop));
		unsigned nd = 0;
		for (unsigned i = 0; i < k; i++)
			if (!keep(arg, g, mb[i]->guid))
				drop[nd++] = mb[i]->guid;
		free(mb);
		int gone = 0;
		for (unsigned i = 0; i < nd && !gone; i++, n++) {
			struct mc_member *m = mc_member(g, drop[i]);
			(void)mc_leave(t, g, drop[i], m->join_state, &gone);
		}
		free(drop);
	}
	return n;
}

struct mc_present {
	int (*present)(void *arg, uint64_t guid);
	void *arg;
};

static int mc_keep_present(void *arg, const struct mc_group *g, uint64_t guid)
{
	const struct mc_present *p = arg;
	(void)g;
	return p->present(p->arg, guid);
}

unsigned mc_prune(struct mc_table *t, int (*present)(void *arg, uint64_t guid), void *arg)
{
	struct mc_present p = { present, arg };
	return mc_prune_by(t, mc_keep_present, &p);
}

void mc_remove(struct mc_table *t, struct mc_group *g)
{
	t->changes++;
	mc_unlink(t, g);
}
