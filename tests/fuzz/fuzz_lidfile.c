/* fuzz_lidfile: any bytes as smd's own state file (smd-guid2lid) in the
 * state directory, read as smd reads it at start. Either it loads, and
 * then the map holds no LID twice and survives a save and a load unchanged,
 * or it is refused, and then it is set aside byte for byte (never written
 * over, never lost) and the map starts empty. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lidmap.h"
#include "log.h"

static char dir[4096];

static int check(void *arg, uint64_t guid, uint16_t lid)
{
	if (lidmap_owner(arg, lid) != guid)
		abort();
	return 0;
}

/* The other map has the same entry. */
static int same(void *arg, uint64_t guid, uint16_t lid)
{
	if (lidmap_get(arg, guid) != lid)
		abort();
	return 0;
}

/* Remove every file of dir; the name of the one set aside, if any. */
static void empty_dir(char *aside, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (aside)
		aside[0] = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[8192];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (aside && !strncmp(e->d_name, "smd-guid2lid.corrupt.", 21))
			snprintf(aside, len, "%s", p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char path[8192], aside[8192];

	if (!ready) {
		log_init("fuzz_lidfile", 1, LOG_LVL_ERR);
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/fuzz_lidfile.%ld", tmp ? tmp : "/tmp", (long)getpid());
		mkdir(dir, 0700);
		ready = 1;
	}
	empty_dir(NULL, 0);
	snprintf(path, sizeof(path), "%s/smd-guid2lid", dir);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();

	struct lidmap *m = lidmap_new();
	int rc = lidmap_load(m, dir);
	if (rc == 0) {
		lidmap_foreach(m, check, m);
		/* saved and read back: the same map */
		uint16_t free_lid = 1;  /* a change and back: the map is saved */
		while (free_lid < 0xbfff && lidmap_owner(m, free_lid))
			free_lid++;
		lidmap_set(m, 0xfffffffffffffff0ULL, free_lid);
		lidmap_del(m, 0xfffffffffffffff0ULL);
		if (lidmap_save(m) < 0)
			abort();
		struct lidmap *again = lidmap_new();
		if (lidmap_load(again, dir) != 0 || lidmap_count(again) != lidmap_count(m))
			abort();
		lidmap_foreach(m, same, again);
		lidmap_free(again);
	} else if (rc == 1) {
		if (lidmap_count(m) || access(path, F_OK) == 0)
			abort();
		empty_dir(aside, sizeof(aside));
		struct stat st;
		if (!aside[0] || stat(aside, &st) || (size_t)st.st_size != size)
			abort();
		uint8_t *back = malloc(size + 1);
		f = fopen(aside, "r");
		if (!back || !f || fread(back, 1, size, f) != size || memcmp(back, data, size))
			abort();
		fclose(f);
		free(back);
	}
	lidmap_free(m);
	empty_dir(NULL, 0);
	return 0;
}
