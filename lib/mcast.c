#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcast.h"
#include "xalloc.h"

void mc_init(struct mc_table *t)
{
	memset(t, 0, sizeof(*t));
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
	t->groups = NULL;
	t->ngroups = 0;
	t->changes++;
}

struct mc_group *mc_find(const struct mc_table *t, const uint8_t mgid[16])
{
	for (struct mc_group *g = t->groups; g; g = g->next)
		if (!memcmp(g->mgid, mgid, 16))
			return g;
	return NULL;
}

struct mc_group *mc_find_mlid(const struct mc_table *t, uint16_t mlid)
{
	for (struct mc_group *g = t->groups; g; g = g->next)
		if (g->mlid == mlid)
			return g;
	return NULL;
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
		mlid = MC_MLID_FIRST;  /* the list is sorted by MLID: one walk */
		for (const struct mc_group *o = t->groups; o && o->mlid <= mlid; o = o->next)
			if (o->mlid == mlid)
				mlid++;
		if (mlid > last)
			return NULL;
	}
	struct mc_group *g = xcalloc(1, sizeof(*g));
	memcpy(g->mgid, mgid, 16);
	g->mlid = mlid;
	hmap_init(&g->members);
	/* Sorted by MLID: listings come out in a stable order. */
	struct mc_group **pp = &t->groups;
	while (*pp && (*pp)->mlid < mlid)
		pp = &(*pp)->next;
	g->next = *pp;
	*pp = g;
	t->ngroups++;
	t->changes++;
	return g;
}

int mc_may_create(const struct mc_table *t, uint64_t creator)
{
	unsigned cap = t->mlid_cap && t->mlid_cap < MC_MAX_GROUPS ? t->mlid_cap : MC_MAX_GROUPS;
	unsigned mine = 0;

	if (t->ngroups + cap / 8 < cap)
		return 1;                      /* not into the reserve */
	for (const struct mc_group *g = t->groups; g && mine < MC_LIGHT; g = g->next)
		mine += creator && g->creator == creator;
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
		t->changes++;
	m->join_state |= join_state;
	return m->join_state;
}

static void mc_unlink(struct mc_table *t, struct mc_group *g)
{
	for (struct mc_group **pp = &t->groups; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			t->ngroups--;
			mc_group_free(g);
			return;
		}
}

int mc_leave(struct mc_table *t, struct mc_group *g, uint64_t guid, uint8_t join_state, int *gone)
{
	struct mc_member *m = mc_member(g, guid);

	*gone = 0;
	if (!m || !(m->join_state & join_state))
		return -1;
	m->join_state &= (uint8_t)~join_state;
	t->changes++;
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
