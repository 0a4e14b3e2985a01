/* lidfile: the LID map's file in state_dir (lidmap.h): load it, save it
 * atomically, set a corrupt one aside, migrate an older smd's file, import
 * OpenSM's guid2lid. The map itself is lidmap.c's; this file only calls it. */
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

#include "lidmap_int.h"
#include "log.h"
#include "osmg2l.h"
#include "xalloc.h"

#define LIDMAP_HEADER "# smd guid2lid v1\n"

/* ---- load ---- */

static char *lidfile_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	char *p = xmalloc(len);

	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

/* Parse "0x<1..16 hex> <decimal>" with optional surrounding blanks.
 * Returns 0, or -1 with a reason in why. Ranges are checked by the caller. */
static int lidfile_parse_line(const char *s, uint64_t *guid, unsigned long *lid,
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
static int lidfile_load_entry(struct lidmap *m, const char *line, char *why, size_t whylen)
{
	uint64_t guid;
	unsigned long lid;

	if (lidfile_parse_line(line, &guid, &lid, why, whylen) < 0)
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
	return 0;
}

/* Parse f into m. Returns 0, 1 (corrupt: *bad_line and why set), -1 (I/O). */
static int lidfile_parse(struct lidmap *m, FILE *f, unsigned *bad_line,
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
		if (lidfile_load_entry(m, p, why, whylen) < 0) {
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
static int lidfile_rename_aside(const char *path, const char *tag, char *dst, size_t dstlen)
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
static int lidfile_set_aside(const char *path)
{
	char dst[4096], tag[48];

	snprintf(tag, sizeof(tag), "corrupt.%ld", (long)time(NULL));
	if (lidfile_rename_aside(path, tag, dst, sizeof(dst)) < 0)
		return -1;
	log_warnx("%s: set aside as %s; starting with an empty LID map", path, dst);
	return 0;
}

static void lidfile_set_dir(struct lidmap *m, const char *dir)
{
	char *d = xstrdup(dir);  /* dir may be m->dir itself */

	free(m->dir);
	m->dir = d;
}

/* Load one smd-format file into the empty map: 0 loaded or absent (*found
 * says which), 1 corrupt (set aside), -1 I/O error. A file that cannot be set
 * aside yields -1, not 1: the caller must not go on and save over it. */
static int lidfile_load_one(struct lidmap *m, const char *path, int *found, int quiet)
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
		if (!quiet)
			log_warn("%s: cannot open", path);
		return -1;
	}
	*found = 1;
	rc = lidfile_parse(m, f, &bad_line, why, sizeof(why));
	if (rc < 0 && !quiet)
		log_warn("%s: read error", path);
	fclose(f);
	if (rc == 1) {
		log_err("%s:%u: %s", path, bad_line, why);
		if (lidfile_set_aside(path) < 0)
			rc = -1;
	}
	if (rc != 0)
		lidmap_clear(m);
	else
		log_info("%s: %zu GUID to LID entries", path, lidmap_count(m));
	return rc;
}

/* 1 when f starts with smd's header (f is rewound), 0 otherwise. */
static int lidfile_is_smd(FILE *f)
{
	char buf[sizeof(LIDMAP_HEADER)];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	rewind(f);
	return n == sizeof(buf) - 1 && memcmp(buf, LIDMAP_HEADER, n) == 0;
}

/* An older smd kept its map as guid2lid, the name of OpenSM's file: move it
 * to LIDMAP_FILE once, keeping the old file under another name. */
static int lidfile_migrate(struct lidmap *m, const char *old, int own_found)
{
	char dst[4096];
	int found, rc;

	if (own_found) {
		/* A migration that stopped before its rename: finish it. */
		if (lidfile_rename_aside(old, "migrated", dst, sizeof(dst)) == 0)
			log_notice("%s: an older smd's LID map, already moved to %s; renamed %s",
				   old, LIDMAP_FILE, dst);
		return 0;
	}
	rc = lidfile_load_one(m, old, &found, 0);
	if (rc != 0)
		return rc; /* corrupt (set aside: it is ours) or unreadable */
	m->dirty = 1;      /* written even when empty: the migration is done */
	if (lidmap_save(m) < 0) {
		log_warnx("%s: an older smd's LID map, used as it is until %s can be written",
			  old, LIDMAP_FILE);
		return 0;
	}
	if (lidfile_rename_aside(old, "migrated", dst, sizeof(dst)) == 0)
		log_notice("%s: an older smd's LID map: %zu entries moved to %s; the old file is kept as %s",
			   old, lidmap_count(m), LIDMAP_FILE, dst);
	return 0;
}

const char *lidmap_unsaved(const struct lidmap *m)
{
	return m && (m->blocked || m->failing) ? m->why : NULL;
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
	lidfile_set_dir(m, dir);
	own = lidfile_path(dir, LIDMAP_FILE);
	old = lidfile_path(dir, LIDMAP_OLD_FILE);
	rc = lidfile_load_one(m, own, &own_found, 0);
	m->dirty = 0;
	if (rc >= 0 && (f = fopen(old, "re")) != NULL) {
		int smd = lidfile_is_smd(f);
		fclose(f);
		if (smd) {
			int mrc = lidfile_migrate(m, old, own_found);
			if (mrc != 0)
				rc = mrc;
		} else {
			lidmap_import(m, old);
		}
	} else if (rc >= 0 && errno != ENOENT) {
		log_warn("%s: cannot open", old);
	}
	m->blocked = rc < 0;
	m->failing = 0;
	if (rc < 0) {
		snprintf(m->why, sizeof(m->why), "%s cannot be read or set aside", own);
		log_err("LIDs are not being saved: %s; running without it, retrying at each save",
			m->why);
	}
	free(own);
	free(old);
	return rc;
}

/* A blocked map: read the file again. Loaded (its entries the map lacks
 * merged in, where their LIDs are free) or set aside: unblocked. */
static void lidfile_unblock(struct lidmap *m)
{
	struct lidmap *t = lidmap_new();
	char *own = lidfile_path(m->dir, LIDMAP_FILE);
	int found;

	/* quiet: the trouble was logged when it began */
	if (lidfile_load_one(t, own, &found, 1) >= 0) {
		struct lidmap_ent *v = lidmap_sorted(t);

		for (size_t i = 0; v && i < lidmap_count(t); i++)
			if (!lidmap_get(m, v[i].guid) && !lidmap_owner(m, v[i].lid))
				lidmap_set(m, v[i].guid, v[i].lid);
		free(v);
		m->blocked = 0;
		m->dirty = 1;
		log_notice("%s: readable again; LIDs are being saved", own);
	}
	lidmap_free(t);
	free(own);
}

/* ---- import OpenSM's guid2lid ---- */

/* Whether the file open as f was imported since the last load; records it. */
static int lidfile_imported_before(struct lidmap *m, FILE *f)
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

static void lidfile_cat(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lidfile_cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

struct lidfile_merge {
	size_t imported, known, skipped;
	char first_skip[96];
};

/* The map wins: an entry fills in only a GUID it does not know, with a LID
 * nobody in it holds. */
static void lidfile_merge(struct lidmap *m, const struct osmg2l *g, struct lidfile_merge *r)
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
		r->imported++;
	}
}

int lidmap_import(struct lidmap *m, const char *path)
{
	struct osmg2l g;
	struct lidfile_merge r = { 0 };
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
	if (lidfile_imported_before(m, f)) {
		fclose(f);
		return 0;
	}
	if (lidfile_is_smd(f)) {
		log_warnx("%s: an smd LID map, not OpenSM's: not imported", path);
		fclose(f);
		return 0;
	}
	n = osmg2l_read(f, path, &g);
	fclose(f);
	if (n < 0)
		return -1;
	lidfile_merge(m, &g, &r);
	lidfile_cat(msg, sizeof(msg), "imported %zu LIDs from OpenSM's %s", r.imported, path);
	if (r.known)
		lidfile_cat(msg, sizeof(msg), ", %zu known to smd already", r.known);
	if (r.skipped)
		lidfile_cat(msg, sizeof(msg), ", %zu skipped: %s%s", r.skipped, r.first_skip,
			   r.skipped > 1 ? " ..." : "");
	if (g.bad)
		lidfile_cat(msg, sizeof(msg), ", %u bad lines not imported", g.bad);
	if (r.imported || r.skipped || g.bad)
		log_notice("%s", msg);
	else
		log_info("%s", msg);
	osmg2l_free(&g);
	return (int)r.imported;
}

/* ---- save ---- */

/* mkdir -p with mode 0755; existing components are fine. */
static int lidfile_mkdirs(const char *dir)
{
	char *p;
	int rc = 0;

	/* Common cases first: the directory exists, or only it is missing. */
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || dir[0] == '\0')
		return -1;
	p = xstrdup(dir);
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

static int lidfile_write_all(int fd, const char *buf, size_t len)
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
static char *lidfile_render(const struct lidmap *m, size_t *lenp)
{
	struct lidmap_ent *v;
	size_t hdr = strlen(LIDMAP_HEADER);
	/* "0x" + 16 hex + ' ' + 5 digits + '\n' + NUL */
	size_t cap = hdr + lidmap_count(m) * 26 + 1;
	char *buf;
	size_t len;

	v = lidmap_sorted(m);
	buf = xmalloc(cap);
	memcpy(buf, LIDMAP_HEADER, hdr);
	len = hdr;
	for (size_t i = 0; i < lidmap_count(m); i++)
		len += (size_t)snprintf(buf + len, cap - len, "0x%016" PRIx64 " %u\n",
					v[i].guid, (unsigned)v[i].lid);
	free(v);
	*lenp = len;
	return buf;
}

static int lidfile_fsync_dir(const char *dir)
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
/* -1 with *what saying which step failed (errno kept). */
static int lidfile_write_tmp(const char *tmp, const char *buf, size_t len, const char **what)
{
	int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	int err;

	*what = "cannot create";
	if (fd < 0)
		return -1;
	*what = "cannot write";
	if (lidfile_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		return -1;
	}
	*what = "cannot close";
	if (close(fd) < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/* A save failed: say so once (and smctl status says it until one works). */
static void lidfile_fail(struct lidmap *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lidfile_fail(struct lidmap *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	if (!m->failing)
		log_err("LIDs are not being saved: %s; retrying at each save", m->why);
	m->failing = 1;
}

int lidmap_save(struct lidmap *m)
{
	char *path, *tmp, *buf;
	size_t len = 0;
	int rc = -1;

	if (m && m->blocked && m->dir)
		lidfile_unblock(m);
	if (!m || m->blocked)
		return -1;
	if (!m->dirty)
		return 0;
	if (!m->dir) {
		log_warnx("lidmap: no state directory to save to");
		return -1;
	}
	if (lidfile_mkdirs(m->dir) < 0) {
		lidfile_fail(m, "%s: cannot create the directory: %s", m->dir, strerror(errno));
		return -1;
	}
	path = lidfile_path(m->dir, LIDMAP_FILE);
	size_t tlen = strlen(path) + 32;  /* ".tmp." and a pid */
	tmp = xmalloc(tlen);
	snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
	buf = lidfile_render(m, &len);
	const char *what;
	if (lidfile_write_tmp(tmp, buf, len, &what) < 0) {
		lidfile_fail(m, "%s: %s: %s", tmp, what, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		lidfile_fail(m, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* Without this the rename itself may not survive a crash. */
	if (lidfile_fsync_dir(m->dir) < 0) {
		lidfile_fail(m, "%s: cannot fsync directory: %s", m->dir, strerror(errno));
		goto out;
	}
	m->dirty = 0;
	if (m->failing)
		log_notice("%s: LIDs are being saved again", path);
	m->failing = 0;
	log_debug("%s: saved %zu entries", path, lidmap_count(m));
	rc = 0;
out:
	free(buf);
	free(tmp);
	free(path);
	return rc;
}
