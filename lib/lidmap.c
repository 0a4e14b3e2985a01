/* lidmap: the persisted GUID -> LID map.
 *
 * GUID -> LID lives in an hmap (the LID stored as the value); LID -> GUID is
 * a flat array over the unicast range, allocated on first use. Both are O(1)
 * per lookup. */
#include "lidmap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hmap.h"
#include "log.h"
#include "osmg2l.h"

#define LIDMAP_HEADER "# smd guid2lid v1\n"
#define LIDMAP_MAX_IMPORTS 4

struct lidmap {
	struct hmap by_guid;  /* GUID -> (void *)(uintptr_t)LID; GUID 0 is never stored */
	uint64_t *owner;      /* [LID_UCAST_MAX + 1], NULL until the first set */
	char *dir;
	int dirty;
	/* Files imported since the last load: one path configured and also
	 * found in state_dir is imported once. */
	struct { dev_t dev; ino_t ino; } imported[LIDMAP_MAX_IMPORTS];
	int nimported;
};

struct lidmap_ent {
	uint64_t guid;
	uint16_t lid;
};

#define m_count(m) ((m)->by_guid.count)

static void lidmap_clear(struct lidmap *m)
{
	hmap_free(&m->by_guid);
	free(m->owner);
	m->owner = NULL;
}

/* ---- public map API ---- */

struct lidmap *lidmap_new(void)
{
	struct lidmap *m = calloc(1, sizeof(*m));

	if (m)
		hmap_init(&m->by_guid);
	return m;
}

void lidmap_free(struct lidmap *m)
{
	if (!m)
		return;
	lidmap_clear(m);
	free(m->dir);
	free(m);
}

uint16_t lidmap_get(const struct lidmap *m, uint64_t guid)
{
	return m ? (uint16_t)(uintptr_t)hmap_get(&m->by_guid, guid) : 0;
}

uint64_t lidmap_owner(const struct lidmap *m, uint16_t lid)
{
	if (!m || !m->owner || !lid_is_ucast(lid))
		return 0;
	return m->owner[lid];
}

void lidmap_del(struct lidmap *m, uint64_t guid)
{
	uint16_t lid = lidmap_get(m, guid);

	if (!lid)
		return;
	m->owner[lid] = 0;
	hmap_del(&m->by_guid, guid);
	m->dirty = 1;
}

/* GUID 0 and non-unicast LIDs are ignored: the map only ever holds what a
 * valid guid2lid file can express, so a save always loads back. */
void lidmap_set(struct lidmap *m, uint64_t guid, uint16_t lid)
{
	if (!m || guid == 0 || !lid_is_ucast(lid))
		return;
	uint16_t old = lidmap_get(m, guid);
	if (old == lid)
		return;
	if (!m->owner) {
		m->owner = calloc(LID_UCAST_MAX + 1, sizeof(*m->owner));
		if (!m->owner) {
			log_err("lidmap: out of memory");
			return;
		}
	}
	if (m->owner[lid] != 0)  /* another GUID: guid itself does not hold lid */
		lidmap_del(m, m->owner[lid]);
	if (hmap_put(&m->by_guid, guid, (void *)(uintptr_t)lid) < 0) {
		log_err("lidmap: out of memory");
		return;
	}
	if (old)
		m->owner[old] = 0;
	m->owner[lid] = guid;
	m->dirty = 1;
}

size_t lidmap_count(const struct lidmap *m)
{
	return m ? m_count(m) : 0;
}

int lidmap_dirty(const struct lidmap *m)
{
	return m ? m->dirty : 0;
}

static int lidmap_ent_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct lidmap_ent *)a)->guid;
	uint64_t y = ((const struct lidmap_ent *)b)->guid;
	return (x > y) - (x < y);
}

/* Snapshot sorted by GUID; *out is NULL when the map is empty. */
static int lidmap_sorted(const struct lidmap *m, struct lidmap_ent **out)
{
	struct lidmap_ent *v;
	size_t k = 0;

	*out = NULL;
	if (m_count(m) == 0)
		return 0;
	v = malloc(m_count(m) * sizeof(*v));
	if (!v)
		return -1;
	size_t it = 0;
	uint64_t guid;
	void *lid;
	while (hmap_next(&m->by_guid, &it, &guid, &lid)) {
		v[k].guid = guid;
		v[k].lid = (uint16_t)(uintptr_t)lid;
		k++;
	}
	qsort(v, k, sizeof(*v), lidmap_ent_cmp);
	*out = v;
	return 0;
}

/* Iterates over a snapshot, so cb may modify the map. */
void lidmap_foreach(const struct lidmap *m, int (*cb)(void *arg, uint64_t guid, uint16_t lid), void *arg)
{
	struct lidmap_ent *v;
	size_t n;

	if (!m || !cb)
		return;
	n = m_count(m);
	if (lidmap_sorted(m, &v) < 0) {
		log_err("lidmap: out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (cb(arg, v[i].guid, v[i].lid))
			break;
	free(v);
}

/* ---- load ---- */

static char *lidmap_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Parse "0x<1..16 hex> <decimal>" with optional surrounding blanks.
 * Returns 0, or -1 with a reason in why. Ranges are checked by the caller. */
static int lidmap_parse_line(const char *s, uint64_t *guid, unsigned long *lid,
			     char *why, size_t whylen)
{
	uint64_t g = 0;
	unsigned long l = 0;
	int nd = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		snprintf(why, whylen, "expected \"0x<guid> <lid>\"");
		return -1;
	}
	for (s += 2; hexdigit_val((unsigned char)*s) >= 0; s++, nd++) {
		if (nd == 16) {
			snprintf(why, whylen, "GUID longer than 16 hex digits");
			return -1;
		}
		g = (g << 4) | (uint64_t)hexdigit_val((unsigned char)*s);
	}
	if (nd == 0 || (*s != ' ' && *s != '\t')) {
		snprintf(why, whylen, "bad GUID, expected \"0x<guid> <lid>\"");
		return -1;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	for (nd = 0; *s >= '0' && *s <= '9'; s++, nd++) {
		if (l > 0xFFFFFul) { /* far out of range already: stop before overflow */
			snprintf(why, whylen, "LID %.20s... out of range %u..%u", s - nd,
				 LID_UCAST_MIN, LID_UCAST_MAX);
			return -1;
		}
		l = l * 10 + (unsigned long)(*s - '0');
	}
	if (nd == 0) {
		snprintf(why, whylen, "missing or bad LID, expected \"0x<guid> <lid>\"");
		return -1;
	}
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	if (*s != '\0') {
		snprintf(why, whylen, "trailing garbage after LID");
		return -1;
	}
	*guid = g;
	*lid = l;
	return 0;
}

/* Check and add one entry line; -1 with why on a semantic error. */
static int lidmap_load_entry(struct lidmap *m, const char *line, char *why, size_t whylen)
{
	uint64_t guid;
	unsigned long lid;

	if (lidmap_parse_line(line, &guid, &lid, why, whylen) < 0)
		return -1;
	if (guid == 0) {
		snprintf(why, whylen, "GUID 0 is not a port GUID");
		return -1;
	}
	if (!lid_is_ucast(lid)) {
		snprintf(why, whylen, "LID %lu out of range %u..%u", lid, LID_UCAST_MIN, LID_UCAST_MAX);
		return -1;
	}
	if (lidmap_get(m, guid) != 0) {
		snprintf(why, whylen, "GUID 0x%016" PRIx64 " listed twice", guid);
		return -1;
	}
	if (lidmap_owner(m, (uint16_t)lid) != 0) {
		snprintf(why, whylen, "LID %lu listed twice", lid);
		return -1;
	}
	lidmap_set(m, guid, (uint16_t)lid);
	if (lidmap_get(m, guid) != lid) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

/* Parse f into m. Returns 0, 1 (corrupt: *bad_line and why set), -1 (I/O). */
static int lidmap_parse_file(struct lidmap *m, FILE *f, unsigned *bad_line,
			     char *why, size_t whylen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;

	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len != strlen(line)) {
			snprintf(why, whylen, "NUL byte in line");
			rc = 1;
			break;
		}
		const char *p = line + strspn(line, " \t\r");
		if (*p == '\0' || *p == '#')
			continue;
		if (lidmap_load_entry(m, p, why, whylen) < 0) {
			rc = 1;
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = -1;
	*bad_line = lineno;
	free(line);
	return rc;
}

/* Rename path to path.<tag> (path.<tag>.1 ... when taken), never replacing
 * a file; dst gets the new name. */
static int lidmap_rename_aside(const char *path, const char *tag, char *dst, size_t dstlen)
{
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(dst, dstlen, "%s.%s", path, tag);
		else
			snprintf(dst, dstlen, "%s.%s.%d", path, tag, i);
		int r = renameat2(AT_FDCWD, path, AT_FDCWD, dst, RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* Filesystem without RENAME_NOREPLACE: check, then rename. */
			if (access(dst, F_OK) == 0) {
				errno = EEXIST;
			} else {
				r = rename(path, dst);
			}
		}
		if (r == 0)
			return 0;
		if (errno != EEXIST) {
			log_warn("%s: cannot rename to %s", path, dst);
			return -1;
		}
	}
	log_warnx("%s: cannot rename: %s.%s and 99 more exist already", path, path, tag);
	return -1;
}

/* Move a corrupt file out of the way without ever replacing an older one. */
static int lidmap_set_aside(const char *path)
{
	char dst[4096], tag[48];

	snprintf(tag, sizeof(tag), "corrupt.%ld", (long)time(NULL));
	if (lidmap_rename_aside(path, tag, dst, sizeof(dst)) < 0)
		return -1;
	log_warnx("%s: set aside as %s; starting with an empty LID map", path, dst);
	return 0;
}

static int lidmap_set_dir(struct lidmap *m, const char *dir)
{
	char *d = strdup(dir);

	if (!d) {
		log_err("lidmap: out of memory");
		return -1;
	}
	free(m->dir);
	m->dir = d;
	return 0;
}

/* Load one smd-format file into the empty map: 0 loaded or absent (*found
 * says which), 1 corrupt (set aside), -1 I/O error. A file that cannot be set
 * aside yields -1, not 1: the caller must not go on and save over it. */
static int lidmap_load_file(struct lidmap *m, const char *path, int *found)
{
	FILE *f;
	unsigned bad_line = 0;
	char why[160] = "";
	int rc;

	*found = 0;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s: cannot open", path);
		return -1;
	}
	*found = 1;
	rc = lidmap_parse_file(m, f, &bad_line, why, sizeof(why));
	if (rc < 0)
		log_warn("%s: read error", path);
	fclose(f);
	if (rc == 1) {
		log_err("%s:%u: %s", path, bad_line, why);
		if (lidmap_set_aside(path) < 0)
			rc = -1;
	}
	if (rc != 0)
		lidmap_clear(m);
	else
		log_info("%s: %zu GUID to LID entries", path, m_count(m));
	return rc;
}

/* 1 when f starts with smd's header (f is rewound), 0 otherwise. */
static int lidmap_is_smd(FILE *f)
{
	char buf[sizeof(LIDMAP_HEADER)];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	rewind(f);
	return n == sizeof(buf) - 1 && memcmp(buf, LIDMAP_HEADER, n) == 0;
}

/* An older smd kept its map as guid2lid, the name of OpenSM's file: move it
 * to LIDMAP_FILE once, keeping the old file under another name. */
static int lidmap_migrate(struct lidmap *m, const char *old, int own_found)
{
	char dst[4096];
	int found, rc;

	if (own_found) {
		/* A migration that stopped before its rename: finish it. */
		if (lidmap_rename_aside(old, "migrated", dst, sizeof(dst)) == 0)
			log_notice("%s: an older smd's LID map, already moved to %s; renamed %s",
				   old, LIDMAP_FILE, dst);
		return 0;
	}
	rc = lidmap_load_file(m, old, &found);
	if (rc != 0)
		return rc; /* corrupt (set aside: it is ours) or unreadable */
	m->dirty = 1;      /* written even when empty: the migration is done */
	if (lidmap_save(m) < 0) {
		log_warnx("%s: an older smd's LID map, used as it is until %s can be written",
			  old, LIDMAP_FILE);
		return 0;
	}
	if (lidmap_rename_aside(old, "migrated", dst, sizeof(dst)) == 0)
		log_notice("%s: an older smd's LID map: %zu entries moved to %s; the old file is kept as %s",
			   old, m_count(m), LIDMAP_FILE, dst);
	return 0;
}

int lidmap_load(struct lidmap *m, const char *dir)
{
	char *own, *old;
	int rc, own_found;
	FILE *f;

	if (!m || !dir)
		return -1;
	lidmap_clear(m);
	m->dirty = 0;
	m->nimported = 0;
	if (lidmap_set_dir(m, dir) < 0)
		return -1;
	own = lidmap_path(dir, LIDMAP_FILE);
	old = lidmap_path(dir, LIDMAP_OLD_FILE);
	if (!own || !old) {
		log_err("lidmap: out of memory");
		free(own);
		free(old);
		return -1;
	}
	rc = lidmap_load_file(m, own, &own_found);
	m->dirty = 0;
	if (rc >= 0 && (f = fopen(old, "re")) != NULL) {
		int smd = lidmap_is_smd(f);
		fclose(f);
		if (smd) {
			int mrc = lidmap_migrate(m, old, own_found);
			if (mrc != 0)
				rc = mrc;
		} else {
			lidmap_import(m, old);
		}
	} else if (rc >= 0 && errno != ENOENT) {
		log_warn("%s: cannot open", old);
	}
	free(own);
	free(old);
	return rc;
}

/* ---- import OpenSM's guid2lid ---- */

/* Whether the file open as f was imported since the last load; records it. */
static int lidmap_imported_before(struct lidmap *m, FILE *f)
{
	struct stat st;

	if (fstat(fileno(f), &st) < 0)
		return 0;
	for (int i = 0; i < m->nimported; i++)
		if (m->imported[i].dev == st.st_dev && m->imported[i].ino == st.st_ino)
			return 1;
	if (m->nimported < LIDMAP_MAX_IMPORTS) {
		m->imported[m->nimported].dev = st.st_dev;
		m->imported[m->nimported].ino = st.st_ino;
		m->nimported++;
	}
	return 0;
}

static void lidmap_cat(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lidmap_cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

struct lidmap_merge {
	size_t imported, known, skipped;
	char first_skip[96];
};

/* The map wins: an entry fills in only a GUID it does not know, with a LID
 * nobody in it holds. */
static int lidmap_merge(struct lidmap *m, const struct osmg2l *g, struct lidmap_merge *r)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct osmg2l_ent *e = &g->ent[i];
		uint64_t holder;

		if (lidmap_get(m, e->guid)) {
			r->known++;
			continue;
		}
		holder = lidmap_owner(m, e->lid);
		if (holder) {
			if (r->skipped++ == 0)
				snprintf(r->first_skip, sizeof(r->first_skip),
					 "LID %u already held by 0x%016" PRIx64, e->lid, holder);
			continue;
		}
		lidmap_set(m, e->guid, e->lid);
		if (lidmap_get(m, e->guid) != e->lid)
			return -1;
		r->imported++;
	}
	return 0;
}

int lidmap_import(struct lidmap *m, const char *path)
{
	struct osmg2l g;
	struct lidmap_merge r = { 0 };
	char msg[1024] = "";
	FILE *f;
	int n;

	if (!m || !path)
		return -1;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			log_debug("%s: no OpenSM LID map to import", path);
			return 0;
		}
		log_warn("%s: cannot open OpenSM's LID map", path);
		return -1;
	}
	if (lidmap_imported_before(m, f)) {
		fclose(f);
		return 0;
	}
	if (lidmap_is_smd(f)) {
		log_warnx("%s: an smd LID map, not OpenSM's: not imported", path);
		fclose(f);
		return 0;
	}
	n = osmg2l_read(f, path, &g);
	fclose(f);
	if (n < 0)
		return -1;
	if (lidmap_merge(m, &g, &r) < 0)
		log_err("lidmap: out of memory");
	lidmap_cat(msg, sizeof(msg), "imported %zu LIDs from OpenSM's %s", r.imported, path);
	if (r.known)
		lidmap_cat(msg, sizeof(msg), ", %zu known to smd already", r.known);
	if (r.skipped)
		lidmap_cat(msg, sizeof(msg), ", %zu skipped: %s%s", r.skipped, r.first_skip,
			   r.skipped > 1 ? " ..." : "");
	if (g.bad)
		lidmap_cat(msg, sizeof(msg), ", %u bad lines not imported", g.bad);
	if (r.imported || r.skipped || g.bad)
		log_notice("%s", msg);
	else
		log_info("%s", msg);
	osmg2l_free(&g);
	return (int)r.imported;
}

/* ---- save ---- */

/* mkdir -p with mode 0755; existing components are fine. */
static int lidmap_mkdirs(const char *dir)
{
	char *p;
	int rc = 0;

	/* Common cases first: the directory exists, or only it is missing. */
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || dir[0] == '\0')
		return -1;
	p = strdup(dir);
	if (!p)
		return -1;
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int lidmap_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Render the whole file into one buffer: one write, sorted by GUID. */
static char *lidmap_render(const struct lidmap *m, size_t *lenp)
{
	struct lidmap_ent *v;
	size_t hdr = strlen(LIDMAP_HEADER);
	/* "0x" + 16 hex + ' ' + 5 digits + '\n' + NUL */
	size_t cap = hdr + m_count(m) * 26 + 1;
	char *buf;
	size_t len;

	if (lidmap_sorted(m, &v) < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf) {
		free(v);
		return NULL;
	}
	memcpy(buf, LIDMAP_HEADER, hdr);
	len = hdr;
	for (size_t i = 0; i < m_count(m); i++)
		len += (size_t)snprintf(buf + len, cap - len, "0x%016" PRIx64 " %u\n",
					v[i].guid, (unsigned)v[i].lid);
	free(v);
	*lenp = len;
	return buf;
}

static int lidmap_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write tmp fully and durably; on failure it is removed. */
static int lidmap_write_tmp(const char *tmp, const char *buf, size_t len)
{
	int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0) {
		log_warn("%s: cannot create", tmp);
		return -1;
	}
	if (lidmap_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		log_warn("%s: cannot write", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		log_warn("%s: cannot close", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int lidmap_save(struct lidmap *m)
{
	char *path = NULL, *tmp = NULL, *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (!m || !m->dirty)
		return 0;
	if (!m->dir) {
		log_warnx("lidmap: no state directory to save to");
		return -1;
	}
	if (lidmap_mkdirs(m->dir) < 0) {
		log_warn("%s: cannot create directory", m->dir);
		return -1;
	}
	path = lidmap_path(m->dir, LIDMAP_FILE);
	if (path && asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		tmp = NULL;
	if (path && tmp)
		buf = lidmap_render(m, &len);
	if (!buf) {
		log_err("lidmap: out of memory");
		goto out;
	}
	if (lidmap_write_tmp(tmp, buf, len) < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		log_warn("%s: cannot rename to %s", tmp, path);
		unlink(tmp);
		goto out;
	}
	/* Without this the rename itself may not survive a crash. */
	if (lidmap_fsync_dir(m->dir) < 0) {
		log_warn("%s: cannot fsync directory", m->dir);
		goto out;
	}
	m->dirty = 0;
	log_debug("%s: saved %zu entries", path, m_count(m));
	rc = 0;
out:
	free(buf);
	free(tmp);
	free(path);
	return rc;
}
