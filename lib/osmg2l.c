/* osmg2l: reading OpenSM's guid2lid file (format in osmg2l.h). */
#include "osmg2l.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "hmap.h"
#include "lidmap.h"
#include "log.h"
#include "xalloc.h"

#define OSMG2L_BLANKS " \t\r"
/* No real fabric has more ports than unicast LIDs: a file far longer than
 * that is not a guid2lid. */
#define OSMG2L_MAX_ENTRIES (4 * (LID_UCAST_MAX + 1))

/* "0x" + 1..16 hex digits, non-zero. */
static int osmg2l_guid(const char *t, size_t len, uint64_t *out)
{
	uint64_t g = 0;

	if (len < 3 || len > 18 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X'))
		return -1;
	for (size_t i = 2; i < len; i++) {
		int v = hexdigit_val((unsigned char)t[i]);
		if (v < 0)
			return -1;
		g = (g << 4) | (uint64_t)v;
	}
	if (g == 0)
		return -1;
	*out = g;
	return 0;
}

/* A LID as OpenSM writes it (0x hex) or as a person might (decimal). A
 * leading 0 is refused: OpenSM would read it as octal. */
static int osmg2l_lid(const char *t, size_t len, unsigned long *out, char *why, size_t whylen)
{
	unsigned long v = 0;
	size_t i = 0;
	int hex = len >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');

	if (hex)
		i = 2;
	if (len == i) {
		snprintf(why, whylen, "'%.*s' is not a LID", (int)len, t);
		return -1;
	}
	if (!hex && len > 1 && t[0] == '0') {
		snprintf(why, whylen, "LID '%.*s' has a leading 0 (octal to OpenSM): write it in 0x hex or decimal",
			 (int)(len > 12 ? 12 : len), t);
		return -1;
	}
	for (; i < len; i++) {
		int d = hex ? hexdigit_val((unsigned char)t[i]) :
			(t[i] >= '0' && t[i] <= '9' ? t[i] - '0' : -1);
		if (d < 0) {
			snprintf(why, whylen, "'%.*s' is not a LID", (int)(len > 20 ? 20 : len), t);
			return -1;
		}
		if (v <= 0xFFFFF) /* stays far out of range without overflowing */
			v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (!lid_is_ucast(v)) {
		snprintf(why, whylen, "LID %.*s out of range 1..%u (0x%04x)",
			 (int)(len > 12 ? 12 : len), t, LID_UCAST_MAX, LID_UCAST_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

int osmg2l_parse_line(const char *s, uint64_t *guid, uint16_t *lid, char *why, size_t whylen)
{
	const char *tok[4];
	size_t len[4];
	int n = 0;
	unsigned long lo, hi;

	*guid = 0;
	*lid = 0;
	for (s += strspn(s, OSMG2L_BLANKS); *s; s += strspn(s, OSMG2L_BLANKS)) {
		if (n == 0 && *s == '#')
			return 0;
		if (n == 4)
			break;
		tok[n] = s;
		len[n] = strcspn(s, OSMG2L_BLANKS);
		s += len[n++];
	}
	if (n == 0)
		return 0;
	if (n != 3) {
		snprintf(why, whylen, "%s, expected \"0x<port GUID> <min LID> <max LID>\"",
			 n < 3 ? "too few fields" : "too many fields");
		return -1;
	}
	if (osmg2l_guid(tok[0], len[0], guid) < 0) {
		snprintf(why, whylen, "'%.*s' is not a port GUID (0x and 1 to 16 hex digits, not 0)",
			 (int)(len[0] > 24 ? 24 : len[0]), tok[0]);
		*guid = 0;
		return -1;
	}
	if (osmg2l_lid(tok[1], len[1], &lo, why, whylen) < 0 ||
	    osmg2l_lid(tok[2], len[2], &hi, why, whylen) < 0) {
		*guid = 0;
		return -1;
	}
	if (lo > hi) {
		snprintf(why, whylen, "LID range %lu..%lu is backwards", lo, hi);
		*guid = 0;
		return -1;
	}
	*lid = (uint16_t)lo; /* LMC > 0: the base LID; smd gives one LID per port */
	return 0;
}

/* ---- the whole file ---- */

struct osmg2l_rd {
	const char *path;
	struct osmg2l *g;
	unsigned char *dead;   /* [n]: contradicted by another entry */
	size_t cap;
	struct hmap by_guid;   /* GUID -> index + 1 of its first entry */
	struct hmap by_lid;    /* LID -> index + 1 */
	unsigned reported;
};

static void osmg2l_report(struct osmg2l_rd *rd, unsigned line, const char *why)
{
	if (rd->reported++ < OSMG2L_MAX_REPORT)
		log_warnx("%s:%u: %s; line not imported", rd->path, line, why);
}

static void osmg2l_grow(struct osmg2l_rd *rd)
{
	size_t cap = rd->cap ? rd->cap * 2 : 256;

	rd->g->ent = xreallocarray(rd->g->ent, cap, sizeof(*rd->g->ent));
	rd->dead = xreallocarray(rd->dead, cap, 1);
	rd->cap = cap;
}

/* Mark i and the earlier entry j it contradicts dead, each counted once. */
static void osmg2l_kill(struct osmg2l_rd *rd, size_t i, size_t j, const char *why)
{
	size_t both[2] = { i, j };

	for (int k = 0; k < 2; k++)
		if (!rd->dead[both[k]]) {
			rd->dead[both[k]] = 1;
			rd->g->bad++;
		}
	osmg2l_report(rd, rd->g->ent[i].line, why);
}

/* Add one entry; an exact repeat is dropped quietly, a contradiction kills
 * both entries: which one OpenSM used is unknown. -1 (EFBIG) past
 * OSMG2L_MAX_ENTRIES. */
static int osmg2l_add(struct osmg2l_rd *rd, uint64_t guid, uint16_t lid, unsigned line)
{
	struct osmg2l *g = rd->g;
	size_t gi = (size_t)(uintptr_t)hmap_get(&rd->by_guid, guid);
	size_t li = (size_t)(uintptr_t)hmap_get(&rd->by_lid, lid);
	char why[160];

	if (gi && g->ent[gi - 1].lid == lid)
		return 0;
	if (g->n == OSMG2L_MAX_ENTRIES) {
		errno = EFBIG;
		return -1;
	}
	if (g->n == rd->cap)
		osmg2l_grow(rd);
	size_t i = g->n++;
	g->ent[i] = (struct osmg2l_ent){ guid, lid, line };
	rd->dead[i] = 0;
	if (gi) {
		snprintf(why, sizeof(why), "GUID 0x%016" PRIx64 " has LID %u here but LID %u on line %u: "
			 "neither is imported", guid, lid, g->ent[gi - 1].lid, g->ent[gi - 1].line);
		osmg2l_kill(rd, i, gi - 1, why);
	}
	if (li && g->ent[li - 1].guid != guid) {
		snprintf(why, sizeof(why), "LID %u is given to 0x%016" PRIx64 " here and to 0x%016" PRIx64
			 " on line %u: neither is imported", lid, guid, g->ent[li - 1].guid,
			 g->ent[li - 1].line);
		osmg2l_kill(rd, i, li - 1, why);
	}
	if (!gi)
		hmap_put(&rd->by_guid, guid, (void *)(uintptr_t)(i + 1));
	if (!li)
		hmap_put(&rd->by_lid, lid, (void *)(uintptr_t)(i + 1));
	return 0;
}

static int osmg2l_lines(FILE *f, struct osmg2l_rd *rd)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;
	char why[160];

	errno = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		uint64_t guid;
		uint16_t lid;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len != strlen(line)) {
			rd->g->bad++;
			osmg2l_report(rd, lineno, "NUL byte in line");
		} else if (osmg2l_parse_line(line, &guid, &lid, why, sizeof(why)) < 0) {
			rd->g->bad++;
			osmg2l_report(rd, lineno, why);
		} else if (guid) {
			rc = osmg2l_add(rd, guid, lid, lineno);
		}
	}
	if (rc == 0 && ferror(f))
		rc = -1;
	free(line);
	return rc;
}

int osmg2l_read(FILE *f, const char *path, struct osmg2l *g)
{
	struct osmg2l_rd rd = { .path = path, .g = g };
	int rc;

	memset(g, 0, sizeof(*g));
	hmap_init(&rd.by_guid);
	hmap_init(&rd.by_lid);
	rc = osmg2l_lines(f, &rd);
	if (rc < 0) {
		log_warn("%s: cannot read", path);
		osmg2l_free(g);
	} else {
		size_t k = 0;
		for (size_t i = 0; i < g->n; i++)
			if (!rd.dead[i])
				g->ent[k++] = g->ent[i];
		g->n = k;
		if (rd.reported > OSMG2L_MAX_REPORT)
			log_warnx("%s: %u more bad lines not shown", path,
				  rd.reported - OSMG2L_MAX_REPORT);
	}
	free(rd.dead);
	hmap_free(&rd.by_guid);
	hmap_free(&rd.by_lid);
	return rc;
}

void osmg2l_free(struct osmg2l *g)
{
	if (!g)
		return;
	free(g->ent);
	memset(g, 0, sizeof(*g));
}
