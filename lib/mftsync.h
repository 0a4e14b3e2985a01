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

/* NULL when nothing was sent (cb is not called). Blocks written and
 * failed are counted in mx (or not, NULL). */
struct mftsync *mftsync_start(struct mad_engine *mad, struct mft_memory *mem,
			      const struct fabric *f, const struct mc_table *mc,
			      struct metrics *mx, mftsync_done_fn cb, void *arg);
/* Stop caring: no callback; what is in flight frees itself. */
void mftsync_cancel(struct mftsync *s);

#endif
