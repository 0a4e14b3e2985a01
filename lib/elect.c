#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elect.h"
#include "log.h"
#include "standby.h"
#include "xalloc.h"

#define S(x) (1u << (x))
#define ANY (S(SM_NOTACTIVE) | S(SM_DISCOVERING) | S(SM_STANDBY) | S(SM_MASTER))

#define REFUSED_HOLD_MS 60000  /* an SM that refused a handover is not asked again sooner */
#define HANDOVER_WAIT_MS 2000  /* a handover ends when the new master reports MASTER */
#define LEAVE_WAIT_MS 2000     /* SIGTERM: wait for the new master to report MASTER */
#define LEAVE_LIMIT_MS 4000    /* SIGTERM: exit after this whatever happens */
#define FORMER_WATCH_MS 60000  /* a new master watches the one it took over from */
#define FORMER_POLL_MAX_MS 60000

/* ---- the table ------------------------------------------------------------ */

static const char *const state_names[SM_NSTATES] = {
	[SM_NOTACTIVE] = "NOTACTIVE", [SM_DISCOVERING] = "DISCOVERING",
	[SM_STANDBY] = "STANDBY", [SM_MASTER] = "MASTER",
};

static const char *const event_names[EV_NEVENTS] = {
	[EV_START] = "start", [EV_SWEEP_WON] = "no better SM found",
	[EV_SWEEP_LOST] = "a master or better SM found", [EV_MASTER_LOST] = "master lost",
	[EV_HANDOVER] = "handover received", [EV_HANDED_OVER] = "handed over",
	[EV_CMD_STANDBY] = "told to stand by", [EV_CMD_DISABLE] = "told to disable",
	[EV_CMD_DISCOVER] = "told to discover", [EV_LEAVE] = "shutting down",
};

/* IBA 14.4.1 figure "SM state machine", as rows of
 * {states the event is valid in, event, action, new state}. */
static const struct {
	unsigned states;
	enum elect_event ev;
	enum elect_action act;
	enum sm_state next;
} elect_table[] = {
	{ S(SM_NOTACTIVE),                   EV_START,        ACT_SWEEP,         SM_DISCOVERING },
	{ S(SM_DISCOVERING),                 EV_SWEEP_WON,    ACT_BECOME_MASTER, SM_MASTER },
	{ S(SM_DISCOVERING),                 EV_SWEEP_LOST,   ACT_FOLLOW,        SM_STANDBY },
	{ S(SM_STANDBY),                     EV_MASTER_LOST,  ACT_SWEEP,         SM_DISCOVERING },
	{ S(SM_STANDBY) | S(SM_DISCOVERING), EV_HANDOVER,     ACT_BECOME_MASTER, SM_MASTER },
	{ S(SM_MASTER),                      EV_HANDED_OVER,  ACT_FOLLOW,        SM_STANDBY },
	{ S(SM_MASTER) | S(SM_DISCOVERING),  EV_CMD_STANDBY,  ACT_FOLLOW,        SM_STANDBY },
	{ ANY & ~S(SM_NOTACTIVE),            EV_CMD_DISABLE,  ACT_STOP,          SM_NOTACTIVE },
	{ S(SM_NOTACTIVE) | S(SM_STANDBY),   EV_CMD_DISCOVER, ACT_SWEEP,         SM_DISCOVERING },
	/* Not in the spec's figure: told to disable, an SM stays out only
	 * while the master that told it lives (it polls it as a standby
	 * would), or an SM on every node could end in a fabric with none. */
	{ S(SM_NOTACTIVE),                   EV_MASTER_LOST,  ACT_SWEEP,         SM_DISCOVERING },
	/* Not in the spec's figure: leaving, we answer NOTACTIVE so that no SM
	 * hands mastership back to us. */
	{ ANY & ~S(SM_NOTACTIVE),            EV_LEAVE,        ACT_STOP,          SM_NOTACTIVE },
};

const char *elect_state_name(enum sm_state s)
{
	return (unsigned)s < SM_NSTATES ? state_names[s] : "UNKNOWN";
}

const char *elect_event_name(enum elect_event ev)
{
	return (unsigned)ev < EV_NEVENTS ? event_names[ev] : "unknown event";
}

enum elect_action elect_step(enum sm_state *state, enum elect_event ev)
{
	for (size_t i = 0; i < sizeof(elect_table) / sizeof(elect_table[0]); i++) {
		if (elect_table[i].ev != ev || !(elect_table[i].states & S(*state)))
			continue;
		if (elect_table[i].next != *state) {
			const char *to = elect_state_name(elect_table[i].next);
			const char *from = elect_state_name(*state);
			log_event(LOG_LVL_NOTICE, EVT_STATE, (const struct log_field[]){
					  LF_STR("SMD_STATE", to), LF_STR("SMD_STATE_FROM", from),
					  LF_STR("SMD_CAUSE", elect_event_name(ev)), LF_END },
				  "entering %s (%s, was %s)", to, elect_event_name(ev), from);
		}
		*state = elect_table[i].next;
		return elect_table[i].act;
	}
	log_info("ignoring '%s' in state %s", elect_event_name(ev), elect_state_name(*state));
	return ACT_NONE;
}

const char *elect_ho_name(enum elect_ho r)
{
	switch (r) {
	case HO_OK: return "done";
	case HO_REFUSED: return "refused";
	case HO_NO_ANSWER: return "no answer";
	case HO_NOT_MASTER: return "it did not become MASTER";
	}
	return "?";
}

/* ---- helpers ---------------------------------------------------------------- */


static uint64_t now(const struct elect *e)
{
	return e->ops->now_ms(e->arg);
}


void elect_fill_info(const struct elect *e, struct sm_info *si)
{
	si->guid = e->guid;
	si->key = e->cfg.key;
	si->act_count = e->act_count;
	si->priority = e->cfg.priority;
	si->state = (uint8_t)e->state;
}

uint64_t elect_master_guid(const struct elect *e)
{
	if (e->state == SM_MASTER)
		return e->guid;
	return e->state == SM_STANDBY ? e->master.info.guid : 0;
}

/* After every event: has the master become another SM? Going through
 * DISCOVERING (no master known) is no change by itself. */
static void note_master(struct elect *e)
{
	uint64_t g = elect_master_guid(e);

	if (!g || g == e->counts.master)
		return;
	e->counts.master = g;
	e->counts.master_changes++;
	e->counts.master_changed_ms = now(e);
}

void elect_init(struct elect *e, const struct elect_ops *ops, void *arg,
		const struct elect_cfg *cfg)
{
	memset(e, 0, sizeof(*e));
	e->ops = ops;
	e->arg = arg;
	e->cfg = *cfg;
	e->state = SM_NOTACTIVE;
	e->own_linkup = 1;
	mw_init(&e->mw, cfg->poll_retries, cfg->master_timeout_ms);
}

void elect_free(struct elect *e)
{
	free(e->peers);
	e->peers = NULL;
	e->npeers = 0;
}

/* Keep the SMs seen for status; keep_master: the list lacks the master (a
 * standby does not ask it), keep its entry from what its polls say. */
static void elect_remember(struct elect *e, const struct sm_peer *peers, unsigned n,
			   int keep_master)
{
	int listed = 0;
	for (unsigned i = 0; i < n; i++)
		listed |= peers[i].info.guid == e->master.info.guid;
	int add = keep_master && !listed && e->master.info.guid;
	struct sm_peer *np = xcalloc(n + 1, sizeof(*np));
	if (n)
		memcpy(np, peers, n * sizeof(*np));
	if (add)
		np[n++] = e->master;
	free(e->peers);
	e->peers = np;
	e->npeers = n;
}

/* Log, once each, SMs ignored for their SM_Key. */
static void elect_note_untrusted(struct elect *e, const struct sm_peer *peers, unsigned n)
{
	char g[24];
	for (unsigned i = 0; i < n; i++) {
		const struct sm_peer *p = &peers[i];
		if (rank_key_trusted(e->cfg.key, p->info.key) || p->info.guid == e->noted_untrusted)
			continue;
		e->noted_untrusted = p->info.guid;
		log_notice("ignoring SM %s (%s): its SM_Key differs from ours",
			   rank_guid_str(p->info.guid, g), elect_state_name(p->info.state));
	}
}

/* Of the SMs found, the one a master should hand over to now, if any: a
 * better master (always), or a better standby when preempt = yes. */
static struct sm_peer *elect_pick_handover(struct elect *e, struct sm_peer *peers, unsigned n)
{
	struct peer_self me = elect_self(e);
	uint64_t skip = 0;
	char g[24];

	elect_note_untrusted(e, peers, n);
	if (e->refused_guid && now(e) - e->refused_at < REFUSED_HOLD_MS)
		skip = e->refused_guid;
	struct sm_peer *p = rank_best(peers, n, S(SM_MASTER), &me, 0, skip);
	if (p)
		return p;
	p = rank_best(peers, n, S(SM_STANDBY), &me, 0, skip);
	if (!p || e->cfg.preempt)
		return p;
	if (p->info.guid != e->noted_guid || p->info.priority != e->noted_prio) {
		e->noted_guid = p->info.guid;
		e->noted_prio = p->info.priority;
		log_notice("SM %s (priority %u) outranks this master; preempt = no keeps it STANDBY",
			   rank_guid_str(p->info.guid, g), p->info.priority);
	}
	return NULL;
}

/* ---- the line of standbys and announcements ------------------------------- */

/* ---- events and actions --------------------------------------------------- */

void elect_event(struct elect *e, enum elect_event ev)
{
	enum sm_state was = e->state;
	enum elect_action act = elect_step(&e->state, ev);
	char g[24];

	switch (act) {
	case ACT_NONE:
		break;
	case ACT_SWEEP:
		e->ops->timer_stop(e->arg, ET_POLL);
		break;
	case ACT_BECOME_MASTER:
		e->ops->timer_stop(e->arg, ET_POLL);
		e->epoch++;
		if (e->former_until)  /* took over: watch the former master a while */
			e->ops->timer(e->arg, ET_POLL, e->cfg.poll_interval_ms);
		break;
	case ACT_FOLLOW:
		mw_reset(&e->mw);
		e->epoch++;
		e->slow_noted = 0;
		e->former_until = 0;
		e->trap144_due = 1;
		log_notice("following master SM %s (priority %u)",
			   rank_guid_str(e->master.info.guid, g), e->master.info.priority);
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		break;
	case ACT_STOP:
		e->ops->timer_stop(e->arg, ET_POLL);
		if (ev == EV_CMD_DISABLE && !e->leaving) {
			mw_reset(&e->mw);
			e->epoch++;
			log_notice("disabled by master SM %s: back when it is gone",
				   rank_guid_str(e->master.info.guid, g));
			e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		}
		break;
	}
	note_master(e);
	if (act != ACT_NONE || e->state != was)
		e->ops->act(e->arg, act, was);
}

/* ---- standby: poll the master --------------------------------------------- */

/* The master is gone (or slow too long): watch it a while, then elect. */
static void takeover(struct elect *e)
{
	e->former = e->master;
	e->former_until = now(e) + FORMER_WATCH_MS;
	e->counts.failovers++;
	elect_event(e, EV_MASTER_LOST);
}

void elect_on_poll(struct elect *e, enum mw_outcome o, const struct sm_info *si)
{
	if (standby_on_poll(e, o, si))
		takeover(e);
}

void elect_on_probe(struct elect *e, uint64_t port_guid)
{
	if (standby_on_probe(e, port_guid))
		takeover(e);
}

void elect_own_link(struct elect *e, int up)
{
	e->own_linkup = up;
}

/* ---- master: the master this SM took over from ---------------------------- */

/* After a takeover the former master may come back (a stopped or busy
 * process resumes): if it still claims mastership and outranks us, it gets
 * it back at once, so two masters never last. One poll at a time. */
static void former_tick(struct elect *e)
{
	uint64_t t = now(e);

	if (!e->former_until || e->former_busy)
		return;
	if (t >= e->former_until) {
		e->former_until = 0;
		return;
	}
	/* Long timeout: one request waits in a stopped process's queue. */
	uint64_t left = e->former_until - t;
	unsigned to = left > FORMER_POLL_MAX_MS ? FORMER_POLL_MAX_MS : (unsigned)left;
	if (e->ops->poll(e->arg, &e->former, to, 1) == 0)
		e->former_busy = 1;
	else
		e->ops->timer(e->arg, ET_POLL, e->cfg.poll_interval_ms);
}

void elect_on_former(struct elect *e, enum mw_outcome o, const struct sm_info *si)
{
	char g[24];

	e->former_busy = 0;
	if (e->state != SM_MASTER || !e->former_until)
		return;
	if (o == MW_ANSWERED && si->guid == e->former.info.guid) {
		if (si->state != SM_MASTER && si->state != SM_DISCOVERING) {
			e->former_until = 0;  /* it follows, or is off: done */
			return;
		}
		if (si->state == SM_MASTER && rank_key_trusted(e->cfg.key, si->key) &&
		    rank_cmp(si->priority, si->guid, e->cfg.priority, e->guid) > 0 &&
		    !e->ho_stage) {
			e->former.info = *si;
			e->former_until = 0;
			log_notice("former master SM %s is back and outranks this SM: handing back",
				   rank_guid_str(si->guid, g));
			elect_handover(e, &e->former);
			return;
		}
	}
	if (now(e) >= e->former_until)
		e->former_until = 0;
	else
		e->ops->timer(e->arg, ET_POLL, e->cfg.poll_interval_ms);
}

/* ---- handover --------------------------------------------------------------- */

static void left(struct elect *e)
{
	e->ops->timer_stop(e->arg, ET_LEAVE);
	if (e->leaving == 1) {
		e->leaving = 2;  /* once */
		e->ops->left(e->arg);
	}
}

/* A handover that did not happen: leaving, we go anyway; else we stay
 * MASTER and skip that SM for a while. */
static void handover_failed(struct elect *e, const char *why)
{
	if (e->leaving) {
		left(e);
		return;
	}
	e->refused_guid = e->ho_peer.info.guid;
	e->refused_at = now(e);
	e->ops->resweep(e->arg, why);
}

void elect_handover(struct elect *e, const struct sm_peer *to)
{
	struct sm_info si;
	char g[24];

	if (e->ho_stage || e->state != SM_MASTER)
		return;
	e->ops->stop_sweep(e->arg);
	e->ho_peer = *to;
	log_notice("handing over to SM %s (priority %u, %s)%s", rank_guid_str(to->info.guid, g),
		   to->info.priority, elect_state_name(to->info.state),
		   e->leaving ? " before exiting" : "");
	elect_fill_info(e, &si);
	if (e->ops->handover(e->arg, to, &si) == 0) {
		e->ho_stage = 1;
		return;
	}
	log_event(LOG_LVL_WARN, EVT_HANDOVER_FAILED, (const struct log_field[]){
			  LF_GUID("SMD_PEER_GUID", to->info.guid), LF_STR("SMD_REASON", "cannot send"),
			  LF_END },
		  "handover to SM %s failed (cannot send); staying MASTER", g);
	handover_failed(e, "the handover failed");
}

void elect_on_handover(struct elect *e, enum elect_ho r)
{
	char g[24];

	rank_guid_str(e->ho_peer.info.guid, g);
	if (r != HO_OK) {
		e->ho_stage = 0;
		log_event(LOG_LVL_WARN, EVT_HANDOVER_FAILED, (const struct log_field[]){
				  LF_GUID("SMD_PEER_GUID", e->ho_peer.info.guid),
				  LF_STR("SMD_REASON", elect_ho_name(r)), LF_END },
			  "handover to SM %s failed (%s); staying MASTER", g, elect_ho_name(r));
		handover_failed(e, "the handover failed");
		return;
	}
	log_event(LOG_LVL_NOTICE, EVT_HANDOVER, (const struct log_field[]){
			  LF_GUID("SMD_PEER_GUID", e->ho_peer.info.guid), LF_END },
		  "SM %s accepted the handover", g);
	e->counts.handovers_given++;
	/* Leaving: NOTACTIVE at once, so nobody hands mastership back to us.
	 * Else stay MASTER until it says MASTER (OpenSM never sends
	 * ACKNOWLEDGE): the fabric is never without one. */
	if (e->leaving)
		elect_event(e, EV_LEAVE);
	e->ho_stage = 2;
	if (e->ops->wait_master(e->arg, &e->ho_peer,
				e->leaving ? LEAVE_WAIT_MS : HANDOVER_WAIT_MS) < 0)
		elect_on_master_seen(e, HO_NOT_MASTER);
}

void elect_on_master_seen(struct elect *e, enum elect_ho r)
{
	char g[24];

	e->ho_stage = 0;
	rank_guid_str(e->ho_peer.info.guid, g);
	if (e->leaving) {
		if (r == HO_OK)
			log_notice("SM %s reports MASTER", g);
		else
			log_event(LOG_LVL_WARN, EVT_HANDOVER_FAILED, (const struct log_field[]){
					  LF_GUID("SMD_PEER_GUID", e->ho_peer.info.guid),
					  LF_STR("SMD_REASON", elect_ho_name(r)), LF_END },
				  "SM %s did not report MASTER in time", g);
		left(e);
		return;
	}
	if (r != HO_OK) {
		log_event(LOG_LVL_WARN, EVT_HANDOVER_FAILED, (const struct log_field[]){
				  LF_GUID("SMD_PEER_GUID", e->ho_peer.info.guid),
				  LF_STR("SMD_REASON", elect_ho_name(r)), LF_END },
			  "SM %s accepted the handover but does not report MASTER; staying MASTER",
			  g);
		handover_failed(e, "the handover did not complete");
		return;
	}
	e->master = e->ho_peer;
	e->line_pos = 0;
	elect_event(e, EV_HANDED_OVER);
}

/* ---- other SMs: refresh and leaving ---------------------------------------- */

void elect_refresh(struct elect *e)
{
	if (e->peers_busy)
		return;
	uint64_t skip = e->state == SM_STANDBY ? e->master.info.guid : 0;
	if (e->ops->query_peers(e->arg, skip) == 0)
		e->peers_busy = 1;
	else
		elect_on_peers(e, NULL, 0);  /* no other SM known */
}

void elect_priority_trap(struct elect *e)
{
	if (e->state == SM_MASTER && !e->leaving)
		elect_refresh(e);  /* an SM announces its priority: ask, no sweep */
}

static void leave_peers(struct elect *e, struct sm_peer *peers, unsigned n)
{
	struct peer_self me = elect_self(e);

	if (rank_best(peers, n, S(SM_MASTER), &me, 1, 0)) {
		log_notice("another master is up; leaving it the fabric");
		left(e);
		return;
	}
	struct sm_peer *p = rank_best(peers, n, S(SM_STANDBY), &me, 1, 0);
	if (!p) {
		log_notice("no standby SM to hand over to");
		left(e);
		return;
	}
	elect_handover(e, p);
}

void elect_on_peers(struct elect *e, struct sm_peer *peers, unsigned n)
{
	e->peers_busy = 0;
	if (e->leaving == 1) {
		leave_peers(e, peers, n);
		return;
	}
	if (e->leaving)
		return;
	elect_remember(e, peers, n, e->state == SM_STANDBY);
	if (e->state == SM_MASTER && !e->ho_stage && !e->ops->sweeping(e->arg)) {
		struct sm_peer *p = elect_pick_handover(e, peers, n);
		if (p) {
			struct sm_peer to = *p;
			elect_handover(e, &to);
		}
	} else if (e->state == SM_STANDBY) {
		standby_set_line(e, peers, n);
	}
}

int elect_leave(struct elect *e)
{
	if (e->leaving || e->state != SM_MASTER)
		return 0;
	e->leaving = 1;
	e->ops->timer(e->arg, ET_LEAVE, LEAVE_LIMIT_MS);
	/* A handover under way: let it finish, then leave (a second one to
	 * another standby would make two masters). */
	if (e->ho_stage)
		return 1;
	if (e->ops->query_peers(e->arg, 0) == 0) {
		e->peers_busy = 1;
		return 1;
	}
	e->leaving = 0;
	e->ops->timer_stop(e->arg, ET_LEAVE);
	return 0;
}

/* ---- timers ------------------------------------------------------------------ */

void elect_on_timer(struct elect *e, enum elect_timer t)
{
	if (t == ET_LEAVE) {
		if (e->leaving == 1) {
			log_warnx("handing over before exit takes too long; exiting");
			left(e);
		}
		return;
	}
	if (e->state == SM_MASTER)
		former_tick(e);
	else if (standby_watching(e))
		standby_tick(e);
}

/* ---- a sweep's verdict ------------------------------------------------------ */

enum elect_verdict elect_sweep_verdict(struct elect *e, enum elect_sweep mode,
				       struct sm_peer *peers, unsigned n, struct sm_peer *to)
{
	struct peer_self me = elect_self(e);
	struct sm_peer *p;

	elect_remember(e, peers, n, mode == ELECT_SWEEP_RECORD);
	if (mode == ELECT_SWEEP_ELECT) {
		/* Any trusted master wins over us (IBA: DISCOVERING that finds a
		 * master stands by); else the best SM that outranks us. */
		p = rank_best(peers, n, S(SM_MASTER), &me, 1, 0);
		if (!p)
			p = rank_best(peers, n, S(SM_DISCOVERING) | S(SM_STANDBY), &me, 0, 0);
		elect_note_untrusted(e, peers, n);
		if (p) {
			*to = *p;
			return ELECT_FOLLOW;
		}
		elect_event(e, EV_SWEEP_WON);  /* the daemon goes on as master */
		return e->state == SM_MASTER ? ELECT_GO_ON : ELECT_DONE;
	}
	if (mode == ELECT_SWEEP_MASTER) {
		/* Another master that outranks us (fabrics merged), or a better
		 * standby (unless preempt = no): hand over to it. */
		p = elect_pick_handover(e, peers, n);
		if (p) {
			*to = *p;
			return ELECT_HAND_OVER;
		}
		/* A better SM still discovering will stand by once it sees us,
		 * then we hand over: look again soon. */
		if (rank_best(peers, n, S(SM_DISCOVERING), &me, 0, 0))
			return ELECT_RESWEEP;
		return ELECT_GO_ON;
	}
	/* A standby looks: its place in line. */
	standby_set_line(e, peers, n);
	return ELECT_DONE;
}

void elect_follow(struct elect *e, const struct sm_peer *master)
{
	if (master->info.guid != e->master.info.guid)
		e->epoch++;  /* what is out about the old one is stale */
	e->master = *master;
	standby_set_line(e, e->peers, e->npeers);
	elect_event(e, EV_SWEEP_LOST);
}

/* ---- SMInfo Set from another SM ---------------------------------------------- */

unsigned elect_sminfo_set(struct elect *e, uint32_t mod, const struct sm_info *them,
			  const struct sm_peer *where, int *locate)
{
	enum elect_event ev;
	char g[24];

	*locate = 0;
	/* HANDOVER, DISABLE, STANDBY, DISCOVER only from a trusted master;
	 * ACKNOWLEDGE only from a standby (what OpenSM accepts). */
	int ok = rank_key_trusted(e->cfg.key, them->key) &&
		 (mod == SMINFO_ACKNOWLEDGE ? them->state == SM_STANDBY : them->state == SM_MASTER);
	switch (mod) {
	case SMINFO_HANDOVER: ev = EV_HANDOVER; break;
	case SMINFO_STANDBY: ev = EV_CMD_STANDBY; break;
	case SMINFO_DISABLE: ev = EV_CMD_DISABLE; break;
	case SMINFO_DISCOVER: ev = EV_CMD_DISCOVER; break;
	case SMINFO_ACKNOWLEDGE: ev = EV_NEVENTS; break;
	default: ok = 0; ev = EV_NEVENTS; break;
	}
	/* Nobody commands an SM on its way out (a HANDOVER then made a
	 * leaving SM master again: found by fuzz_elect), and no SM is
	 * commanded by one claiming its own GUID. */
	if (e->leaving || them->guid == e->guid)
		ok = 0;
	if (!ok)
		return ELECT_STATUS_REFUSED;   /* logged by the caller, rate-limited */
	if (ev == EV_HANDOVER)
		log_event(LOG_LVL_NOTICE, EVT_HANDOVER_RECEIVED, (const struct log_field[]){
				  LF_GUID("SMD_PEER_GUID", them->guid), LF_END },
			  "handover from SM %s", rank_guid_str(them->guid, g));
	if (ev != EV_NEVENTS && ev != EV_HANDOVER) {
		/* The commanding master is whom we follow. */
		if (them->guid != e->master.info.guid)
			e->epoch++;
		e->master.info = *them;
		if (where) {
			e->master.path = where->path;
			e->master.lid = where->lid;
		}
		*locate = !where;
	}
	if (ev != EV_NEVENTS) {
		enum sm_state was = e->state;
		elect_event(e, ev);
		if (ev == EV_HANDOVER && was != SM_MASTER && e->state == SM_MASTER)
			e->counts.handovers_taken++;
	}
	return 0;
}

void elect_reload(struct elect *e, const struct elect_cfg *cfg)
{
	int rerank = cfg->priority != e->cfg.priority || cfg->preempt != e->cfg.preempt;
	e->cfg = *cfg;
	e->mw.retries = cfg->poll_retries ? cfg->poll_retries : 1;
	e->mw.slow_limit_ms = cfg->master_timeout_ms;
	if (!rerank || e->leaving)
		return;
	/* Re-rank at once, without a sweep: a master asks the SMs and hands
	 * over if it should; a standby announces itself to the master if it
	 * now outranks it, and finds its new place in line. */
	e->noted_guid = 0;
	if (e->state == SM_STANDBY) {
		e->trap144_due = 1;
		standby_announce(e);
	}
	elect_refresh(e);
}
