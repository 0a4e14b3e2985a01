/* elect: the IBA SM election (IBA vol. 1, 14.4) in one place: the state
 * table and its named actions, SMInfo Set handling, the standby's polling of
 * its master (gone or slow, see mwatch), handover, leaving, announcements by
 * trap 144, ranking and the line of standbys, and the watch of a master we
 * took over from.
 *
 * It sends nothing and arms nothing itself: it asks the daemon through
 * struct elect_ops (send an SMInfo poll, arm a timer, start a sweep...) and
 * hears back through the elect_on_*() calls, so every decision runs under
 * unit tests with recording stubs and a fake clock.
 */
#ifndef SMD_ELECT_H
#define SMD_ELECT_H

#include <stdint.h>
#include "mwatch.h"
#include "rank.h"

enum elect_event {
	EV_START,            /* the daemon starts */
	EV_SWEEP_WON,        /* discovery found no master and no better SM */
	EV_SWEEP_LOST,       /* discovery found a master or a better SM */
	EV_MASTER_LOST,      /* standby: the master is gone (or slow too long) */
	EV_HANDOVER,         /* SubnSet(SMInfo, HANDOVER) from the master */
	EV_HANDED_OVER,      /* master: our HANDOVER was taken, the peer reports MASTER */
	EV_CMD_STANDBY,      /* SubnSet(SMInfo, STANDBY) from the master */
	EV_CMD_DISABLE,      /* SubnSet(SMInfo, DISABLE) from the master */
	EV_CMD_DISCOVER,     /* SubnSet(SMInfo, DISCOVER) from the master */
	EV_LEAVE,            /* shutting down (after handing over, if master) */
	EV_NEVENTS
};

enum elect_action {
	ACT_NONE,
	ACT_SWEEP,           /* run discovery, then decide */
	ACT_BECOME_MASTER,   /* configure the subnet (continue or start a sweep) */
	ACT_FOLLOW,          /* stop mastering, poll the master */
	ACT_STOP,            /* no polling, no sweeping; keep answering SMInfo */
};

/* SMInfo Set attribute modifiers: SMINFO_* in smp.h */

const char *elect_state_name(enum sm_state s);
const char *elect_event_name(enum elect_event ev);

/* The table alone: the action for ev in *state, and *state updated; an
 * event with no row is logged and ignored (ACT_NONE). */
enum elect_action elect_step(enum sm_state *state, enum elect_event ev);

/* ---- the election object ------------------------------------------------ */

struct elect_cfg {
	uint8_t priority;
	uint64_t key;              /* our SM_Key */
	int preempt;               /* hand over to a better standby */
	unsigned poll_interval_ms; /* next in line polls this often */
	unsigned poll_timeout_ms;  /* one poll's wait */
	unsigned poll_retries;     /* misses that make a master gone */
	unsigned master_timeout_ms;/* a slow master is waited this long */
};

enum elect_timer {
	ET_POLL,                   /* standby: next poll; master: next poll of the former master */
	ET_LEAVE,                  /* SIGTERM: the limit for handing over */
	ET_NTIMERS
};

/* How an exchange with a peer ended. */
enum elect_ho { HO_OK, HO_REFUSED, HO_NO_ANSWER, HO_NOT_MASTER };
const char *elect_ho_name(enum elect_ho r);

/* The daemon's side. MAD exchanges return 0 when under way (their answer
 * comes back through the matching elect_on_*() call, exactly once), -1
 * when they could not start. */
struct elect_ops {
	uint64_t (*now_ms)(void *arg);                         /* monotonic */
	void (*timer)(void *arg, enum elect_timer t, unsigned ms); /* (re)arm */
	void (*timer_stop)(void *arg, enum elect_timer t);
	/* SMInfo Get to p (poll: elect_on_poll, former: elect_on_former) */
	int (*poll)(void *arg, const struct sm_peer *p, unsigned timeout_ms, int former);
	/* NodeInfo Get to p's node by directed route: elect_on_probe */
	int (*probe)(void *arg, const struct sm_peer *p, unsigned timeout_ms);
	/* SMInfo of every other SM known: elect_on_peers */
	int (*query_peers)(void *arg, uint64_t skip);
	/* SubnSet(SMInfo, HANDOVER) carrying ours: elect_on_handover */
	int (*handover)(void *arg, const struct sm_peer *to, const struct sm_info *ours);
	/* poll p until it reports MASTER or limit_ms pass: elect_on_master_seen */
	int (*wait_master)(void *arg, const struct sm_peer *p, unsigned limit_ms);
	/* trap 144 "priority changed" to the master; fire and forget */
	int (*trap144)(void *arg, const struct sm_peer *master);
	/* the state changed and act is to be carried out on the fabric side:
	 * sweeps, serving, what the master remembers */
	void (*act)(void *arg, enum elect_action act, enum sm_state was);
	/* SIGTERM work is over: the daemon may exit */
	void (*left)(void *arg);
	/* the heavy sweep: is one running, stop it, ask for one (why: logged) */
	int (*sweeping)(void *arg);
	void (*stop_sweep)(void *arg);
	void (*resweep)(void *arg, const char *why);
};

struct elect {
	const struct elect_ops *ops;
	void *arg;
	struct elect_cfg cfg;
	uint64_t guid;             /* our port GUID (0 until the first sweep) */
	enum sm_state state;
	uint32_t act_count;
	/* STANDBY: the master and how it is doing */
	struct sm_peer master;
	struct mwatch mw;
	int slow_noted, poll_busy, probe_busy;
	unsigned epoch, poll_epoch, probe_epoch; /* replies from an older epoch are stale */
	int own_linkup;            /* own port has a physical link (daemon sets it) */
	unsigned line_pos, nstandby;
	uint64_t trap144_at;       /* ms; last announcement */
	int trap144_due;
	/* MASTER: the master we took over from, watched a while */
	struct sm_peer former;
	uint64_t former_until;     /* ms; 0 = not watched */
	int former_busy;
	/* handover in flight (ho_stage 1: HANDOVER sent, 2: waiting for MASTER) */
	int ho_stage;
	struct sm_peer ho_peer;
	uint64_t refused_guid, refused_at;
	/* logged once */
	uint64_t noted_guid, noted_untrusted;
	uint8_t noted_prio;
	/* the other SMs as last seen (smctl status) */
	struct sm_peer *peers;
	unsigned npeers;
	int peers_busy;            /* query_peers under way */
	int leaving;               /* SIGTERM */
	/* counted for the metrics, never reset */
	struct elect_counts {
		uint64_t failovers;         /* master found gone (or slow too long): took over */
		uint64_t handovers_given;   /* our HANDOVER accepted by a better SM */
		uint64_t handovers_taken;   /* a master's HANDOVER made us MASTER */
		uint64_t master_changes;    /* the master known became another SM */
		uint64_t master;            /* that master's GUID (0: none known yet) */
		uint64_t master_changed_ms; /* ops->now_ms() of the last change */
	} counts;
};

void elect_init(struct elect *e, const struct elect_ops *ops, void *arg,
		const struct elect_cfg *cfg);
void elect_free(struct elect *e);
/* New settings (SIGHUP): a changed priority or preempt re-ranks at once. */
void elect_reload(struct elect *e, const struct elect_cfg *cfg);

/* Drive the table; runs the election's part of the action, then ops->act. */
void elect_event(struct elect *e, enum elect_event ev);
void elect_fill_info(const struct elect *e, struct sm_info *si);
/* The master as this SM knows it: itself while MASTER, the one it follows
 * while STANDBY, else 0. */
uint64_t elect_master_guid(const struct elect *e);
static inline struct peer_self elect_self(const struct elect *e)
{
	return (struct peer_self){ .guid = e->guid, .key = e->cfg.key, .priority = e->cfg.priority };
}

/* A heavy sweep's verdict from the SMs it found. mode: what the sweep was
 * for (enum below). Returns ELECT_GO_ON when the sweep goes on to
 * configure the subnet as master, ELECT_FOLLOW when it ends and we follow
 * e->master (the caller ends the sweep first, then calls elect_follow()),
 * ELECT_HAND_OVER when it ends and mastership goes to *to (the caller ends
 * the sweep, then calls elect_handover()), ELECT_DONE when it ends. */
enum elect_sweep { ELECT_SWEEP_ELECT, ELECT_SWEEP_MASTER, ELECT_SWEEP_RECORD };
enum elect_verdict { ELECT_GO_ON, ELECT_FOLLOW, ELECT_HAND_OVER, ELECT_DONE, ELECT_RESWEEP };
enum elect_verdict elect_sweep_verdict(struct elect *e, enum elect_sweep mode,
				       struct sm_peer *peers, unsigned n, struct sm_peer *to);
void elect_follow(struct elect *e, const struct sm_peer *master);
void elect_handover(struct elect *e, const struct sm_peer *to);

/* SubnSet(SMInfo) from another SM (mod, its SMInfo in them): returns 0 to
 * accept (the reply carries our SMInfo after the event), or the MAD status
 * to refuse with. *locate: the commanding master's route is unknown. */
#define ELECT_STATUS_REFUSED 0x001c  /* MAD status "invalid field" */
unsigned elect_sminfo_set(struct elect *e, uint32_t mod, const struct sm_info *them,
			  const struct sm_peer *where, int *locate);
/* Trap 144 from an SM announcing its priority (master): ask the SMs. */
void elect_priority_trap(struct elect *e);
/* SIGTERM: 0 = nothing to do (exit now), 1 = ops->left() comes later. */
int elect_leave(struct elect *e);
/* Our own port's link came up or went down. */
void elect_own_link(struct elect *e, int up);
/* Ask every known SM (light sweep, reload): a master hands over if it should. */
void elect_refresh(struct elect *e);

/* Answers to what ops started. */
void elect_on_timer(struct elect *e, enum elect_timer t);
/* SMInfo poll: MW_ANSWERED (si valid), MW_ERROR or MW_TIMEOUT */
void elect_on_poll(struct elect *e, enum mw_outcome o, const struct sm_info *si);
void elect_on_probe(struct elect *e, uint64_t port_guid_or_0);
void elect_on_former(struct elect *e, enum mw_outcome o, const struct sm_info *si);
void elect_on_peers(struct elect *e, struct sm_peer *peers, unsigned n);
void elect_on_handover(struct elect *e, enum elect_ho r);
void elect_on_master_seen(struct elect *e, enum elect_ho r);

#endif
