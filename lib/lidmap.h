/* lidmap: the persisted GUID -> LID map in state_dir (file "guid2lid"). */
#ifndef SMD_LIDMAP_H
#define SMD_LIDMAP_H

#include <stddef.h>
#include <stdint.h>

#define LID_UCAST_MIN 0x0001
#define LID_UCAST_MAX 0xBFFF
#define lid_is_ucast(l) ((l) >= LID_UCAST_MIN && (l) <= LID_UCAST_MAX)

struct lidmap;

struct lidmap *lidmap_new(void);
void lidmap_free(struct lidmap *m);

/*
 * Load dir/guid2lid. A missing file is an empty map (returns 0). A file that
 * does not parse (bad line, LID out of range, a LID or GUID listed twice) is
 * reported with file:line, renamed to guid2lid.corrupt.<unix time>, and the
 * map starts empty (returns 1). I/O errors other than ENOENT return -1.
 * The directory is remembered for lidmap_save().
 */
int lidmap_load(struct lidmap *m, const char *dir);

/* Write atomically (temp file, fsync, rename, fsync dir) only when changed
 * since the last load/save. Creates the directory (0755) if missing.
 * Returns 0 (written or nothing to do), -1 on error (logged). */
int lidmap_save(struct lidmap *m);

uint16_t lidmap_get(const struct lidmap *m, uint64_t guid);   /* 0 = none */
uint64_t lidmap_owner(const struct lidmap *m, uint16_t lid);   /* 0 = none */
/* Record guid -> lid; a previous owner of lid loses it. Marks dirty only on change. */
void lidmap_set(struct lidmap *m, uint64_t guid, uint16_t lid);
void lidmap_del(struct lidmap *m, uint64_t guid);
size_t lidmap_count(const struct lidmap *m);
int lidmap_dirty(const struct lidmap *m);
/* Iterate in ascending GUID order; cb returns non-zero to stop. */
void lidmap_foreach(const struct lidmap *m, int (*cb)(void *arg, uint64_t guid, uint16_t lid), void *arg);

#endif
