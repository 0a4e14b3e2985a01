/* sweep: the heavy sweep, a pipeline of asynchronous stages over a fresh
 * fabric model:
 *   survey:    discover (discover.c), then the other SMs' SMInfo (smpeer.c),
 *              then the caller's verdict (the election);
 *   configure: LIDs (lid.c, lidmap.c) -> forwarding tables (lftsync.c) ->
 *              PortInfo and Armed (link.c), P_Key -> Active.
 * It knows nothing of the daemon: what it reads and writes comes in
 * sweep_params, what it found goes out in sweep_result. */
#ifndef SMD_SWEEP_H
#define SMD_SWEEP_H

#include <stdint.h>
#include "fabric.h"
#include "lft.h"
#include "lidmap.h"
#include "link.h"
#include "mad.h"
#include "metrics.h"
#include "mft.h"
#include "rank.h"
#include "route.h"
#include "trouble.h"

struct sweep;

enum sweep_mode {
	SWEEP_ELECT,     /* DISCOVERING: survey, then win (configure) or follow */
	SWEEP_MASTER,    /* MASTER: survey (hand over?), then configure */
	SWEEP_RECORD,    /* STANDBY: survey and record the LIDs seen */
};

/* The verdict on what the survey found. */
enum sweep_go {
	SWEEP_CONFIGURE,  /* go on as master */
	SWEEP_END,        /* end, the model dropped */
	SWEEP_END_KEEP,   /* end, the model handed over in the result */
	SWEEP_END_RECORD, /* end, the LIDs seen recorded, the model handed over */
};

struct sweep_result {
	struct fabric *fab;       /* the model, the caller's now (NULL: dropped) */
	int failed;               /* the local port did not answer: nothing done */
	int configured;           /* configured what it could (serve it) */
	int all_active;           /* every linked port Active, nothing failed */
	int quick;                /* the model came from the quick update (quick.h) */
	double ms;
	unsigned active, linked;
	unsigned malformed;       /* SMP replies not believed (smpcheck.c) */
};

struct sweep_params {
	struct mad_engine *mad;
	enum sweep_mode mode;
	struct lidmap *lids;      /* read, assigned and persisted */
	struct lft_memory *lfts;  /* what the switches hold (lftsync) */
	struct mft_memory *mft;   /* the multicast top a SwitchInfo Set keeps */
	struct trouble *trouble;  /* ports a master sweep could not configure */
	const struct fabric *prev;/* the last complete model, or NULL */
	int rereg_all;            /* first sweep as master: ClientReregister everywhere */
	struct link_mkey mkey;    /* what every PortInfo Set writes in the M_Key fields */
	int was_up, was_served;   /* the last sweep's verdict (what is worth a log line) */
	uint64_t skip_peer;       /* not asked in the survey (a standby's master) */
	enum rt_engine engine;
	const uint64_t *roots;
	unsigned nroots;
	int rebalance;            /* route from scratch rather than keep what stands */
	struct lft_report *route_report; /* the re-route's summary when written (or NULL) */
	/* Trap 128 from these switch LIDs only, and prev was whole: try the
	 * quick update (quick.h) before a full discovery; the ports are then
	 * not configured again (nothing but cables gone changed). */
	const uint16_t *quick_lids;
	unsigned nquick;
	/* After the survey; fab is the new model (our port is fab->local). */
	enum sweep_go (*decide)(void *arg, struct sweep *sw, const struct fabric *fab,
				struct sm_peer *peers, unsigned n);
	/* The end, unless aborted; the sweep is gone when it runs. */
	void (*done)(void *arg, struct sweep_result *r);
	void *arg;
	struct metrics *mx;       /* forwarding table blocks are counted here (or NULL) */
};

/* NULL on error (discovery could not start). */
struct sweep *sweep_start(const struct sweep_params *p);
/* Stop; done is not called. */
void sweep_abort(struct sweep *sw);
/* Continue a SWEEP_ELECT sweep as master after the election was won: the
 * first sweep as master, so every port gets ClientReregister. */
void sweep_continue_as_master(struct sweep *sw);
enum sweep_mode sweep_mode(const struct sweep *sw);

#endif
