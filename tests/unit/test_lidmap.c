/* Unit tests for lib/lidmap.c and lib/lidfile.c: the map itself, its state
 * file, the migration of an older smd's guid2lid and the import of
 * OpenSM's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lidmap.h"
#include "log.h"

#define G(n) (0x0002c90300000000ULL + (n))

/* ---- helpers ---- */

static char *mktmpdir(void)
{
	char *d = strdup("/tmp/test_lidmap.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) >= 0);
	return p;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	assert_non_null(f);
	for (;;) {
		if (n + 4096 > cap) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Entries of dir other than . and .. (up to max copied); returns the count. */
static int list_dir(const char *dir, char names[][256], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n < max)
			snprintf(names[n], 256, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void rm_rf(const char *dir)
{
	char names[64][256];
	int n = list_dir(dir, names, 64);

	for (int i = 0; i < n && i < 64; i++) {
		char *p = join(dir, names[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* Run fn (lidmap_load or lidmap_import) with stderr captured into a
 * malloc'd string. */
static int call_capturing(int (*fn)(struct lidmap *, const char *), struct lidmap *m,
			  const char *arg, char **log)
{
	char logpath[] = "/tmp/test_lidmap_log.XXXXXX";
	int fd = mkstemp(logpath);
	int saved;
	int rc;
	size_t len;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	rc = fn(m, arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	*log = read_file(logpath, &len);
	unlink(logpath);
	return rc;
}

static int load_capturing(struct lidmap *m, const char *dir, char **log)
{
	return call_capturing(lidmap_load, m, dir, log);
}

static void assert_log_has(const char *log, const char *want)
{
	if (!strstr(log, want))
		fail_msg("log lacks \"%s\":\n%s", want, log);
}

/* The file at path still holds exactly text. */
static void assert_file_is(const char *path, const char *text)
{
	size_t len;
	char *got = read_file(path, &len);

	assert_int_equal(len, strlen(text));
	assert_memory_equal(got, text, len);
	free(got);
}

/* ---- in-memory map ---- */

static void test_set_get_owner(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();

	assert_non_null(m);
	assert_int_equal(lidmap_count(m), 0);
	assert_int_equal(lidmap_get(m, G(1)), 0);
	assert_int_equal(lidmap_owner(m, 1), 0);

	lidmap_set(m, G(1), 1);
	lidmap_set(m, G(2), 2);
	lidmap_set(m, G(3), LID_UCAST_MAX);
	assert_int_equal(lidmap_count(m), 3);
	assert_int_equal(lidmap_get(m, G(1)), 1);
	assert_int_equal(lidmap_get(m, G(2)), 2);
	assert_int_equal(lidmap_get(m, G(3)), LID_UCAST_MAX);
	assert_int_equal(lidmap_get(m, G(4)), 0);
	assert_int_equal(lidmap_owner(m, 1), G(1));
	assert_int_equal(lidmap_owner(m, 2), G(2));
	assert_int_equal(lidmap_owner(m, LID_UCAST_MAX), G(3));
	assert_int_equal(lidmap_owner(m, 3), 0);
	assert_int_equal(lidmap_owner(m, 0), 0);
	assert_int_equal(lidmap_owner(m, 0xC000), 0);
	assert_int_equal(lidmap_owner(m, 0xFFFF), 0);

	lidmap_del(m, G(2));
	assert_int_equal(lidmap_count(m), 2);
	assert_int_equal(lidmap_get(m, G(2)), 0);
	assert_int_equal(lidmap_owner(m, 2), 0);
	lidmap_del(m, G(2)); /* absent: no-op */
	assert_int_equal(lidmap_count(m), 2);
	lidmap_free(m);
}

static void test_set_rejects_invalid(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();

	lidmap_set(m, 0, 5);
	lidmap_set(m, G(1), 0);
	lidmap_set(m, G(1), 0xC000);
	lidmap_set(m, G(1), 0xFFFF);
	assert_int_equal(lidmap_count(m), 0);
	assert_false(lidmap_dirty(m));
	assert_int_equal(lidmap_owner(m, 5), 0);
	lidmap_free(m);
}

static void test_set_moves_lid(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();

	/* A LID handed to another GUID leaves its previous owner without one. */
	lidmap_set(m, G(1), 5);
	lidmap_set(m, G(2), 5);
	assert_int_equal(lidmap_count(m), 1);
	assert_int_equal(lidmap_get(m, G(1)), 0);
	assert_int_equal(lidmap_get(m, G(2)), 5);
	assert_int_equal(lidmap_owner(m, 5), G(2));

	/* A GUID moving to a new LID frees its old one. */
	lidmap_set(m, G(2), 6);
	assert_int_equal(lidmap_count(m), 1);
	assert_int_equal(lidmap_owner(m, 5), 0);
	assert_int_equal(lidmap_owner(m, 6), G(2));

	/* Both at once: G(3) takes G(2)'s LID while leaving its own. */
	lidmap_set(m, G(3), 7);
	lidmap_set(m, G(3), 6);
	assert_int_equal(lidmap_count(m), 1);
	assert_int_equal(lidmap_get(m, G(2)), 0);
	assert_int_equal(lidmap_get(m, G(3)), 6);
	assert_int_equal(lidmap_owner(m, 7), 0);
	assert_int_equal(lidmap_owner(m, 6), G(3));
	lidmap_free(m);
}

static void test_dirty_tracking(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	struct lidmap *m = lidmap_new();

	assert_int_equal(lidmap_load(m, dir), 0);
	assert_false(lidmap_dirty(m));
	lidmap_set(m, G(1), 10);
	assert_true(lidmap_dirty(m));
	assert_int_equal(lidmap_save(m), 0);
	assert_false(lidmap_dirty(m));

	lidmap_set(m, G(1), 10); /* same value: no change */
	assert_false(lidmap_dirty(m));
	lidmap_del(m, G(99)); /* absent: no change */
	assert_false(lidmap_dirty(m));

	lidmap_set(m, G(1), 11);
	assert_true(lidmap_dirty(m));
	assert_int_equal(lidmap_save(m), 0);
	lidmap_del(m, G(1));
	assert_true(lidmap_dirty(m));

	lidmap_free(m);
	rm_rf(dir);
	free(dir);
}

/* A random walk checked against a plain array: exercises growth and the
 * backward-shift deletion in the hash. */
static void test_hash_stress(void **state)
{
	(void)state;
	enum { NG = 20000 };
	static uint16_t ref[NG];
	static uint64_t refown[LID_UCAST_MAX + 1];
	struct lidmap *m = lidmap_new();
	unsigned seed = 12345;
	size_t count = 0;

	memset(ref, 0, sizeof(ref));
	memset(refown, 0, sizeof(refown));
	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned g = (seed >> 8) % NG;
		seed = seed * 1103515245u + 12345u;
		uint16_t lid = (uint16_t)(1 + (seed >> 8) % 30000);
		/* Same-vendor GUIDs with the index in both halves. */
		uint64_t guid = G(((uint64_t)g << 32) | (g + 1));
		if ((seed >> 4) % 4 == 0) {
			lidmap_del(m, guid);
			if (ref[g]) {
				refown[ref[g]] = 0;
				ref[g] = 0;
				count--;
			}
			continue;
		}
		lidmap_set(m, guid, lid);
		if (ref[g] == lid)
			continue;
		if (refown[lid]) {
			unsigned og = (unsigned)(refown[lid] - 1);
			ref[og] = 0;
			count--;
		}
		if (ref[g])
			refown[ref[g]] = 0;
		else
			count++;
		ref[g] = lid;
		refown[lid] = (uint64_t)g + 1;
	}
	assert_int_equal(lidmap_count(m), count);
	for (unsigned g = 0; g < NG; g++) {
		uint64_t guid = G(((uint64_t)g << 32) | (g + 1));
		assert_int_equal(lidmap_get(m, guid), ref[g]);
	}
	for (unsigned l = 1; l <= LID_UCAST_MAX; l++) {
		uint64_t want = refown[l] ? G(((refown[l] - 1) << 32) | refown[l]) : 0;
		assert_int_equal(lidmap_owner(m, (uint16_t)l), want);
	}
	lidmap_free(m);
}

struct fe_ctx {
	uint64_t last;
	int calls;
	int stop_after;
};

static int fe_cb(void *arg, uint64_t guid, uint16_t lid)
{
	struct fe_ctx *c = arg;

	assert_true(guid > c->last);
	assert_true(lid_is_ucast(lid));
	c->last = guid;
	c->calls++;
	return c->stop_after && c->calls == c->stop_after;
}

static void test_foreach_order(void **state)
{
	(void)state;
	struct lidmap *m = lidmap_new();
	struct fe_ctx c = { 0, 0, 0 };

	lidmap_foreach(m, fe_cb, &c); /* empty map */
	assert_int_equal(c.calls, 0);
	for (unsigned i = 0; i < 500; i++)
		lidmap_set(m, G((i * 7919u) % 1000 + 1), (uint16_t)(i + 1));
	lidmap_foreach(m, fe_cb, &c);
	assert_int_equal(c.calls, 500);

	c = (struct fe_ctx){ 0, 0, 3 };
	lidmap_foreach(m, fe_cb, &c);
	assert_int_equal(c.calls, 3);
	lidmap_free(m);
}

/* ---- state file ---- */

static void test_missing_file(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	struct lidmap *m = lidmap_new();

	assert_int_equal(lidmap_load(m, dir), 0);
	assert_int_equal(lidmap_count(m), 0);
	assert_false(lidmap_dirty(m));

	/* Also when the directory itself does not exist yet. */
	char *sub = join(dir, "not/there");
	assert_int_equal(lidmap_load(m, sub), 0);
	assert_int_equal(lidmap_count(m), 0);
	free(sub);
	lidmap_free(m);
	rm_rf(dir);
	free(dir);
}

static void test_round_trip(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	struct lidmap *m2 = lidmap_new();
	struct stat st;
	size_t len;

	umask(022);
	assert_int_equal(lidmap_load(m, dir), 0);
	for (unsigned i = 1; i <= 30000; i++)
		lidmap_set(m, G((uint64_t)i * 0x10001), (uint16_t)(LID_UCAST_MAX + 1 - i));
	lidmap_set(m, 0xffffffffffffffffULL, 1);
	assert_int_equal(lidmap_save(m), 0);
	assert_false(lidmap_dirty(m));

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	char *text = read_file(path, &len);
	assert_memory_equal(text, "# smd guid2lid v1\n", 18);
	/* Lowest GUID first, fixed-width hex. */
	assert_non_null(strstr(text, "\n0x0002c90300010001 49151\n"));
	assert_non_null(strstr(text, "\n0xffffffffffffffff 1\n"));
	free(text);

	assert_int_equal(lidmap_load(m2, dir), 0);
	assert_false(lidmap_dirty(m2));
	assert_int_equal(lidmap_count(m2), lidmap_count(m));
	assert_int_equal(lidmap_count(m2), 30001);
	for (unsigned i = 1; i <= 30000; i++) {
		uint64_t g = G((uint64_t)i * 0x10001);
		assert_int_equal(lidmap_get(m2, g), LID_UCAST_MAX + 1 - i);
		assert_int_equal(lidmap_owner(m2, (uint16_t)(LID_UCAST_MAX + 1 - i)), g);
	}
	assert_int_equal(lidmap_get(m2, 0xffffffffffffffffULL), 1);

	lidmap_free(m);
	lidmap_free(m2);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_load_replaces_and_comments(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	const char *txt =
		"# smd guid2lid v1\n"
		"\n"
		"   # indented comment\n"
		"0x0002C90300000001 1\n"
		"\t0x2c90300000002   00002  \r\n"
		"   \n"
		"0x0002c90300000003 49151"; /* no final newline */
	struct lidmap *m = lidmap_new();

	write_file(path, txt, strlen(txt));
	lidmap_set(m, G(50), 50); /* replaced by the load */
	assert_int_equal(lidmap_load(m, dir), 0);
	assert_false(lidmap_dirty(m));
	assert_int_equal(lidmap_count(m), 3);
	assert_int_equal(lidmap_get(m, G(50)), 0);
	assert_int_equal(lidmap_owner(m, 50), 0);
	assert_int_equal(lidmap_get(m, G(1)), 1);
	assert_int_equal(lidmap_get(m, G(2)), 2);
	assert_int_equal(lidmap_get(m, G(3)), LID_UCAST_MAX);
	lidmap_free(m);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_save_only_when_dirty(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	struct stat st1, st2;

	assert_int_equal(lidmap_load(m, dir), 0);
	/* Freshly loaded, nothing changed: no file appears. */
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(access(path, F_OK), -1);

	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(stat(path, &st1), 0);

	/* Not dirty: the file is left alone (same inode, not recreated). */
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(unlink(path), 0);
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* Dirty again: written (new inode via rename). */
	lidmap_set(m, G(2), 2);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(access(path, F_OK), 0);

	/* Reloading a saved map is clean. */
	assert_int_equal(lidmap_load(m, dir), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(access(path, F_OK), -1);

	lidmap_free(m);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_no_temp_left(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	struct lidmap *m = lidmap_new();
	char names[8][256];

	assert_int_equal(lidmap_load(m, dir), 0);
	for (int round = 0; round < 3; round++) {
		lidmap_set(m, G(round + 1), (uint16_t)(round + 1));
		assert_int_equal(lidmap_save(m), 0);
	}
	assert_int_equal(list_dir(dir, names, 8), 1);
	assert_string_equal(names[0], LIDMAP_FILE);
	lidmap_free(m);
	rm_rf(dir);
	free(dir);
}

static void test_save_creates_dirs(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *sub = join(dir, "a/b/c");
	char *path = join(sub, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	struct stat st;

	umask(022);
	assert_int_equal(lidmap_load(m, sub), 0);
	lidmap_set(m, G(1), 7);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	lidmap_free(m);
	free(path);
	free(sub);
	rm_rf(dir);
	free(dir);
}

static void test_save_unwritable(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *file = join(dir, "file");
	char *under_file = join(dir, "file/state");
	struct lidmap *m = lidmap_new();
	char names[8][256];

	write_file(file, "x", 1);

	/* A path through a regular file cannot be created (works as root too).
	 * Loading from it is ENOTDIR, an I/O error, but the dir is remembered. */
	assert_int_equal(lidmap_load(m, under_file), -1);
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), -1);
	assert_true(lidmap_dirty(m));

	/* A state "directory" that is a regular file: the temp file fails. */
	assert_int_equal(lidmap_load(m, file), -1); /* ENOTDIR is an I/O error */
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), -1);
	assert_true(lidmap_dirty(m));

	/* Read-only directory (only meaningful when not root). */
	if (geteuid() != 0) {
		char *ro = join(dir, "ro");
		assert_int_equal(mkdir(ro, 0555), 0);
		assert_int_equal(lidmap_load(m, ro), 0);
		lidmap_set(m, G(1), 1);
		assert_int_equal(lidmap_save(m), -1);
		assert_true(lidmap_dirty(m));
		assert_int_equal(list_dir(ro, names, 8), 0);
		chmod(ro, 0755);
		free(ro);
	}

	/* Nothing else appeared next to the file. */
	assert_int_equal(list_dir(dir, names, 8), 1);
	lidmap_free(m);
	free(under_file);
	free(file);
	rm_rf(dir);
	free(dir);
}

/* A write that fails midway (file size limit: EFBIG) leaves the old file
 * intact, no temp file behind, and the map dirty. */
static void test_save_write_error(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	struct rlimit old, small;
	char names[8][256];
	size_t len1, len2;

	assert_int_equal(lidmap_load(m, dir), 0);
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), 0);
	char *before = read_file(path, &len1);

	for (unsigned i = 2; i <= 5000; i++)
		lidmap_set(m, G(i), (uint16_t)i);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = lidmap_save(m);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);

	assert_int_equal(rc, -1);
	assert_true(lidmap_dirty(m));
	assert_int_equal(list_dir(dir, names, 8), 1);
	assert_string_equal(names[0], LIDMAP_FILE);
	char *after = read_file(path, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(before, after, len1);
	free(before);
	free(after);

	/* And the next save succeeds. */
	assert_int_equal(lidmap_save(m), 0);
	assert_false(lidmap_dirty(m));
	lidmap_free(m);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* Each corrupt file must be set aside byte for byte, reported with its line,
 * and leave an empty map. */
struct corrupt_case {
	const char *text;
	unsigned line;
	const char *why; /* substring of the logged reason */
};

static const struct corrupt_case corrupt_cases[] = {
	{ "# smd guid2lid v1\n0x0002c90300000001 1\nthis is garbage\n", 3, "expected" },
	{ "# smd guid2lid v1\n0x0002c90300000001 0\n", 2, "LID 0 out of range" },
	{ "0x0002c90300000001 49152\n", 1, "LID 49152 out of range" },
	{ "0x0002c90300000001 99999999999999999999999\n", 1, "out of range" },
	{ "0x0002c90300000001 1\n0x0002c90300000002 2\n0x0002c90300000001 3\n", 3, "GUID 0x0002c90300000001 listed twice" },
	{ "0x0002c90300000001 1\n\n0x0002c90300000002 1\n", 3, "LID 1 listed twice" },
	{ "# x\n0x0002c90300000001\n", 2, "LID" },
	{ "0x0002c90300000001 \n", 1, "LID" },
	{ "0x0000000000000000 4\n", 1, "GUID 0" },
	{ "0x00002c9030000000001 4\n", 1, "16 hex" },
	{ "0x0002c90300000001 4 5\n", 1, "trailing" },
	{ "0x0002c90300000001 -4\n", 1, "LID" },
	{ "0x0002c9030000000g 4\n", 1, "GUID" },
	{ "2c90300000001 4\n", 1, "expected" },
	{ "0x0002c90300000001 4\n0x0002c90300000002 5\0\n", 2, "NUL" },
	{ "\xff\xfe\x01binary\n", 1, "expected" },
};

static void check_corrupt(const struct corrupt_case *c, size_t len)
{
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	char names[8][256];
	char want_line[64];
	char *log;

	write_file(path, c->text, len);
	lidmap_set(m, G(77), 77); /* must not survive the failed load */
	assert_int_equal(load_capturing(m, dir, &log), 1);
	assert_int_equal(lidmap_count(m), 0);
	assert_int_equal(lidmap_get(m, G(77)), 0);
	assert_int_equal(lidmap_owner(m, 77), 0);
	assert_false(lidmap_dirty(m));

	/* Logged as FILE:LINE: reason, and where the file went. */
	snprintf(want_line, sizeof(want_line), "/" LIDMAP_FILE ":%u: ", c->line);
	if (!strstr(log, want_line) || !strstr(log, c->why) || !strstr(log, "set aside as "))
		fail_msg("case %u/%s: unexpected log: %s", c->line, c->why, log);
	free(log);

	/* Original gone, exactly one set-aside copy with the same bytes. */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(list_dir(dir, names, 8), 1);
	assert_memory_equal(names[0], LIDMAP_FILE ".corrupt.", strlen(LIDMAP_FILE ".corrupt."));
	char *aside = join(dir, names[0]);
	size_t alen;
	char *got = read_file(aside, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(got, c->text, len);
	free(got);

	/* A later save writes a fresh file and leaves the copy alone. */
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), 0);
	got = read_file(aside, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(got, c->text, len);
	free(got);
	assert_int_equal(list_dir(dir, names, 8), 2);

	free(aside);
	lidmap_free(m);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_corrupt_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
		const struct corrupt_case *c = &corrupt_cases[i];
		size_t len = strlen(c->text);
		/* The NUL case carries bytes past strlen. */
		if (strstr(c->why, "NUL"))
			len += 2;
		check_corrupt(c, len);
	}
}

/* Two corrupt files within one second must not overwrite each other. */
static void test_corrupt_twice(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *path = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	char names[8][256];
	char *log;

	write_file(path, "first\n", 6);
	assert_int_equal(load_capturing(m, dir, &log), 1);
	free(log);
	write_file(path, "second\n", 7);
	assert_int_equal(load_capturing(m, dir, &log), 1);
	free(log);
	assert_int_equal(list_dir(dir, names, 8), 2);
	size_t total = 0;
	for (int i = 0; i < 2; i++) {
		char *p = join(dir, names[i]);
		size_t len;
		char *t = read_file(p, &len);
		assert_true(strcmp(t, "first\n") == 0 || strcmp(t, "second\n") == 0);
		total += len;
		free(t);
		free(p);
	}
	assert_int_equal(total, 13);
	lidmap_free(m);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* ---- an older smd's guid2lid, OpenSM's guid2lid ---- */

/* What OpenSM 3.3.23 wrote for tests/sim/fabrics/quad.net. */
static const char osm_quad[] =
	"0x0000000000100003 0x0003 0x0003\n\n"
	"0x0000000000100005 0x0004 0x0004\n\n"
	"0x0000000000100007 0x0005 0x0005\n\n"
	"0x0000000000200000 0x0002 0x0002\n\n"
	"0x0000000000100001 0x0001 0x0001\n\n";

static void assert_quad(const struct lidmap *m)
{
	assert_int_equal(lidmap_get(m, 0x100003), 3);
	assert_int_equal(lidmap_get(m, 0x100005), 4);
	assert_int_equal(lidmap_get(m, 0x100007), 5);
	assert_int_equal(lidmap_get(m, 0x200000), 2);
	assert_int_equal(lidmap_get(m, 0x100001), 1);
}

/* OpenSM's guid2lid in state_dir: imported, never set aside, never written;
 * smd's own map goes to its own file next to it. */
static void test_osm_in_state_dir(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *osm = join(dir, LIDMAP_OLD_FILE);
	char *own = join(dir, LIDMAP_FILE);
	struct lidmap *m = lidmap_new();
	char names[8][256];
	struct stat st1, st2;
	char *log;

	write_file(osm, osm_quad, strlen(osm_quad));
	assert_int_equal(stat(osm, &st1), 0);
	assert_int_equal(load_capturing(m, dir, &log), 0);
	assert_int_equal(lidmap_count(m), 5);
	assert_quad(m);
	assert_true(lidmap_dirty(m)); /* to be saved under smd's own name */
	char want[512];
	snprintf(want, sizeof(want), "imported 5 LIDs from OpenSM's %s\n", osm);
	assert_log_has(log, want);
	free(log);
	assert_int_equal(list_dir(dir, names, 8), 1);

	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(list_dir(dir, names, 8), 2);
	assert_int_equal(access(own, F_OK), 0);
	assert_file_is(osm, osm_quad);
	assert_int_equal(stat(osm, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);

	/* Next start: smd's map knows them all, nothing new to import. */
	struct lidmap *m2 = lidmap_new();
	assert_int_equal(load_capturing(m2, dir, &log), 0);
	assert_int_equal(lidmap_count(m2), 5);
	assert_quad(m2);
	assert_false(lidmap_dirty(m2));
	assert_log_has(log, "imported 0 LIDs from OpenSM's ");
	assert_log_has(log, ", 5 known to smd already");
	free(log);
	assert_file_is(osm, osm_quad);
	lidmap_free(m2);

	lidmap_free(m);
	free(own);
	free(osm);
	rm_rf(dir);
	free(dir);
}

/* smd's own map wins: a known GUID keeps its LID, a LID smd gave another
 * port is not imported. */
static void test_osm_own_map_wins(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *cache = join(dir, "opensm");
	char *osm = join(cache, "guid2lid");
	char *state_dir = join(dir, "smd");
	struct lidmap *m = lidmap_new();
	char *log;

	assert_int_equal(mkdir(cache, 0755), 0);
	write_file(osm, osm_quad, strlen(osm_quad));
	assert_int_equal(lidmap_load(m, state_dir), 0);
	lidmap_set(m, G(1), 3);       /* OpenSM's LID of 0x100003 */
	lidmap_set(m, 0x100005, 9);   /* OpenSM says 4 */
	assert_int_equal(lidmap_save(m), 0);

	assert_int_equal(load_capturing(m, state_dir, &log), 0);
	free(log);
	assert_int_equal(call_capturing(lidmap_import, m, osm, &log), 3);
	assert_int_equal(lidmap_count(m), 5);
	assert_int_equal(lidmap_get(m, G(1)), 3);
	assert_int_equal(lidmap_get(m, 0x100003), 0);
	assert_int_equal(lidmap_get(m, 0x100005), 9);
	assert_int_equal(lidmap_owner(m, 4), 0);
	assert_int_equal(lidmap_get(m, 0x100007), 5);
	assert_int_equal(lidmap_get(m, 0x200000), 2);
	assert_int_equal(lidmap_get(m, 0x100001), 1);
	assert_true(lidmap_dirty(m));
	char want[512];
	snprintf(want, sizeof(want), "imported 3 LIDs from OpenSM's %s, 1 known to smd already, "
		 "1 skipped: LID 3 already held by 0x0002c90300000001\n", osm);
	assert_log_has(log, want);
	free(log);
	assert_file_is(osm, osm_quad);

	/* The same file again (here through a symlink) is not imported twice. */
	char *link = join(dir, "link");
	assert_int_equal(symlink(osm, link), 0);
	assert_int_equal(call_capturing(lidmap_import, m, link, &log), 0);
	assert_string_equal(log, "");
	free(log);
	free(link);

	lidmap_free(m);
	free(state_dir);
	free(osm);
	free(cache);
	rm_rf(dir);
	free(dir);
}

/* A bad line costs that line only; the file is left as it is. */
static void test_osm_bad_lines(void **state)
{
	(void)state;
	static const char text[] =
		"0x0000000000100003 0x0003 0x0003\n"
		"0x0000000000100005 4\n"
		"0x0000000000100007 0x0005 0x0005\n";
	char *dir = mktmpdir();
	char *osm = join(dir, LIDMAP_OLD_FILE);
	struct lidmap *m = lidmap_new();
	char names[8][256];
	char *log;

	write_file(osm, text, strlen(text));
	assert_int_equal(load_capturing(m, dir, &log), 0);
	assert_int_equal(lidmap_count(m), 2);
	assert_int_equal(lidmap_get(m, 0x100003), 3);
	assert_int_equal(lidmap_get(m, 0x100007), 5);
	char want[512];
	snprintf(want, sizeof(want), "%s:2: too few fields", osm);
	assert_log_has(log, want);
	assert_log_has(log, "imported 2 LIDs from OpenSM's ");
	assert_log_has(log, ", 1 bad lines not imported");
	free(log);
	assert_int_equal(lidmap_save(m), 0);
	assert_file_is(osm, text);
	assert_int_equal(list_dir(dir, names, 8), 2); /* no .corrupt copy */
	lidmap_free(m);
	free(osm);
	rm_rf(dir);
	free(dir);
}

/* A missing file is nothing; a directory or smd's own map is not imported. */
static void test_osm_import_odd_paths(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *own = join(dir, LIDMAP_FILE);
	char *missing = join(dir, "missing");
	struct lidmap *m = lidmap_new();
	char *log;

	assert_int_equal(lidmap_load(m, dir), 0);
	lidmap_set(m, G(1), 1);
	assert_int_equal(lidmap_save(m), 0);
	assert_int_equal(lidmap_import(m, missing), 0);
	assert_int_equal(call_capturing(lidmap_import, m, dir, &log), -1);
	assert_log_has(log, "cannot read");
	free(log);
	assert_int_equal(call_capturing(lidmap_import, m, own, &log), 0);
	assert_log_has(log, "an smd LID map, not OpenSM's: not imported");
	free(log);
	assert_int_equal(lidmap_count(m), 1);
	assert_false(lidmap_dirty(m));
	lidmap_free(m);
	free(missing);
	free(own);
	rm_rf(dir);
	free(dir);
}

/* An older smd's guid2lid (smd's header) is moved to smd-guid2lid once and
 * kept as guid2lid.migrated, byte for byte. */
static void test_migrate_old_smd(void **state)
{
	(void)state;
	static const char text[] =
		"# smd guid2lid v1\n"
		"0x0002c90300000001 1\n"
		"0x0002c90300000002 7\n";
	char *dir = mktmpdir();
	char *old = join(dir, LIDMAP_OLD_FILE);
	char *own = join(dir, LIDMAP_FILE);
	char *kept = join(dir, LIDMAP_OLD_FILE ".migrated");
	struct lidmap *m = lidmap_new();
	char names[8][256];
	char *log;

	write_file(old, text, strlen(text));
	assert_int_equal(load_capturing(m, dir, &log), 0);
	assert_log_has(log, "an older smd's LID map: 2 entries moved to " LIDMAP_FILE);
	free(log);
	assert_int_equal(lidmap_count(m), 2);
	assert_int_equal(lidmap_get(m, G(1)), 1);
	assert_int_equal(lidmap_get(m, G(2)), 7);
	assert_false(lidmap_dirty(m)); /* saved already */
	assert_int_equal(list_dir(dir, names, 8), 2);
	assert_int_equal(access(old, F_OK), -1);
	assert_file_is(kept, text);
	assert_file_is(own, text);

	/* Again: nothing moves. */
	assert_int_equal(lidmap_load(m, dir), 0);
	assert_int_equal(lidmap_count(m), 2);
	assert_int_equal(list_dir(dir, names, 8), 2);

	/* A migration cut short before its rename: smd-guid2lid wins, the old
	 * file is renamed without replacing the first kept copy. */
	static const char stale[] = "# smd guid2lid v1\n0x0002c90300000001 9\n";
	write_file(old, stale, strlen(stale));
	assert_int_equal(lidmap_load(m, dir), 0);
	assert_int_equal(lidmap_get(m, G(1)), 1);
	assert_int_equal(access(old, F_OK), -1);
	assert_file_is(kept, text);
	char *kept1 = join(dir, LIDMAP_OLD_FILE ".migrated.1");
	assert_file_is(kept1, stale);
	free(kept1);

	/* A corrupt one is still set aside, as it always was. */
	static const char bad[] = "# smd guid2lid v1\n0x0002c90300000001 0\n";
	assert_int_equal(unlink(own), 0);
	write_file(old, bad, strlen(bad));
	assert_int_equal(load_capturing(m, dir, &log), 1);
	assert_log_has(log, "/" LIDMAP_OLD_FILE ":2: LID 0 out of range");
	free(log);
	assert_int_equal(lidmap_count(m), 0);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(own, F_OK), -1);
	assert_int_equal(list_dir(dir, names, 8), 3);

	lidmap_free(m);
	free(kept);
	free(own);
	free(old);
	rm_rf(dir);
	free(dir);
}

/* The new file cannot be written: the old one stays where it is and the map
 * is used as it is. */
static void test_migrate_unwritable(void **state)
{
	(void)state;
	char *dir = mktmpdir();
	char *old = join(dir, LIDMAP_OLD_FILE);
	struct lidmap *m = lidmap_new();
	struct rlimit lim, small;
	char names[8][256];
	char *text = malloc(5000 * 24 + 32);
	size_t len = (size_t)sprintf(text, "# smd guid2lid v1\n");

	for (unsigned i = 1; i <= 5000; i++)
		len += (size_t)sprintf(text + len, "0x%016llx %u\n", (unsigned long long)G(i), i);
	write_file(old, text, len);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
	small = lim;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	char *log;
	int rc = load_capturing(m, dir, &log);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, 0);
	assert_log_has(log, "used as it is until " LIDMAP_FILE " can be written");
	free(log);
	assert_int_equal(lidmap_count(m), 5000);
	assert_true(lidmap_dirty(m));
	assert_int_equal(list_dir(dir, names, 8), 1);
	assert_string_equal(names[0], LIDMAP_OLD_FILE);
	assert_file_is(old, text);
	free(text);
	lidmap_free(m);
	free(old);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_owner),
		cmocka_unit_test(test_set_rejects_invalid),
		cmocka_unit_test(test_set_moves_lid),
		cmocka_unit_test(test_dirty_tracking),
		cmocka_unit_test(test_hash_stress),
		cmocka_unit_test(test_foreach_order),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_load_replaces_and_comments),
		cmocka_unit_test(test_save_only_when_dirty),
		cmocka_unit_test(test_no_temp_left),
		cmocka_unit_test(test_save_creates_dirs),
		cmocka_unit_test(test_save_unwritable),
		cmocka_unit_test(test_save_write_error),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_corrupt_twice),
		cmocka_unit_test(test_osm_in_state_dir),
		cmocka_unit_test(test_osm_own_map_wins),
		cmocka_unit_test(test_osm_bad_lines),
		cmocka_unit_test(test_osm_import_odd_paths),
		cmocka_unit_test(test_migrate_old_smd),
		cmocka_unit_test(test_migrate_unwritable),
	};

	log_init("test_lidmap", 1, LOG_LVL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
