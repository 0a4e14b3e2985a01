/* fuzz_guid2lid: any bytes as OpenSM's guid2lid (read only, imported into
 * the LID map; bad lines named and skipped) and as smd's own state file
 * (parsed; a corrupt one would be set aside): never a crash or a leak, and
 * the map never holds a LID twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lidmap.h"
#include "log.h"

static char path[4096];

static void gone(void)
{
	unlink(path);
}

/* Every entry's LID is owned by its GUID: no LID held twice. */
static int check(void *arg, uint64_t guid, uint16_t lid)
{
	if (lidmap_owner(arg, lid) != guid)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		log_init("fuzz_guid2lid", 1, LOG_LVL_ERR);
		const char *tmp = getenv("TMPDIR");
		snprintf(path, sizeof(path), "%s/fuzz_guid2lid.%ld", tmp ? tmp : "/tmp", (long)getpid());
		atexit(gone);
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct lidmap *m = lidmap_new();
	lidmap_set(m, 0x1001, 1);            /* the map wins over the import */
	lidmap_import(m, path);
	if (lidmap_get(m, 0x1001) != 1)
		abort();                            /* the map must win */
	lidmap_foreach(m, check, m);
	lidmap_free(m);
	return 0;
}
