/* mftsync: program the multicast forwarding plan into the switches by
 * directed route, only the 32-MLID blocks that differ from what was
 * programmed before, many SMPs in flight. */
#ifndef SMD_MFTSYNC_H
#define SMD_MFTSYNC_H

#include "fabric.h"
#include "mad.h"
#include "mcast.h"
#include "metrics.h"
#include "mft.h"

struct mftsync;
typedef void (*mftsync_done_fn)(void *arg, unsigned sent, unsigned failed);

/* Program what plan wants: every block that differs from the memory, or
 * with `blocks` (a bit per 32-MLID block, as mft_plan.dirty) only those
 * blocks: a join compares one block a switch, however many groups there
 * are. The plan is read only here. Blocks written and failed are counted
 * in mx (or not, NULL). NULL when nothing was sent (cb is not called). */
struct mftsync *mftsync_start(struct mad_engine *mad, struct mft_memory *mem,
			      const struct mft_plan *plan, const uint64_t *blocks,
			      struct metrics *mx, mftsync_done_fn cb, void *arg);
/* Stop caring: no callback; what is in flight frees itself. */
void mftsync_cancel(struct mftsync *s);

#endif
