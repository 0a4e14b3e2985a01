#include <stdlib.h>
#include "hmap.h"
#include "xalloc.h"

/* splitmix64 finaliser: GUIDs share vendor prefixes, so mix all bits. */
static size_t hmap_hash(uint64_t k, size_t cap)
{
	k ^= k >> 30; k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27; k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k & (cap - 1);
}

void hmap_init(struct hmap *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->count = 0;
}

void hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
	hmap_init(m);
}

static size_t hmap_find(const struct hmap *m, uint64_t key)
{
	size_t i = hmap_hash(key, m->cap);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *hmap_get(const struct hmap *m, uint64_t key)
{
	if (!m->cap || !key)
		return NULL;
	size_t i = hmap_find(m, key);
	return m->keys[i] ? m->vals[i] : NULL;
}

static void hmap_grow(struct hmap *m)
{
	struct hmap n;
	n.cap = m->cap ? m->cap * 2 : 64;
	n.count = 0;
	n.keys = xcalloc(n.cap, sizeof(*n.keys));
	n.vals = xcalloc(n.cap, sizeof(*n.vals));
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			hmap_put(&n, m->keys[i], m->vals[i]);
	hmap_free(m);
	*m = n;
}

void hmap_put(struct hmap *m, uint64_t key, void *val)
{
	if (!key)
		return;
	if ((m->count + 1) * 4 > m->cap * 3)
		hmap_grow(m);
	size_t i = hmap_find(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->count++;
	}
	m->vals[i] = val;
}

void hmap_del(struct hmap *m, uint64_t key)
{
	if (!m->cap || !key)
		return;
	size_t i = hmap_find(m, key);
	if (!m->keys[i])
		return;
	m->keys[i] = 0;
	m->count--;
	/* Re-insert the rest of the probe run so look-ups still find them. */
	for (size_t j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		uint64_t k = m->keys[j];
		void *v = m->vals[j];
		m->keys[j] = 0;
		m->count--;
		hmap_put(m, k, v);
	}
}

void hmap_free_values(struct hmap *m, void (*fn)(void *val))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			fn(m->vals[i]);
	hmap_free(m);
}
