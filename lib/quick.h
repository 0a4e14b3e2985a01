/* quick: the answer to trap 128 when the last sweep left the fabric whole.
 * Instead of discovering every node again, read the PortInfo of every port
 * of the switches that trapped and, when all they report is cables gone,
 * hand back the last model without those cables (and without what only
 * they reached). Anything else (a port that came up, a port re-trained, a
 * switch that does not answer) asks for a full discovery. On 8,000 nodes
 * that is ~130 SMPs per trapping switch instead of ~80,000. */
#ifndef SMD_QUICK_H
#define SMD_QUICK_H

#include <stdint.h>
#include "fabric.h"
#include "mad.h"

#define QUICK_MAX_LIDS 16

/* fab: the new model (the caller's), or NULL: discover in full (why says
 * why, for the log). mads: SMPs sent. */
typedef void (*quick_done_fn)(void *arg, struct fabric *fab, unsigned mads, const char *why);

struct quick;
/* prev must stay until cb has run. NULL when nothing could be sent (then
 * discover in full). */
struct quick *quick_start(struct mad_engine *e, const struct fabric *prev, const uint16_t *lids,
			  unsigned nlids, quick_done_fn cb, void *arg);
/* Stop caring: cb will not run; what is in flight frees itself. */
void quick_abort(struct quick *q);

#endif
