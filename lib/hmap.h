/* hmap: open-addressing hash map from a non-zero 64-bit key to a pointer.
 * Used for GUID and LID look-ups so no per-MAD work scans the fabric. */
#ifndef SMD_HMAP_H
#define SMD_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap {
	uint64_t *keys;
	void **vals;
	size_t cap;   /* power of two, 0 when empty */
	size_t count;
};

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);
/* Call fn on every value, then free the map (owners of their values). */
void hmap_free_values(struct hmap *m, void (*fn)(void *val));
void *hmap_get(const struct hmap *m, uint64_t key);
/* Insert or replace. Key 0 means "empty slot": it is never stored. */
void hmap_put(struct hmap *m, uint64_t key, void *val);
void hmap_del(struct hmap *m, uint64_t key);

/* Every entry, in no particular order; the map must not change meanwhile:
 *   size_t it = 0; uint64_t k; void *v;
 *   while (hmap_next(m, &it, &k, &v)) ... */
static inline int hmap_next(const struct hmap *m, size_t *it, uint64_t *key, void **val)
{
	for (; *it < m->cap; (*it)++)
		if (m->keys[*it]) {
			*key = m->keys[*it];
			*val = m->vals[(*it)++];
			return 1;
		}
	return 0;
}

#endif
