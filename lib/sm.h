/* sm: the subnet manager instance: election actions, timers (light sweep,
 * standby poll, own-port watch) and answers to unsolicited MADs. The heavy
 * sweep pipeline lives in sweep.c. */
#ifndef SMD_SM_H
#define SMD_SM_H

#include <stdint.h>
#include <time.h>
#include <event2/event.h>
#include "config.h"
#include "election.h"
#include "fabric.h"
#include "lft.h"
#include "lidmap.h"
#include "mad.h"
#include "mcast.h"
#include "mft.h"
#include "mftsync.h"
#include "mwatch.h"
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
	enum sm_state state;
	uint32_t act_count;
	uint64_t port_guid;       /* our port */
	uint8_t local_portnum;
	uint16_t lid;             /* our LID once known */
	struct fabric *fab;       /* last complete model */
	struct sweep *sweep;      /* heavy sweep in progress */
	int resweep;              /* a heavy sweep is wanted when this one ends */
	int mastered_once;        /* first sweep as master done (ClientReregister) */
	int subnet_up;            /* last master sweep brought every port Active */
	int served;               /* last master sweep configured what it could: serve it */
	struct trouble trouble;   /* ports that sweep could not configure */
	struct sm_peer master;    /* the SM we follow as STANDBY */
	struct mwatch mw;         /* is it gone, or only slow? */
	int slow_noted;           /* "master is slow" logged for this episode */
	int probe_busy;           /* a check of the master's port in flight */
	unsigned watch_epoch;     /* bumped when the master or its liveness changes: */
	unsigned poll_epoch, probe_epoch; /* replies sent in an older one are stale */
	int former_busy;          /* MASTER: a poll of the former master in flight */
	struct sm_peer former;    /* MASTER: the master we took over from ... */
	uint64_t former_until;    /* ... watched until then (ms, monotonic); 0 = not */
	int own_linkup;           /* own port has a physical link */
	int poll_busy, light_busy;
	int closing;              /* sm_free is ending outstanding requests */
	unsigned retry_ms;        /* back-off before re-sweeping an unfinished subnet */
	struct event *sweep_ev, *poll_ev, *kick_ev, *leave_ev;
	/* other SMs */
	struct peer_op *peers_op; /* SMInfo refresh in flight */
	struct peer_op *ho_op;    /* handover (or the wait after it) in flight */
	struct sm_peer ho_peer;   /* whom we hand over to */
	uint64_t refused_guid;    /* refused our handover lately: not again soon */
	struct timespec refused_at;
	uint64_t noted_guid;      /* better SM already logged (preempt = no) */
	uint8_t noted_prio;
	uint64_t noted_untrusted; /* SM with a foreign SM_Key already logged */
	unsigned line_pos;        /* standby: better standbys ahead of us */
	unsigned nstandby;        /* standbys, counting us */
	struct timespec trap144_at;  /* last trap 144 announcing our priority */
	int trap144_due;          /* announce at the next chance */
	/* for smctl status */
	struct sm_peer *peers;    /* the other SMs as last seen */
	unsigned npeers;
	struct {
		time_t when;          /* end of the last master sweep, 0 = none */
		double ms;
		unsigned active, linked;
	} last_sweep;
	/* SA */
	struct mc_table mc;       /* multicast groups (served while MASTER) */
	struct mft_memory mft;    /* multicast forwarding programmed per switch */
	struct mftsync *mft_sync; /* programming in flight */
	unsigned mft_synced;      /* mc.changes the last programming started from */
	int mft_again;            /* groups changed meanwhile: program again */
	int mft_retry;            /* blocks failed: the next light sweep retries */
	void (*state_hook)(void *arg, const struct sm *sm);
	void *state_hook_arg;
	/* SIGTERM */
	int leaving;
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
/* --once: -1 while running, then 0 or 1. */
int sm_once_result(const struct sm *sm);
/* SIGTERM: a master hands over to the best standby before it exits.
 * Returns 0 when there is nothing to do (exit now), 1 when cb will be
 * called once that is done (bounded by a few seconds). */
int sm_leave(struct sm *sm, void (*cb)(void *arg), void *arg);

/* Used by sweep.c */
void sm_event(struct sm *sm, enum elect_event ev);
/* A sweep ended: all_active, every linked port is Active and nothing
 * failed; served, a master sweep configured what it could (groups and
 * multicast tables follow even when some ports failed). */
void sm_sweep_done(struct sm *sm, int all_active, int served);
void sm_request_sweep(struct sm *sm, const char *why);
uint8_t sm_priority(const struct sm *sm);
void sm_fill_info(const struct sm *sm, struct sm_info *si);
struct peer_self sm_self(const struct sm *sm);
/* Of the SMs found, the one a master should hand over to now, if any: a
 * better master, or a better standby when preempt = yes. */
struct sm_peer *sm_pick_handover(struct sm *sm, struct sm_peer *peers, unsigned n);
/* Hand mastership to `to`; leaving: then exit (SIGTERM). */
void sm_handover(struct sm *sm, const struct sm_peer *to, int leaving);
/* A standby's place in line from the SMs found: sets its polling pace. */
void sm_set_line(struct sm *sm, const struct sm_peer *peers, unsigned n);
/* Keep the SMs seen for status; keep_master: the list lacks the master
 * (a standby does not ask it), keep its entry. */
void sm_remember_peers(struct sm *sm, const struct sm_peer *peers, unsigned n, int keep_master);
/* systemd and logs: the state changed (set by the daemon's main). */
void sm_set_state_hook(struct sm *sm, void (*fn)(void *arg, const struct sm *sm), void *arg);
/* smctl sweep */
void sm_force_sweep(struct sm *sm);
/* Log, once each, SMs ignored for their SM_Key. */
void sm_note_untrusted(struct sm *sm, const struct sm_peer *peers, unsigned n);

#endif
