/* Unit tests for lib/lid.c: the LID assignment rules of lid.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lid.h"
#include "lidmap.h"
#include "log.h"

#define G(n) (0x0002c90300000000ULL + (n))
#define ABSENT(n) (0x0008f10400000000ULL + (n)) /* GUIDs not in any request */

static void check_unique(const struct lid_req *r, size_t n)
{
	static unsigned char seen[0x10000];

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		if (r[i].assigned == 0)
			continue;
		assert_true(lid_is_ucast(r[i].assigned));
		if (seen[r[i].assigned])
			fail_msg("LID %u assigned twice", r[i].assigned);
		seen[r[i].assigned] = 1;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_keeps_current(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct lid_req r[] = {
		{ G(1), 5, 999 }, /* assigned is output only: overwritten */
		{ G(2), 7, 0 },
		{ G(3), LID_UCAST_MAX, 0 },
		{ G(4), 1, 0 },
	};

	lidmap_set(m, G(1), 9);      /* current beats recorded */
	lidmap_set(m, ABSENT(1), 7); /* a unique current LID is kept even if recorded for another */
	assert_int_equal(lid_assign(r, 4, m), 0);
	assert_int_equal(r[0].assigned, 5);
	assert_int_equal(r[1].assigned, 7);
	assert_int_equal(r[2].assigned, LID_UCAST_MAX);
	assert_int_equal(r[3].assigned, 1);
	/* Pure: the map is untouched. */
	assert_int_equal(lidmap_get(m, G(1)), 9);
	assert_int_equal(lidmap_owner(m, 7), ABSENT(1));
	assert_int_equal(lidmap_count(m), 2);
	lidmap_free(m);
}

static void test_dup_current_map_owner_keeps(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	/* The map's owner is second in the array: ownership, not order, decides. */
	struct lid_req r[] = {
		{ G(1), 5, 0 },
		{ G(2), 5, 0 },
		{ G(3), 0, 0 },
	};

	lidmap_set(m, G(2), 5);
	assert_int_equal(lid_assign(r, 3, m), 0);
	assert_int_equal(r[1].assigned, 5);
	assert_int_equal(r[0].assigned, 1);
	assert_int_equal(r[2].assigned, 2);
	lidmap_free(m);
}

static void test_dup_current_nobody_keeps(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct lid_req r[3];

	/* Map empty: both lose 5 and get the lowest free LIDs. */
	r[0] = (struct lid_req){ G(1), 5, 0 };
	r[1] = (struct lid_req){ G(2), 5, 0 };
	assert_int_equal(lid_assign(r, 2, m), 0);
	assert_int_equal(r[0].assigned, 1);
	assert_int_equal(r[1].assigned, 2);

	/* LID 1 recorded for an absent GUID: nobody keeps it, nobody gets it. */
	lidmap_set(m, ABSENT(1), 1);
	r[0] = (struct lid_req){ G(1), 1, 0 };
	r[1] = (struct lid_req){ G(2), 1, 0 };
	assert_int_equal(lid_assign(r, 2, m), 0);
	assert_int_equal(r[0].assigned, 2);
	assert_int_equal(r[1].assigned, 3);

	/* Recorded for a third request that does not hold it: it gets it in step 2. */
	lidmap_set(m, G(3), 4);
	r[0] = (struct lid_req){ G(1), 4, 0 };
	r[1] = (struct lid_req){ G(2), 4, 0 };
	r[2] = (struct lid_req){ G(3), 0, 0 };
	assert_int_equal(lid_assign(r, 3, m), 0);
	assert_int_equal(r[2].assigned, 4);
	assert_int_equal(r[0].assigned, 2);
	assert_int_equal(r[1].assigned, 3);

	/* Losers fall back to their own recorded LIDs. */
	lidmap_set(m, G(1), 8);
	lidmap_set(m, G(2), 9);
	r[0] = (struct lid_req){ G(1), 6, 0 };
	r[1] = (struct lid_req){ G(2), 6, 0 };
	assert_int_equal(lid_assign(r, 2, m), 0);
	assert_int_equal(r[0].assigned, 8);
	assert_int_equal(r[1].assigned, 9);
	lidmap_free(m);
}

static void test_invalid_current_uses_map(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct lid_req r[] = {
		{ G(1), 0, 0 },
		{ G(2), 0xC000, 0 },
		{ G(3), 0xFFFF, 0 },
		{ G(4), 0xC001, 0 },
	};

	lidmap_set(m, G(1), 42);
	lidmap_set(m, G(2), 43);
	lidmap_set(m, G(3), 44);
	/* G(4) has no record: lowest free. */
	assert_int_equal(lid_assign(r, 4, m), 0);
	assert_int_equal(r[0].assigned, 42);
	assert_int_equal(r[1].assigned, 43);
	assert_int_equal(r[2].assigned, 44);
	assert_int_equal(r[3].assigned, 1);
	lidmap_free(m);
}

static void test_map_lid_taken_by_current(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	/* G(2) is recorded at 10, but G(1) holds 10 now and keeps it. */
	struct lid_req r[] = {
		{ G(2), 0, 0 },
		{ G(1), 10, 0 },
	};

	lidmap_set(m, G(2), 10);
	assert_int_equal(lid_assign(r, 2, m), 0);
	assert_int_equal(r[1].assigned, 10);
	assert_int_equal(r[0].assigned, 1);
	lidmap_free(m);
}

static void test_lowest_free_skips_reserved(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct lid_req r[] = {
		{ G(1), 0, 0 },
		{ G(2), 0, 0 },
		{ G(3), 6, 0 },
		{ G(4), 0, 0 },
	};

	lidmap_set(m, ABSENT(1), 1);
	lidmap_set(m, ABSENT(2), 2);
	lidmap_set(m, ABSENT(4), 4);
	/* 3 free; 5 free; 6 kept by G(3); 7 next. */
	assert_int_equal(lid_assign(r, 4, m), 0);
	assert_int_equal(r[0].assigned, 3);
	assert_int_equal(r[1].assigned, 5);
	assert_int_equal(r[2].assigned, 6);
	assert_int_equal(r[3].assigned, 7);
	/* Reserved LIDs stay untouched when there are free ones. */
	for (size_t i = 0; i < 4; i++)
		assert_true(r[i].assigned != 1 && r[i].assigned != 2 && r[i].assigned != 4);
	lidmap_free(m);
}

static void test_exhaustion_fallback(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct lid_req r[] = {
		{ G(1), 0, 0 },
		{ G(2), 3, 0 },
		{ G(3), 0, 0 },
		{ G(4), 0, 0 },
	};

	/* Every unicast LID is recorded for a port that is not here. */
	for (uint32_t l = LID_UCAST_MIN; l <= LID_UCAST_MAX; l++)
		lidmap_set(m, ABSENT(l), (uint16_t)l);
	assert_int_equal(lidmap_count(m), LID_UCAST_MAX);
	assert_int_equal(lid_assign(r, 4, m), 0);
	assert_int_equal(r[1].assigned, 3); /* unique current LID kept */
	assert_int_equal(r[0].assigned, 1); /* then the lowest not used by a request */
	assert_int_equal(r[2].assigned, 2);
	assert_int_equal(r[3].assigned, 4);

	/* Free LIDs left: those go first, reserved ones only after. */
	lidmap_del(m, ABSENT(100));
	assert_int_equal(lid_assign(r, 4, m), 0);
	assert_int_equal(r[0].assigned, 100);
	assert_int_equal(r[2].assigned, 1);
	assert_int_equal(r[3].assigned, 2);
	lidmap_free(m);
}

static void test_exhausted(void **state)
{
	(void)state;
	size_t n = LID_UCAST_MAX + 2;
	struct lid_req *r = calloc(n, sizeof(*r));

	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		r[i].guid = G(i + 1);
		r[i].assigned = 0xBEEF;
	}
	assert_int_equal(lid_assign(r, n, NULL), -1);
	for (size_t i = 0; i < LID_UCAST_MAX; i++)
		assert_int_equal(r[i].assigned, i + 1);
	assert_int_equal(r[n - 2].assigned, 0);
	assert_int_equal(r[n - 1].assigned, 0);
	free(r);
}

static void test_empty_and_null_map(void **state)
{
	(void)state;
	struct lid_req r[] = { { G(1), 0, 0 }, { G(2), 2, 0 } };

	assert_int_equal(lid_assign(NULL, 0, NULL), 0);
	assert_int_equal(lid_assign(r, 2, NULL), 0);
	assert_int_equal(r[0].assigned, 1);
	assert_int_equal(r[1].assigned, 2);
}

/* A fabric-sized mix: kept, duplicated, recorded, new. */
static struct lid_req *big_fabric(size_t n, struct lidmap *m)
{
	struct lid_req *r = calloc(n, sizeof(*r));
	unsigned seed = 4242;

	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		r[i].guid = G((uint64_t)i * 2654435761u + 1);
		switch ((seed >> 8) % 4) {
		case 0: /* holds a LID, some of them shared */
			r[i].cur = (uint16_t)(1 + (seed >> 12) % LID_UCAST_MAX);
			break;
		case 1: /* recorded, maybe clashing with a current LID */
			lidmap_set(m, r[i].guid, (uint16_t)(1 + (seed >> 12) % LID_UCAST_MAX));
			break;
		case 2: /* invalid current LID */
			r[i].cur = (uint16_t)(0xC000 + (seed >> 12) % 0x4000);
			break;
		default: /* brand new */
			break;
		}
	}
	/* Ports that went away still hold reservations. */
	for (uint32_t k = 0; k < 3000; k++)
		lidmap_set(m, ABSENT(k + 1), (uint16_t)(1 + (k * 16u) % LID_UCAST_MAX));
	return r;
}

static void test_large_is_quick(void **state)
{
	(void)state;
	const size_t sizes[] = { 45000, 50000 };

	for (size_t s = 0; s < 2; s++) {
		size_t n = sizes[s];
		struct lidmap *m = lidmap_new();
		struct lid_req *r = big_fabric(n, m);
		struct lid_req *r2 = malloc(n * sizeof(*r2));
		assert_non_null(r2);
		memcpy(r2, r, n * sizeof(*r));

		double t0 = now_s();
		int rc = lid_assign(r, n, m);
		double dt = now_s() - t0;
		if (dt > 2.0)
			fail_msg("lid_assign(%zu) took %.2f s", n, dt);

		check_unique(r, n);
		size_t got = 0;
		for (size_t i = 0; i < n; i++)
			got += r[i].assigned != 0;
		if (n <= LID_UCAST_MAX) {
			assert_int_equal(rc, 0);
			assert_int_equal(got, n);
		} else {
			/* More ports than LIDs: every LID handed out, then failure. */
			assert_int_equal(rc, -1);
			assert_int_equal(got, LID_UCAST_MAX);
		}

		/* Deterministic: same input, same output. */
		assert_int_equal(lid_assign(r2, n, m), rc);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(r2[i].assigned, r[i].assigned);
		free(r2);
		free(r);
		lidmap_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_current),
		cmocka_unit_test(test_dup_current_map_owner_keeps),
		cmocka_unit_test(test_dup_current_nobody_keeps),
		cmocka_unit_test(test_invalid_current_uses_map),
		cmocka_unit_test(test_map_lid_taken_by_current),
		cmocka_unit_test(test_lowest_free_skips_reserved),
		cmocka_unit_test(test_exhaustion_fallback),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_empty_and_null_map),
		cmocka_unit_test(test_large_is_quick),
	};

	log_init("test_lid", 1, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
