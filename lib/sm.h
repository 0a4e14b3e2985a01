/* sm: the subnet manager instance: election actions, timers (light sweep,
 * standby poll, own-port watch) and answers to unsolicited MADs. The heavy
 * sweep pipeline lives in sweep.c. */
#ifndef SMD_SM_H
#define SMD_SM_H

#include <stdint.h>
#include <time.h>
#include <event2/event.h>
#include "audit.h"
#include "config.h"
#include "elect.h"
#include "fabric.h"
#include "lft.h"
#include "lidmap.h"
#include "mad.h"
#include "mcast.h"
#include "metrics.h"
#include "mft.h"
#include "mftsync.h"
#include "mwatch.h"
#include "pkeysync.h"
#include "prtn_conf.h"
#include "quick.h"
#include "ratelim.h"
#include "budget.h"
#include "sweep.h"
#include "trouble.h"
#include "smpeer.h"

struct sm {
	struct event_base *base;
	struct smd_config cfg;
	int prio_override;        /* -p, kept across SIGHUP; -1 = none */
	struct mad_engine *mad;
	struct lidmap *lids;
	struct lft_memory lfts;   /* what we programmed into each switch */
	struct elect el;          /* the election: state, master, peers (elect.h) */
	uint8_t local_portnum;
	struct fabric *fab;       /* last complete model */
	struct sweep *sweep;      /* heavy sweep in progress */
	int resweep;              /* a heavy sweep is wanted when this one ends */
	int rebalance;            /* the next master sweep routes from scratch */
	/* switches that sent trap 128 since the last sweep began; full_due: a
	 * reason for a full discovery came too (anything but those traps) */
	uint16_t quick_lids[QUICK_MAX_LIDS];
	unsigned nquick;
	int full_due;
	/* switches whose traps 128 the rate limit held back: looked at once
	 * by the next light sweep, so a change is late, never lost */
	uint16_t held_lids[QUICK_MAX_LIDS];
	unsigned nheld;
	int held_full;
	/* unsolicited input per source: what is acted on (traps), what is
	 * logged (a line a window, counting the rest) */
	struct ratelim rl_act, rl_log;
	enum elect_verdict verdict; /* the sweep's verdict, carried out at its end */
	struct sm_peer verdict_to;  /* whom it follows or hands over to */
	int mastered_once;        /* first sweep as master done (ClientReregister) */
	int subnet_up;            /* last master sweep brought every port Active */
	int served;               /* last master sweep configured what it could: serve it */
	struct trouble trouble;   /* ports that sweep could not configure */
	struct light *light;      /* light sweep in flight */
	struct audit *audit;      /* what the fabric holds against what we wrote */
	int closing;              /* sm_free is ending outstanding requests */
	unsigned retry_ms;        /* back-off before re-sweeping an unfinished subnet */
	struct event *sweep_ev, *poll_ev, *kick_ev, *leave_ev;
	struct event *mft_ev;     /* joins gathered before the forwarding follows */
	/* exchanges with other SMs the election asked for */
	struct peer_op *peers_op; /* SMInfo of the SMs known */
	struct peer_op *ho_op;    /* handover, or the wait after it */
	struct {
		time_t when;          /* end of the last master sweep, 0 = none */
		double ms;
		unsigned active, linked;
	} last_sweep;
	struct lft_report last_route;  /* the last re-route that wrote something */
	struct metrics mx;        /* counters for smctl metrics and [metrics] listen */
	struct link_mkey mkey;    /* [sm] m_key and its protection, as every PortInfo Set
				   * writes them (fixed until restart) */
	struct timespec sweep_t0, light_t0; /* the heavy (or quick) and light sweep's start */
	unsigned long malformed;  /* SMP replies not believed, since start (smpcheck.c) */
	struct prtn_conf prtn;     /* the partitions (prtn_conf.h) */
	struct pkey_memory pkeys; /* P_Key tables as written or read (pkey.h) */
	struct pkeysync *pkey_sync; /* P_Key programming in flight */
	int pkey_again;           /* partitions or fabric changed meanwhile */
	int pkey_retry;           /* writes failed: the next light sweep retries */
	/* SA */
	struct mc_table mc;       /* multicast groups (served while MASTER) */
	struct budget sa_budget;  /* bytes of GetTable answers per source per second */
	unsigned sa_budget_gen;   /* fab_gen its rates were set for, + 1 */
	struct mft_memory mft;    /* multicast forwarding programmed per switch */
	struct mftsync *mft_sync; /* programming in flight */
	struct mft_plan mft_plan; /* what the switches should hold, kept between joins */
	int mft_plan_ok;          /* built, for the model of generation mft_plan_gen */
	unsigned mft_plan_gen;
	unsigned fab_gen;         /* bumped whenever sm->fab is replaced */
	unsigned mft_synced;      /* mc.changes the last programming started from */
	int mft_again;            /* groups changed meanwhile: program again */
	int mft_retry;            /* blocks failed: the next light sweep retries */
	void (*state_hook)(void *arg, const struct sm *sm);
	void *state_hook_arg;
	/* SIGTERM */
	void (*left_cb)(void *arg);
	void *left_arg;
	/* --once */
	int once;
	int once_rc;
	struct timespec once_t0;
};

/* Create the SM on an open event base: opens the port (mad engine), loads
 * the LID map, starts the election. NULL on error (logged). */
struct sm *sm_new(struct event_base *base, const struct smd_config *cfg, int prio_override, int once);
void sm_free(struct sm *sm);
/* SIGHUP: apply what can change at run time from a validated new config. */
void sm_reload(struct sm *sm, const struct smd_config *cfg);
/* The partitions, at start and at SIGHUP: takes *pc over (and empties it). */
void sm_set_partitions(struct sm *sm, struct prtn_conf *pc);
/* --once: -1 while running, then 0 or 1. */
int sm_once_result(const struct sm *sm);
/* SIGTERM: a master hands over to the best standby before it exits.
 * Returns 0 when there is nothing to do (exit now), 1 when cb will be
 * called once that is done (bounded by a few seconds). */
int sm_leave(struct sm *sm, void (*cb)(void *arg), void *arg);

uint8_t sm_priority(const struct sm *sm);

#define SM_SA_BUDGET_MIN (1024.0 * 1024)  /* bytes of GetTable answers a port may cost a second */
/* Joins and leaves gathered this long before the tables follow: a burst
 * (a host's IPoIB joining its groups, MPI starting) writes a block once. */
#define SM_MFT_GATHER_MS 10
#define SA_PKT_LIFE 18  /* PacketLifeTime in SA records (OpenSM's default) */

/* sm_recv.c: every unsolicited MAD (the engine's handler). */
void sm_recv(void *arg, uint8_t *mad, size_t len, const struct mad_from *from);
/* sm_mcast.c: the broadcast group and the multicast tables. */
void sm_mcast_groups(struct sm *sm);
void sm_mcast_sync(struct sm *sm);
void sm_mcast_cancel(struct sm *sm);
void sm_mft_gathered(evutil_socket_t fd, short what, void *arg);  /* mft_ev */
void sm_mcast_ipoib_params(const struct sm *sm, unsigned *mtu, unsigned *rate);

/* sm_prtn.c: the partitions and the P_Key tables. */
void sm_pkey_sync(struct sm *sm);
void sm_pkey_cancel(struct sm *sm);

/* sm_sweep.c: when to sweep. */
void sm_timer(const struct sm *sm, struct event *ev, unsigned ms);  /* not while closing */
void sm_start_sweep(struct sm *sm, enum sweep_mode mode);
void sm_stop_sweep(struct sm *sm);
/* Log why, and start the heavy sweep the state calls for. */
void sm_request_sweep(struct sm *sm, const char *why);
/* Add lid to a set of switch LIDs (once); -1 when it is full or lid is 0. */
int sm_lid_note(uint16_t set[QUICK_MAX_LIDS], unsigned *n, uint16_t lid);
/* Trap 128 from switch LID lid: a quick update when nothing else is due. */
void sm_request_quick(struct sm *sm, uint16_t lid);
void sm_kick_cb(evutil_socket_t fd, short what, void *arg);   /* a re-sweep due */
/* smctl rebalance: the next heavy sweep routes from scratch; -1 unless MASTER. */
int sm_rebalance(struct sm *sm);
void sm_sweep_cb(evutil_socket_t fd, short what, void *arg);  /* the sweep interval */
/* systemd and logs: the state changed (set by the daemon's main). */
void sm_set_state_hook(struct sm *sm, void (*fn)(void *arg, const struct sm *sm), void *arg);
/* smctl sweep: the forwarding tables read back first (audit.h). */
void sm_force_sweep(struct sm *sm);
/* The audit found ports only a heavy sweep repairs. */
void sm_audit_drift(void *arg, const char *why);

#endif
