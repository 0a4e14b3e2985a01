/* report: what smctl shows (status, LIDs, multicast groups), as text for
 * people or as JSON for scripts, built from the SM's current view. */
#ifndef SMD_REPORT_H
#define SMD_REPORT_H

#include <stddef.h>
#include "sm.h"

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quotes and escapes included. */
void sb_json_str(struct sbuf *b, const char *s);
void sb_free(struct sbuf *b);

void report_status(const struct sm *sm, int json, struct sbuf *b);
void report_lids(const struct sm *sm, int json, struct sbuf *b);
void report_groups(const struct sm *sm, int json, struct sbuf *b);

#endif
