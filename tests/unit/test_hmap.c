/* hmap: insert, look up, delete, iterate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "hmap.h"

static void test_hmap(void **st)
{
	struct hmap m;
	static int vals[5000];
	(void)st;
	hmap_init(&m);
	assert_null(hmap_get(&m, 5));
	for (int i = 0; i < 5000; i++)
		hmap_put(&m, 0x0002c90300000000ULL + (uint64_t)i * 2, &vals[i]);
	assert_int_equal(m.count, 5000);
	for (int i = 0; i < 5000; i++)
		assert_ptr_equal(hmap_get(&m, 0x0002c90300000000ULL + (uint64_t)i * 2), &vals[i]);
	assert_null(hmap_get(&m, 0x0002c90300000001ULL));
	/* deleting half keeps the rest reachable (probe runs repaired) */
	for (int i = 0; i < 5000; i += 2)
		hmap_del(&m, 0x0002c90300000000ULL + (uint64_t)i * 2);
	assert_int_equal(m.count, 2500);
	for (int i = 0; i < 5000; i++) {
		void *v = hmap_get(&m, 0x0002c90300000000ULL + (uint64_t)i * 2);
		if (i % 2)
			assert_ptr_equal(v, &vals[i]);
		else
			assert_null(v);
	}
	hmap_put(&m, 0, &vals[0]);  /* 0 is "empty": never stored */
	assert_int_equal(m.count, 2500);
	assert_null(hmap_get(&m, 0));
	/* the iterator visits each remaining entry once, with its value */
	static unsigned char seen[5000];
	size_t it = 0, visits = 0;
	uint64_t key;
	void *val;
	while (hmap_next(&m, &it, &key, &val)) {
		unsigned i = (unsigned)((key - 0x0002c90300000000ULL) / 2);
		assert_true(i < 5000 && i % 2);
		assert_ptr_equal(val, &vals[i]);
		assert_int_equal(seen[i]++, 0);
		visits++;
	}
	assert_int_equal(visits, 2500);
	assert_false(hmap_next(&m, &it, &key, &val));  /* stays at the end */
	hmap_free(&m);
	it = 0;
	assert_false(hmap_next(&m, &it, &key, &val));  /* an empty map */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
