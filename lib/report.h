/* report: what smctl shows (status, LIDs, multicast groups), as text for
 * people or as JSON for scripts, built from the SM's current view. */
#ifndef SMD_REPORT_H
#define SMD_REPORT_H

#include <stddef.h>
#include "sbuf.h"
#include "sm.h"

/* Each appends to b (sbuf.h). */
void report_status(const struct sm *sm, int json, struct sbuf *b);
void report_lids(const struct sm *sm, int json, struct sbuf *b);
void report_groups(const struct sm *sm, int json, struct sbuf *b);
/* Every metric in Prometheus' text format (README "Metrics"). */
void report_metrics(const struct sm *sm, struct sbuf *b);
void report_partitions(const struct sm *sm, int json, struct sbuf *b);

#endif
