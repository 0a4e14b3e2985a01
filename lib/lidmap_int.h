/* lidmap_int: the map's representation, shared by the map (lidmap.c) and
 * its file (lidfile.c) only. The file reads and fills the map through the
 * map's functions; it keeps its own state (directory, imports) here. */
#ifndef SMD_LIDMAP_INT_H
#define SMD_LIDMAP_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "hmap.h"
#include "lidmap.h"

#define LIDMAP_MAX_IMPORTS 4

struct lidmap {
	struct hmap by_guid;  /* GUID -> (void *)(uintptr_t)LID; GUID 0 is never stored */
	uint64_t *owner;      /* [LID_UCAST_MAX + 1], NULL until the first set */
	int dirty;
	/* lidfile.c's: the directory of the file, and the files imported
	 * since the last load (one path configured and also found in
	 * state_dir is imported once). */
	char *dir;
	struct { dev_t dev; ino_t ino; } imported[LIDMAP_MAX_IMPORTS];
	int nimported;
	/* Persistence trouble (the SM runs on regardless): blocked, the file
	 * could not be read nor set aside, so it is never written over until
	 * it can be; failing, the last save failed. Each logged once. */
	int blocked, failing;
	char why[160];
};

struct lidmap_ent {
	uint64_t guid;
	uint16_t lid;
};

/* Empty the map (the file's state is kept). */
void lidmap_clear(struct lidmap *m);
/* Snapshot sorted by GUID, lidmap_count() entries; NULL when empty. */
struct lidmap_ent *lidmap_sorted(const struct lidmap *m);

#endif
