/* fuzz_guid2lid: any bytes as OpenSM's guid2lid (read only, imported into
 * the LID map; bad lines named and skipped): never a crash or a leak, the
 * map never holds a LID twice and keeps the entry it had. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "lidmap.h"
#include "log.h"

/* Every entry's LID is owned by its GUID: no LID held twice. */
static int check(void *arg, uint64_t guid, uint16_t lid)
{
	if (lidmap_owner(arg, lid) != guid)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		log_init("fuzz_guid2lid", 1, LOG_LVL_ERR);
		ready = 1;
	}
	const char *path = fuzz_file("fuzz_guid2lid", data, size);
	if (!path)
		return 0;
	struct lidmap *m = lidmap_new();
	lidmap_set(m, 0x1001, 1);            /* the map wins over the import */
	lidmap_import(m, path);
	if (lidmap_get(m, 0x1001) != 1)
		abort();                            /* the map must win */
	lidmap_foreach(m, check, m);
	lidmap_free(m);
	return 0;
}
