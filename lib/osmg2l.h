/* osmg2l: reading OpenSM's guid2lid file, so a fabric moving from OpenSM
 * keeps its LIDs. Read only: smd never writes that file.
 *
 * OpenSM writes one entry per port, "0x<port GUID> 0x<min LID> 0x<max LID>",
 * each followed by a blank line, no header; min != max when LMC > 0. */
#ifndef SMD_OSMG2L_H
#define SMD_OSMG2L_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bad lines logged one by one; the rest are only counted. */
#define OSMG2L_MAX_REPORT 10

struct osmg2l_ent {
	uint64_t guid;
	uint16_t lid;     /* the base (min) LID */
	unsigned line;
};

struct osmg2l {
	struct osmg2l_ent *ent; /* importable entries, in file order */
	size_t n;
	unsigned bad;           /* entries or lines skipped: malformed or contradictory */
};

/*
 * Parse one line: blank lines and '#' comments set *guid = 0 and return 0;
 * an entry returns 0 with its GUID and base LID; anything else returns -1
 * with the reason in why. LIDs are 0x hex or decimal.
 */
int osmg2l_parse_line(const char *s, uint64_t *guid, uint16_t *lid, char *why, size_t whylen);

/*
 * Read the whole file f (named path in log lines) into *g. Every bad line,
 * and every entry that contradicts another (one GUID with two LIDs, one LID
 * for two GUIDs: neither is trusted), is logged as "path:line: why" and
 * skipped. Returns 0, or -1 on a read error or an absurdly long file
 * (errno EFBIG; *g empty).
 */
int osmg2l_read(FILE *f, const char *path, struct osmg2l *g);
void osmg2l_free(struct osmg2l *g);

#endif
