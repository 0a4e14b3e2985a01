/* lidmap: the persisted GUID -> LID map in state_dir (file "smd-guid2lid"),
 * seeded from OpenSM's guid2lid when there is one. The map is lidmap.c's,
 * its file (load, save, migrate, import) lidfile.c's. */
#ifndef SMD_LIDMAP_H
#define SMD_LIDMAP_H

#include <stddef.h>
#include <stdint.h>

#define LID_UCAST_MIN 0x0001
#define LID_UCAST_MAX 0xBFFF
#define lid_is_ucast(l) ((l) >= LID_UCAST_MIN && (l) <= LID_UCAST_MAX)

#define LIDMAP_FILE "smd-guid2lid" /* smd's own map in state_dir */
/* In state_dir: an older smd's map (migrated), or OpenSM's (imported). */
#define LIDMAP_OLD_FILE "guid2lid"

struct lidmap;

/* The value of one hex digit, -1 when c is none (both LID map formats). */
static inline int hexdigit_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- the map (lidmap.c) ---- */

struct lidmap *lidmap_new(void);
void lidmap_free(struct lidmap *m);

uint16_t lidmap_get(const struct lidmap *m, uint64_t guid);   /* 0 = none */
uint64_t lidmap_owner(const struct lidmap *m, uint16_t lid);   /* 0 = none */
/* Record guid -> lid; a previous owner of lid loses it. Marks dirty only on change. */
void lidmap_set(struct lidmap *m, uint64_t guid, uint16_t lid);
void lidmap_del(struct lidmap *m, uint64_t guid);
size_t lidmap_count(const struct lidmap *m);
int lidmap_dirty(const struct lidmap *m);
/* Iterate in ascending GUID order; cb returns non-zero to stop. */
void lidmap_foreach(const struct lidmap *m, int (*cb)(void *arg, uint64_t guid, uint16_t lid), void *arg);

/* ---- the file (lidfile.c) ---- */

/*
 * Load dir/smd-guid2lid. A missing file is an empty map (returns 0). A file
 * that does not parse (bad line, LID out of range, a LID or GUID listed
 * twice) is reported with file:line, renamed to smd-guid2lid.corrupt.<unix
 * time>, and the map starts empty (returns 1). I/O errors other than ENOENT
 * return -1. The directory is remembered for lidmap_save().
 *
 * Then dir/guid2lid: when its first line is smd's header it is an older
 * smd's map: without an smd-guid2lid it becomes the map and is saved under
 * the new name; either way it is then renamed guid2lid.migrated. Any other
 * guid2lid is OpenSM's, imported as by lidmap_import().
 */
int lidmap_load(struct lidmap *m, const char *dir);

/*
 * Import OpenSM's guid2lid at path: read only, the file is never written,
 * moved or removed. An entry is added only when the map does not know its
 * GUID and nobody in the map holds its LID (the map wins). Bad lines are
 * logged with file:line and skipped, the rest imported; one summary line
 * with counts. A missing file, or one already imported since the last load,
 * is nothing to do. Returns the number of LIDs imported, -1 on an I/O error.
 */
int lidmap_import(struct lidmap *m, const char *path);

/* Write atomically (temp file, fsync, rename, fsync dir) only when changed
 * since the last load/save. Creates the directory (0755) if missing.
 * Returns 0 (written or nothing to do), -1 on error (logged once until a
 * save succeeds again). After a load that returned -1 the file is read
 * again first: once it loads (its entries the map lacks are merged in) or
 * is set aside, saving resumes; until then nothing is written over it. */
int lidmap_save(struct lidmap *m);
/* NULL while LIDs are being saved, else why not (for smctl status). */
const char *lidmap_unsaved(const struct lidmap *m);

#endif
