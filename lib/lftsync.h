/* lftsync: route the fabric and program the linear forwarding tables into
 * the switches by directed route: per switch a SwitchInfo Set (LinearFDBTop,
 * PortStateChange cleared) where needed and only the 64-LID blocks that
 * differ from what was programmed before, many SMPs in flight. */
#ifndef SMD_LFTSYNC_H
#define SMD_LFTSYNC_H

#include "fabric.h"
#include "lft.h"
#include "mad.h"
#include "metrics.h"
#include "mft.h"
#include "route.h"

struct lftsync;
/* The last reply is in: sent Sets, failed of them. */
typedef void (*lftsync_done_fn)(void *arg, unsigned sent, unsigned failed);
/* A Set to switch port 0 p failed (why: "SwitchInfo Set failed", ...). */
typedef void (*lftsync_trouble_fn)(void *arg, const struct fab_port *p, const char *why);

struct lftsync_params {
	struct mad_engine *mad;
	struct lft_memory *lfts;        /* what was programmed: compared, updated */
	const struct mft_memory *mft;   /* multicast tops the SwitchInfo Set keeps */
	struct fabric *fab;             /* LIDs assigned; must outlive the sync */
	const struct fabric *prev;      /* the last sweep's model (NULL: none): a
					 * switch not in it has a shadow not trusted */
	enum rt_engine engine;
	const uint64_t *roots;
	unsigned nroots;
	int rebalance;                  /* route from scratch, not keeping what stands */
	struct lft_report *report;      /* filled when the writes are done (or NULL) */
	lftsync_trouble_fn trouble;
	lftsync_done_fn done;
	void *arg;                      /* for trouble and done */
	struct metrics *mx;             /* blocks written and failed counted (or NULL) */
};

/* NULL when nothing is in flight (done is not called). *failed: what could
 * not be programmed at once (routing failed, a switch whose SwitchInfo was
 * not read, a send refused); the Sets that fail later go to done. */
struct lftsync *lftsync_start(const struct lftsync_params *p, unsigned *failed);
/* Stop caring: no callbacks, no memory updates; what is in flight frees itself. */
void lftsync_cancel(struct lftsync *s);

#endif
