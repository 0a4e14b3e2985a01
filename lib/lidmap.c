/* lidmap: the GUID -> LID map itself; its file is lidfile.c's.
 *
 * GUID -> LID lives in an hmap (the LID stored as the value); LID -> GUID is
 * a flat array over the unicast range, allocated on first use. Both are O(1)
 * per lookup. */
#include "lidmap.h"

#include <stdlib.h>

#include "lidmap_int.h"
#include "xalloc.h"

#define m_count(m) ((m)->by_guid.count)

void lidmap_clear(struct lidmap *m)
{
	hmap_free(&m->by_guid);
	free(m->owner);
	m->owner = NULL;
}

struct lidmap *lidmap_new(void)
{
	struct lidmap *m = xcalloc(1, sizeof(*m));

	hmap_init(&m->by_guid);
	return m;
}

void lidmap_free(struct lidmap *m)
{
	if (!m)
		return;
	lidmap_clear(m);
	free(m->dir);
	free(m);
}

uint16_t lidmap_get(const struct lidmap *m, uint64_t guid)
{
	return m ? (uint16_t)(uintptr_t)hmap_get(&m->by_guid, guid) : 0;
}

uint64_t lidmap_owner(const struct lidmap *m, uint16_t lid)
{
	if (!m || !m->owner || !lid_is_ucast(lid))
		return 0;
	return m->owner[lid];
}

void lidmap_del(struct lidmap *m, uint64_t guid)
{
	uint16_t lid = lidmap_get(m, guid);

	if (!lid)
		return;
	m->owner[lid] = 0;
	hmap_del(&m->by_guid, guid);
	m->dirty = 1;
}

/* GUID 0 and non-unicast LIDs are ignored: the map only ever holds what a
 * valid guid2lid file can express, so a save always loads back. */
void lidmap_set(struct lidmap *m, uint64_t guid, uint16_t lid)
{
	if (!m || guid == 0 || !lid_is_ucast(lid))
		return;
	uint16_t old = lidmap_get(m, guid);
	if (old == lid)
		return;
	if (!m->owner)
		m->owner = xcalloc(LID_UCAST_MAX + 1, sizeof(*m->owner));
	if (m->owner[lid] != 0)  /* another GUID: guid itself does not hold lid */
		lidmap_del(m, m->owner[lid]);
	hmap_put(&m->by_guid, guid, (void *)(uintptr_t)lid);
	if (old)
		m->owner[old] = 0;
	m->owner[lid] = guid;
	m->dirty = 1;
}

size_t lidmap_count(const struct lidmap *m)
{
	return m ? m_count(m) : 0;
}

int lidmap_dirty(const struct lidmap *m)
{
	return m ? m->dirty : 0;
}

static int lidmap_ent_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct lidmap_ent *)a)->guid;
	uint64_t y = ((const struct lidmap_ent *)b)->guid;
	return (x > y) - (x < y);
}

struct lidmap_ent *lidmap_sorted(const struct lidmap *m)
{
	struct lidmap_ent *v;
	size_t k = 0;

	if (m_count(m) == 0)
		return NULL;
	v = xreallocarray(NULL, m_count(m), sizeof(*v));
	size_t it = 0;
	uint64_t guid;
	void *lid;
	while (hmap_next(&m->by_guid, &it, &guid, &lid)) {
		v[k].guid = guid;
		v[k].lid = (uint16_t)(uintptr_t)lid;
		k++;
	}
	qsort(v, k, sizeof(*v), lidmap_ent_cmp);
	return v;
}

/* Iterates over a snapshot, so cb may modify the map. */
void lidmap_foreach(const struct lidmap *m, int (*cb)(void *arg, uint64_t guid, uint16_t lid), void *arg)
{
	struct lidmap_ent *v;
	size_t n;

	if (!m || !cb)
		return;
	n = m_count(m);
	v = lidmap_sorted(m);
	for (size_t i = 0; i < n; i++)
		if (cb(arg, v[i].guid, v[i].lid))
			break;
	free(v);
}
