/* lid: choosing LIDs. Requests are handled in array order in every step, so
 * the same input always yields the same LIDs. O(n + LID space). */
#include "lid.h"

#include <limits.h>
#include <string.h>

#define LID_SPACE (LID_UCAST_MAX + 1)
#define LID_WORD_BITS (sizeof(unsigned long) * CHAR_BIT)
#define LID_WORDS ((LID_SPACE + LID_WORD_BITS - 1) / LID_WORD_BITS)

struct lid_bits {
	unsigned long w[LID_WORDS];
};

static int lid_bit_test(const struct lid_bits *b, uint16_t lid)
{
	return (b->w[lid / LID_WORD_BITS] >> (lid % LID_WORD_BITS)) & 1ul;
}

static void lid_bit_set(struct lid_bits *b, uint16_t lid)
{
	b->w[lid / LID_WORD_BITS] |= 1ul << (lid % LID_WORD_BITS);
}

/* Step 1: keep current LIDs. dup marks LIDs held by more than one request;
 * of those only the holder the map records may keep it (once). */
static void lid_keep_current(struct lid_req *reqs, size_t n, const struct lidmap *map,
			     struct lid_bits *used)
{
	struct lid_bits seen, dup;

	memset(&seen, 0, sizeof(seen));
	memset(&dup, 0, sizeof(dup));
	for (size_t i = 0; i < n; i++) {
		uint16_t l = reqs[i].cur;
		if (!lid_is_ucast(l))
			continue;
		if (lid_bit_test(&seen, l))
			lid_bit_set(&dup, l);
		lid_bit_set(&seen, l);
	}
	for (size_t i = 0; i < n; i++) {
		uint16_t l = reqs[i].cur;
		if (!lid_is_ucast(l) || lid_bit_test(used, l))
			continue;
		if (lid_bit_test(&dup, l) && lidmap_owner(map, l) != reqs[i].guid)
			continue;
		reqs[i].assigned = l;
		lid_bit_set(used, l);
	}
}

/* Step 2: the LID the map records for the GUID, when still free. */
static void lid_use_recorded(struct lid_req *reqs, size_t n, const struct lidmap *map,
			     struct lid_bits *used)
{
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].assigned)
			continue;
		uint16_t l = lidmap_get(map, reqs[i].guid);
		if (!lid_is_ucast(l) || lid_bit_test(used, l))
			continue;
		reqs[i].assigned = l;
		lid_bit_set(used, l);
	}
}

/* Next LID >= *cursor that is free (and, if spare_map, not recorded for
 * anyone: a request's own recorded LID was already granted in step 2 or is
 * taken). Returns 0 when none is left. Cursors only move up because the
 * used set only grows. */
static uint16_t lid_next_free(uint32_t *cursor, const struct lid_bits *used,
			      const struct lidmap *map, int spare_map)
{
	for (; *cursor <= LID_UCAST_MAX; (*cursor)++) {
		uint16_t l = (uint16_t)*cursor;
		if (lid_bit_test(used, l))
			continue;
		if (spare_map && lidmap_owner(map, l) != 0)
			continue;
		return l;
	}
	return 0;
}

/* Step 3: lowest free LID, falling back to LIDs reserved in the map. */
static int lid_use_lowest(struct lid_req *reqs, size_t n, const struct lidmap *map,
			  struct lid_bits *used)
{
	uint32_t spare = LID_UCAST_MIN, any = LID_UCAST_MIN;

	for (size_t i = 0; i < n; i++) {
		if (reqs[i].assigned)
			continue;
		uint16_t l = lid_next_free(&spare, used, map, 1);
		if (!l)
			l = lid_next_free(&any, used, map, 0);
		if (!l)
			return -1;
		reqs[i].assigned = l;
		lid_bit_set(used, l);
	}
	return 0;
}

int lid_assign(struct lid_req *reqs, size_t n, const struct lidmap *map)
{
	struct lid_bits used;

	if (n > 0 && !reqs)
		return -1;
	memset(&used, 0, sizeof(used));
	for (size_t i = 0; i < n; i++)
		reqs[i].assigned = 0;
	lid_keep_current(reqs, n, map, &used);
	lid_use_recorded(reqs, n, map, &used);
	return lid_use_lowest(reqs, n, map, &used);
}
