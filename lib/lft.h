/* lft: from the fabric model to programmed linear forwarding tables: builds
 * the routing graph, runs the engine, and remembers per switch what was
 * programmed so a re-sweep sends only the 64-LID blocks that changed. */
#ifndef SMD_LFT_H
#define SMD_LFT_H

#include <stdint.h>
#include <time.h>
#include "fabric.h"
#include "hmap.h"
#include "route.h"

#define LFT_BLOCK 64

/* What smd last programmed into one switch. */
struct lft_shadow {
	uint16_t top;             /* LinearFDBTop written */
	uint16_t nblocks;
	uint8_t *valid;           /* [nblocks]: block known to hold data[] */
	uint8_t *data;            /* [nblocks * 64] */
};

/* All switches, by node GUID, and the up/down order they were routed in
 * (kept while the topology allows, so a cable loss flips no link). */
struct lft_memory {
	struct hmap by_guid;
	struct hmap order;        /* switch GUID -> place in the order + 1 */
	uint64_t order_key;       /* engine and roots the order was made with */
	int rewrite;              /* the next sync writes every block: what the
				   * switches hold may have been changed behind
				   * our back (a forced sweep); routes stay */
};

void lft_memory_init(struct lft_memory *m);
/* Forget everything (another SM may have programmed the switches since). */
void lft_memory_clear(struct lft_memory *m);
struct lft_shadow *lft_shadow_get(struct lft_memory *m, uint64_t guid, uint16_t nblocks);
/* Ready the shadow of a switch about to be programmed up to LinearFDBTop
 * top. What it remembers is worthless, and dropped, when the top the switch
 * holds (cur_top, as read) is not the one written (reset, or another SM) or
 * when !known (not in the last sweep: replugged or rebooted meanwhile);
 * blocks above top are not kept. Records top as written. */
struct lft_shadow *lft_shadow_prepare(struct lft_memory *m, uint64_t guid, uint16_t top,
				      uint16_t cur_top, int known);
/* Does block b need writing (unknown to the shadow, or different)? */
int lft_block_differs(const struct lft_shadow *sh, unsigned b, const uint8_t want[LFT_BLOCK]);
/* Record block b as programmed; forget it (its Set failed: sent again next
 * time). Both do nothing for a switch or block the memory does not hold. */
void lft_block_done(struct lft_memory *m, uint64_t guid, unsigned b,
		    const uint8_t data[LFT_BLOCK]);
void lft_block_forget(struct lft_memory *m, uint64_t guid, unsigned b);
/* The switch's LinearFDBTop is unknown (its SwitchInfo Set failed): the
 * next programming rewrites every block. */
void lft_top_forget(struct lft_memory *m, uint64_t guid);
/* The port the switch forwards `lid` to, as programmed; -1 when unknown. */
int lft_port_for(const struct lft_memory *m, uint64_t guid, uint16_t lid);

/* The last re-route that changed or wrote something (smctl status). */
struct lft_report {
	time_t when;                    /* 0: none yet */
	char why[160];                  /* "cable leaf2/6 - spine1/3 down", "rebalance" */
	unsigned entries, switches;     /* entries that changed, on that many switches */
	unsigned blocks, failed;        /* LFT blocks written, Sets that failed */
	double ms;                      /* routing and writing, until the last reply */
};

/* The switches of f in the order of the graph (index = rt switch index). */
struct lft_plan {
	struct rt_graph g;
	struct rt_tables t;
	struct fab_node **sw;     /* [g.nsw] */
	enum rt_engine used;
	struct rt_hint *hint;     /* [g.nsw], what the switches hold (g.hint), or NULL */
	uint64_t order_key;       /* engine and roots asked for */
};

/* Build the graph from f (LIDs assigned) and route it. 0, or -1 on error.
 * A fabric without switches yields an empty plan (nsw == 0). keep: what
 * the switches hold (as written): every route still legal stays where it
 * is, so an event moves only the routes it breaks; NULL routes from
 * scratch, balanced (smctl rebalance, a new master). */
int lft_plan_build(struct lft_plan *p, struct fabric *f, enum rt_engine engine,
		   const uint64_t *roots, unsigned nroots, const struct lft_memory *keep);
void lft_plan_free(struct lft_plan *p);
/* The hints are no longer needed once routed: their memory goes. */
void lft_plan_drop_hints(struct lft_plan *p);
/* The plan is being programmed: its up/down order is the one to keep. */
void lft_order_remember(struct lft_memory *m, const struct lft_plan *p);
/* Block b of switch s as the plan routes it; LIDs above top: not routed. */
void lft_block(const struct lft_plan *p, unsigned s, uint16_t top, unsigned b,
	       uint8_t out[LFT_BLOCK]);

/* The LinearFDBTop to write: the highest LID routed, but never at or above
 * LinearFDBCap (ibsim corrupts its memory past it, hardware refuses it). */
uint16_t lft_top(const struct fab_node *sw, uint16_t max_lid);

#endif
