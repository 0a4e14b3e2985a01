/* fuzz_file: for the harnesses whose input is a file smd reads: the input
 * written to one file of this process in $TMPDIR (scripts/fuzz.sh gives
 * each harness its own), removed at exit. */
#ifndef SMD_FUZZ_FILE_H
#define SMD_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_path[4096];

static void fuzz_file_gone(void)
{
	unlink(fuzz_path);
}

/* The path holding data[0..size), or NULL when it cannot be written. */
static inline const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	if (!fuzz_path[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s.%ld", tmp ? tmp : "/tmp", name,
			 (long)getpid());
		atexit(fuzz_file_gone);
	}
	FILE *f = fopen(fuzz_path, "w");
	if (!f)
		return NULL;
	fwrite(data, 1, size, f);
	fclose(f);
	return fuzz_path;
}

#endif
