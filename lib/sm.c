#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "link.h"
#include "rate.h"
#include "sa.h"
#include "log.h"
#include "sm.h"
#include "sweep.h"
#include "umadport.h"

#define SUBNET_PREFIX 0xfe80000000000000ULL
#define SA_PKT_LIFE 18         /* PacketLifeTime in SA records (OpenSM's default) */
#define ONCE_LIMIT_MS 60000
#define RESWEEP_DELAY_MS 1000
#define RETRY_MAX_MS 300000    /* back-off cap for re-sweeps of a subnet not fully up */
#define POLL_CONFIRM_MS 100    /* after a missed poll, the next one comes this soon */
#define SLOW_POLL_FACTOR 10    /* standbys behind the first poll this much slower, times their number */
#define SLOW_POLL_MAX_MS 120000
#define TRAP144_REPEAT_MS 10000 /* a standby that outranks the master says so this often */
#define REFUSED_HOLD_S 60      /* an SM that refused a handover is not asked again sooner */
#define HANDOVER_WAIT_MS 2000  /* a handover ends when the new master reports MASTER */
#define LEAVE_WAIT_MS 2000     /* SIGTERM: wait for the new master to report MASTER */
#define LEAVE_LIMIT_MS 4000    /* SIGTERM: exit after this whatever happens */
#define FORMER_WATCH_MS 60000  /* a new master watches the one it took over from */

static void sm_start_sweep(struct sm *sm, enum sweep_mode mode);
static unsigned sm_poll_period(const struct sm *sm);
static void sm_former_poll(struct sm *sm);
static void sm_mft_sync(struct sm *sm);

/* Arm a timer, unless the SM is closing (nothing new may start then). */
static void sm_timer(const struct sm *sm, struct event *ev, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	if (!sm->closing)
		evtimer_add(ev, &tv);
}

uint8_t sm_priority(const struct sm *sm)
{
	return (uint8_t)(sm->prio_override >= 0 ? sm->prio_override : sm->cfg.priority);
}

struct peer_self sm_self(const struct sm *sm)
{
	return (struct peer_self){ .guid = sm->port_guid, .key = sm->cfg.sm_key,
				   .priority = sm_priority(sm) };
}

void sm_fill_info(const struct sm *sm, struct sm_info *si)
{
	si->guid = sm->port_guid;
	si->key = sm->cfg.sm_key;
	si->act_count = sm->act_count;
	si->priority = sm_priority(sm);
	si->state = (uint8_t)sm->state;
}

/* ---- election actions -------------------------------------------------- */

static void sm_stop_sweep(struct sm *sm)
{
	if (sm->sweep)
		sweep_abort(sm->sweep);
	sm->sweep = NULL;
	sm->resweep = 0;
}

void sm_event(struct sm *sm, enum elect_event ev)
{
	enum sm_state before = sm->state;
	enum elect_action act = elect_step(&sm->state, ev);

	if (sm->state != before && sm->state_hook)
		sm->state_hook(sm->state_hook_arg, sm);
	switch (act) {
	case ACT_NONE:
		break;
	case ACT_SWEEP:
		evtimer_del(sm->poll_ev);
		sm_stop_sweep(sm);
		sm_start_sweep(sm, SWEEP_ELECT);
		break;
	case ACT_BECOME_MASTER:
		evtimer_del(sm->poll_ev);
		sm->watch_epoch++;
		if (sm->former_until)  /* took over: watch the former master a while */
			sm_timer(sm, sm->poll_ev, sm->cfg.poll_interval_ms);
		/* Serve nothing stale: ClientReregister makes hosts join again. */
		mc_clear(&sm->mc);
		trb_free(&sm->trouble);
		sm->mastered_once = 0;  /* every port gets ClientReregister */
		lft_memory_clear(&sm->lfts);  /* another SM may have routed since */
		mft_memory_clear(&sm->mft);
		if (sm->sweep && sweep_mode(sm->sweep) == SWEEP_ELECT) {
			sweep_continue_as_master(sm->sweep);
		} else {
			sm_stop_sweep(sm);
			sm_start_sweep(sm, SWEEP_MASTER);
		}
		break;
	case ACT_FOLLOW:
		sm_stop_sweep(sm);
		mc_clear(&sm->mc);
		mw_reset(&sm->mw);
		sm->watch_epoch++;
		sm->slow_noted = 0;
		sm->former_until = 0;
		sm->subnet_up = 0;  /* "subnet up" is the master's to say */
		sm->served = 0;
		trb_free(&sm->trouble);
		sm->trap144_due = 1;
		log_notice("following master SM 0x%016llx (priority %u)",
			   (unsigned long long)sm->master.info.guid, sm->master.info.priority);
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		break;
	case ACT_STOP:
		sm_stop_sweep(sm);
		evtimer_del(sm->poll_ev);
		break;
	}
	if (sm->once && sm->state == SM_STANDBY) {
		log_warnx("--once: another SM is master here");
		sm->once_rc = 1;
		event_base_loopbreak(sm->base);
	}
}

static void sm_start_sweep(struct sm *sm, enum sweep_mode mode)
{
	if (sm->closing)
		return;
	if (sm->sweep) {
		sm->resweep = 1;
		return;
	}
	sm->act_count++;
	if (sm->mft_sync) {  /* a SwitchInfo read now may be stale when written */
		mftsync_cancel(sm->mft_sync);
		sm->mft_sync = NULL;
	}
	sm->sweep = sweep_start(sm, mode);
	if (!sm->sweep) {
		log_warnx("cannot start a sweep; retrying");
		sm_timer(sm, sm->kick_ev, 1000);
	}
}

/* The heavy sweep the current state calls for, if any. */
static void sm_sweep_for_state(struct sm *sm)
{
	if (sm->leaving || sm->ho_op)
		return;  /* a handover is under way: it decides what comes next */
	if (sm->state == SM_MASTER)
		sm_start_sweep(sm, SWEEP_MASTER);
	else if (sm->state == SM_DISCOVERING)
		sm_start_sweep(sm, SWEEP_ELECT);
}

void sm_request_sweep(struct sm *sm, const char *why)
{
	log_info("heavy sweep: %s", why);
	sm_sweep_for_state(sm);
}

static int sm_port_present(void *arg, uint64_t guid)
{
	struct sm *sm = arg;
	return sm->fab && fab_port_by_guid(sm->fab, guid) != NULL;
}

/* The SA's groups after a master sweep: IPoIB's broadcast group exists as
 * soon as the subnet is up; ports gone from the fabric leave their groups. */
/* The broadcast group's MTU and rate: [ipoib] mtu and rate, or the fabric's. */
static void sm_ipoib_params(const struct sm *sm, unsigned *mtu, unsigned *rate)
{
	sa_fabric_mtu_rate(sm->fab, mtu, rate);
	if (sm->cfg.ipoib_mtu)
		*mtu = sm->cfg.ipoib_mtu;
	if (sm->cfg.ipoib_rate)
		*rate = sm->cfg.ipoib_rate;
}

static void sm_sa_groups(struct sm *sm)
{
	if (!mc_ipoib_broadcast(&sm->mc)) {
		unsigned mtu, rate;
		sm_ipoib_params(sm, &mtu, &rate);
		struct mc_group *g = sa_ensure_broadcast(&sm->mc, mtu, rate, SA_PKT_LIFE);
		if (g)
			log_info("IPoIB broadcast group ready: MLID 0x%04x, MTU %u, rate %u.%u Gb/s",
				 g->mlid, mtu_bytes(g->mtu), rate_tenths(g->rate) / 10,
				 rate_tenths(g->rate) % 10);
	}
	unsigned n = mc_prune(&sm->mc, sm_port_present, sm);
	if (n)
		log_info("%u multicast memberships of ports that left the fabric dropped", n);
}

static void sm_mft_done(void *arg, unsigned sent, unsigned failed)
{
	struct sm *sm = arg;

	sm->mft_sync = NULL;
	sm->mft_retry = failed != 0;
	if (failed)
		log_warnx("multicast forwarding: %u of %u table blocks not written; the next sweep "
			  "retries", failed, sent);
	else
		log_debug("multicast forwarding: %u table blocks written", sent);
	if (sm->mft_again || sm->mc.changes != sm->mft_synced)
		sm_mft_sync(sm);
	if (sm->once && !sm->mft_sync && sm->once_rc == 0)
		event_base_loopbreak(sm->base);
}

/* Multicast forwarding tables follow the groups and the topology. */
static void sm_mft_sync(struct sm *sm)
{
	if (sm->state != SM_MASTER || !sm->fab || sm->leaving || sm->closing)
		return;
	/* Not beside a heavy sweep: both write SwitchInfo (the multicast top
	 * and LinearFDBTop); the sweep's end programs the groups. */
	if (sm->sweep)
		return;
	if (sm->mft_sync) {
		sm->mft_again = 1;
		return;
	}
	sm->mft_again = 0;
	sm->mft_synced = sm->mc.changes;
	sm->mft_sync = mftsync_start(sm->mad, &sm->mft, sm->fab, &sm->mc, sm_mft_done, sm);
}

void sm_sweep_done(struct sm *sm, int all_active, int served)
{
	int was_up = sm->subnet_up;
	sm->subnet_up = all_active;
	if (served)
		sm->served = sm->state == SM_MASTER;
	if (was_up != all_active && sm->state_hook)
		sm->state_hook(sm->state_hook_arg, sm);
	/* A fabric is never perfect: what works is served even when some
	 * ports failed (they are in sm->trouble and retried). */
	if (served && sm->state == SM_MASTER) {
		sm_sa_groups(sm);
		sm_mft_sync(sm);
	}
	if (sm->once) {
		if (all_active) {
			sm->once_rc = 0;
			/* Exit once the multicast tables are written too: nothing
			 * may be in flight when the port closes. */
			if (!sm->mft_sync)
				event_base_loopbreak(sm->base);
			return;
		}
		if (log_ms_since(&sm->once_t0) > ONCE_LIMIT_MS) {
			sm->once_rc = 1;
			event_base_loopbreak(sm->base);
			return;
		}
		sm->resweep = 1;
	}
	if (sm->closing)
		return;
	if (sm->state == SM_DISCOVERING && !sm->sweep) {
		/* The sweep failed before the election could decide: try again. */
		sm_timer(sm, sm->kick_ev, 1000);
		return;
	}
	unsigned delay = RESWEEP_DELAY_MS;
	if (all_active) {
		sm->retry_ms = 0;
	} else if (sm->state == SM_MASTER) {
		/* Keep at it, backing off, so a port that never comes up does
		 * not keep the fabric busy: light sweeps in between only check
		 * whether a silent node answers again. */
		sm->retry_ms = sm->retry_ms ? sm->retry_ms * 2 : RESWEEP_DELAY_MS;
		if (sm->retry_ms > RETRY_MAX_MS)
			sm->retry_ms = RETRY_MAX_MS;
		delay = sm->retry_ms;
		sm->resweep = 1;
	}
	if (sm->resweep) {
		sm->resweep = 0;
		/* A pause, so a flapping link cannot spin the loop. */
		sm_timer(sm, sm->kick_ev, delay);
	}
}

static void sm_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	sm_sweep_for_state(arg);
}

/* ---- other SMs: handover, line of standbys, announcements ------------- */

static const char *hex64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%016llx", (unsigned long long)v);
	return buf;
}

void sm_remember_peers(struct sm *sm, const struct sm_peer *peers, unsigned n, int keep_master)
{
	int listed = 0;

	for (unsigned i = 0; i < n; i++)
		listed |= peers[i].info.guid == sm->master.info.guid;
	/* A standby does not ask its master: keep it from what its polls say. */
	int add = keep_master && !listed && sm->master.info.guid;
	struct sm_peer *np = calloc(n + 1, sizeof(*np));
	if (!np)
		return;
	if (n)
		memcpy(np, peers, n * sizeof(*np));
	if (add)
		np[n++] = sm->master;
	free(sm->peers);
	sm->peers = np;
	sm->npeers = n;
}

void sm_set_state_hook(struct sm *sm, void (*fn)(void *arg, const struct sm *sm), void *arg)
{
	sm->state_hook = fn;
	sm->state_hook_arg = arg;
}

void sm_force_sweep(struct sm *sm)
{
	if (sm->state == SM_MASTER || sm->state == SM_DISCOVERING)
		sm_request_sweep(sm, "asked by smctl");
	else if (sm->state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);
}

void sm_note_untrusted(struct sm *sm, const struct sm_peer *peers, unsigned n)
{
	char g[24];
	for (unsigned i = 0; i < n; i++) {
		const struct sm_peer *p = &peers[i];
		if (sm_key_trusted(sm->cfg.sm_key, p->info.key) || p->info.guid == sm->noted_untrusted)
			continue;
		sm->noted_untrusted = p->info.guid;
		log_notice("ignoring SM %s (%s): its SM_Key differs from ours",
			   hex64(p->info.guid, g, sizeof(g)), sm_state_name(p->info.state));
	}
}

struct sm_peer *sm_pick_handover(struct sm *sm, struct sm_peer *peers, unsigned n)
{
	struct peer_self me = sm_self(sm);
	uint64_t skip = 0;
	char g[24];

	sm_note_untrusted(sm, peers, n);
	if (sm->refused_guid && log_ms_since(&sm->refused_at) < REFUSED_HOLD_S * 1000.0)
		skip = sm->refused_guid;
	/* Two masters (fabrics merged): the lower-ranked one hands over,
	 * whatever preempt says. */
	struct sm_peer *p = peer_best(peers, n, 1u << SM_MASTER, &me, 0, skip);
	if (p)
		return p;
	p = peer_best(peers, n, 1u << SM_STANDBY, &me, 0, skip);
	if (!p || sm->cfg.preempt)
		return p;
	if (p->info.guid != sm->noted_guid || p->info.priority != sm->noted_prio) {
		sm->noted_guid = p->info.guid;
		sm->noted_prio = p->info.priority;
		log_notice("SM %s (priority %u) outranks this master; preempt = no keeps it STANDBY",
			   hex64(p->info.guid, g, sizeof(g)), p->info.priority);
	}
	return NULL;
}

static void sm_left(struct sm *sm)
{
	void (*cb)(void *) = sm->left_cb;

	evtimer_del(sm->leave_ev);
	sm->left_cb = NULL;
	if (cb)
		cb(sm->left_arg);
}

static void sm_left_wait_done(void *arg, enum ho_result res)
{
	struct sm *sm = arg;
	char g[24];

	sm->ho_op = NULL;
	if (res == HO_OK)
		log_notice("SM %s reports MASTER", hex64(sm->ho_peer.info.guid, g, sizeof(g)));
	else
		log_warnx("SM %s did not report MASTER in time",
			  hex64(sm->ho_peer.info.guid, g, sizeof(g)));
	sm_left(sm);
}

/* A handover that did not happen: leaving, we go anyway; else we stay
 * MASTER and skip that SM for a while. */
static void sm_handover_failed(struct sm *sm, const char *why)
{
	if (sm->leaving) {
		sm_left(sm);
		return;
	}
	sm->refused_guid = sm->ho_peer.info.guid;
	clock_gettime(CLOCK_MONOTONIC, &sm->refused_at);
	sm_request_sweep(sm, why);
}

static void sm_handed_over(void *arg, enum ho_result res)
{
	struct sm *sm = arg;
	char g[24];

	sm->ho_op = NULL;
	hex64(sm->ho_peer.info.guid, g, sizeof(g));
	if (res != HO_OK) {
		log_warnx("SM %s accepted the handover but does not report MASTER%s", g,
			  sm->leaving ? "" : "; staying MASTER");
		sm_handover_failed(sm, "the handover did not complete");
		return;
	}
	sm->master = sm->ho_peer;
	sm->line_pos = 0;
	sm_event(sm, EV_HANDED_OVER);
	if (sm->leaving)
		sm_left(sm);  /* SIGTERM came during this handover */
}

static void sm_handover_done(void *arg, enum ho_result res)
{
	struct sm *sm = arg;
	char g[24];

	sm->ho_op = NULL;
	hex64(sm->ho_peer.info.guid, g, sizeof(g));
	if (res == HO_OK) {
		log_notice("SM %s accepted the handover", g);
		if (sm->leaving) {
			/* NOTACTIVE: nobody hands mastership back to us now. */
			sm_event(sm, EV_LEAVE);
			sm->ho_op = peer_wait_master(sm->mad, sm->base, &sm->ho_peer, LEAVE_WAIT_MS,
						     sm_left_wait_done, sm);
			if (!sm->ho_op)
				sm_left(sm);
			return;
		}
		/* Stay MASTER until it says MASTER (OpenSM never sends
		 * ACKNOWLEDGE): the fabric is never without one. */
		sm->ho_op = peer_wait_master(sm->mad, sm->base, &sm->ho_peer, HANDOVER_WAIT_MS,
					     sm_handed_over, sm);
		if (!sm->ho_op)
			sm_handed_over(sm, HO_NOT_MASTER);
		return;
	}
	log_warnx("handover to SM %s failed (%s); staying MASTER", g, ho_result_name(res));
	sm_handover_failed(sm, "the handover failed");
}

void sm_handover(struct sm *sm, const struct sm_peer *to, int leaving)
{
	struct sm_info si;
	char g[24];

	if (sm->ho_op || sm->state != SM_MASTER)
		return;
	sm_stop_sweep(sm);
	sm->ho_peer = *to;
	log_notice("handing over to SM %s (priority %u, %s)%s", hex64(to->info.guid, g, sizeof(g)),
		   to->info.priority, sm_state_name(to->info.state), leaving ? " before exiting" : "");
	sm_fill_info(sm, &si);
	sm->ho_op = peer_handover(sm->mad, to, &si, sm_handover_done, sm);
	if (!sm->ho_op)
		sm_handover_done(sm, HO_NO_ANSWER);
}

/* The pace for our place in line, while the master answers. */
static unsigned sm_line_period(const struct sm *sm)
{
	unsigned iv = sm->cfg.poll_interval_ms;

	if (!sm->line_pos)
		return iv;
	/* Behind the first in line: together the slow ones cost the master
	 * one poll per SLOW_POLL_FACTOR intervals, however many they are. */
	uint64_t ms = (uint64_t)iv * SLOW_POLL_FACTOR * (sm->nstandby > 1 ? sm->nstandby - 1 : 1);
	return ms > SLOW_POLL_MAX_MS ? SLOW_POLL_MAX_MS : (unsigned)ms;
}

static unsigned sm_poll_period(const struct sm *sm)
{
	unsigned iv = sm->cfg.poll_interval_ms;

	/* A miss is confirmed (or cleared) at once: failover is quick. */
	if (sm->mw.misses)
		return iv < POLL_CONFIRM_MS ? iv : POLL_CONFIRM_MS;
	/* A slow master: its port is checked at the first in line's pace. */
	if (mw_slow(&sm->mw))
		return iv;
	return sm_line_period(sm);
}

/* One poll's wait: the MAD timeout, never beyond the polling period. */
static unsigned sm_poll_timeout(const struct sm *sm)
{
	return sm->cfg.mad_timeout_ms < sm->cfg.poll_interval_ms ? sm->cfg.mad_timeout_ms :
								 sm->cfg.poll_interval_ms;
}

void sm_set_line(struct sm *sm, const struct sm_peer *peers, unsigned n)
{
	unsigned pos, nsb;
	struct peer_self me = sm_self(sm);

	peer_line(peers, n, &me, sm->master.info.guid, &pos, &nsb);
	if (pos == sm->line_pos && nsb == sm->nstandby)
		return;
	sm->line_pos = pos;
	sm->nstandby = nsb;
	if (!pos)
		log_info("next in line of %u standby SM%s: polling the master every %u ms", nsb,
			 nsb == 1 ? "" : "s", sm_line_period(sm));
	else
		log_info("standby %u of %u in line: polling the master every %u ms", pos + 1, nsb,
			 sm_line_period(sm));
}

/* A standby that outranks its master says so with trap 144, as OpenSM's
 * standbys do; the master hands over unless it runs with preempt = no. */
static void sm_announce(struct sm *sm)
{
	struct sm_info *m = &sm->master.info;
	char g[24];

	if (!sm_key_trusted(sm->cfg.sm_key, m->key) ||
	    sm_rank_cmp(sm_priority(sm), sm->port_guid, m->priority, m->guid) <= 0 ||
	    !sm->fab || !sm->fab->local)
		return;
	if (!sm->trap144_due && log_ms_since(&sm->trap144_at) < TRAP144_REPEAT_MS)
		return;
	struct fab_port *own = fab_lid_port(sm->fab->local);
	struct fab_port *mp = fab_port_by_guid(sm->fab, m->guid);
	uint16_t mlid = mp ? fab_port_cur_lid(mp) : sm->master.lid;
	uint16_t lid = fab_port_cur_lid(own);
	if (!mlid || !lid)
		return;
	if (sm->trap144_due)
		log_notice("this SM (priority %u) outranks master SM %s (priority %u): "
			   "announcing it with trap 144", sm_priority(sm),
			   hex64(m->guid, g, sizeof(g)), m->priority);
	sm->trap144_due = 0;
	clock_gettime(CLOCK_MONOTONIC, &sm->trap144_at);
	if (peer_trap144(sm->mad, mlid, lid, fab_port_capmask(own)) < 0)
		log_warnx("cannot send trap 144 to the master");
}

static void sm_peers_cb(void *arg, struct sm_peer *peers, unsigned n)
{
	struct sm *sm = arg;

	sm->peers_op = NULL;
	if (sm->closing || sm->leaving)
		return;
	sm_remember_peers(sm, peers, n, sm->state == SM_STANDBY);
	if (sm->state == SM_MASTER && !sm->sweep && !sm->ho_op) {
		struct sm_peer *p = sm_pick_handover(sm, peers, n);
		if (p)
			sm_handover(sm, p, 0);
	} else if (sm->state == SM_STANDBY) {
		sm_set_line(sm, peers, n);
	}
}

/* Ask every known SM for its SMInfo (not a sweep): a master then hands
 * over if it should, a standby finds its place in line. */
static void sm_peers_refresh(struct sm *sm)
{
	if (sm->peers_op || !sm->fab)
		return;
	uint64_t skip = sm->state == SM_STANDBY ? sm->master.info.guid : 0;
	sm->peers_op = peer_query_all(sm->mad, sm->fab, skip, sm_peers_cb, sm);
	if (!sm->peers_op)
		sm_peers_cb(sm, NULL, 0);  /* no other SM known */
}

static void sm_leave_peers(void *arg, struct sm_peer *peers, unsigned n)
{
	struct sm *sm = arg;
	struct peer_self me = sm_self(sm);

	sm->peers_op = NULL;
	if (sm->closing)
		return;
	if (peer_best(peers, n, 1u << SM_MASTER, &me, 1, 0)) {
		log_notice("another master is up; leaving it the fabric");
		sm_left(sm);
		return;
	}
	struct sm_peer *p = peer_best(peers, n, 1u << SM_STANDBY, &me, 1, 0);
	if (!p) {
		log_notice("no standby SM to hand over to");
		sm_left(sm);
		return;
	}
	sm_handover(sm, p, 1);
	if (!sm->ho_op)
		sm_left(sm);
}

static void sm_leave_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sm *sm = arg;
	(void)fd; (void)what;
	log_warnx("handing over before exit takes too long; exiting");
	sm_left(sm);
}

int sm_leave(struct sm *sm, void (*cb)(void *arg), void *arg)
{
	if (sm->once || sm->leaving || sm->state != SM_MASTER || !sm->fab)
		return 0;
	sm->leaving = 1;
	sm->left_cb = cb;
	sm->left_arg = arg;
	if (sm->ho_op) {
		/* A handover is under way: let it finish, then leave (a second
		 * one to another standby would make two masters). */
		sm_timer(sm, sm->leave_ev, LEAVE_LIMIT_MS);
		return 1;
	}
	sm_stop_sweep(sm);
	evtimer_del(sm->kick_ev);
	evtimer_del(sm->sweep_ev);
	peer_op_cancel(sm->peers_op);
	sm->peers_op = peer_query_all(sm->mad, sm->fab, 0, sm_leave_peers, sm);
	if (!sm->peers_op) {
		sm->leaving = 0;
		sm->left_cb = NULL;
		return 0;
	}
	sm_timer(sm, sm->leave_ev, LEAVE_LIMIT_MS);
	return 1;
}

/* ---- light sweep (master) / LID recording (standby) -------------------- */

struct light {
	struct sm *sm;
	unsigned pending;
	int changed;
	const char *why;
};

static void sm_light_finish(struct light *l)
{
	struct sm *sm = l->sm;

	if (--l->pending)
		return;
	sm->light_busy = 0;
	if (l->changed && sm->state == SM_MASTER && !sm->closing)
		sm_request_sweep(sm, l->why);
	free(l);
}

static void sm_light_reply(void *arg, const struct mad_reply *r)
{
	struct light *l = arg;

	if (r->err == MAD_ECANCELED) {
		/* closing: nothing to judge */
	} else if (r->err != MAD_OK) {
		l->changed = 1;
		l->why = "a node stopped answering";
	} else if (mad_hdr_attr(r->mad) == IB_ATTR_SWITCH_INFO) {
		if (mad_get_field(mad_ro(r->data), 0, IB_SW_STATE_CHANGE_F)) {
			l->changed = 1;
			l->why = "a switch reports a port state change";
		}
	} else if (mad_get_field(mad_ro(r->data), 0, IB_PORT_STATE_F) != PORT_ACTIVE) {
		l->changed = 1;
		l->why = "the neighbour port is not Active";
	}
	sm_light_finish(l);
}

/* A node that did not answer the last heavy sweep: does it now? */
struct light_probe {
	struct light *l;
	uint64_t guid;
	uint8_t port;
};

static void sm_light_silent_reply(void *arg, const struct mad_reply *r)
{
	struct light_probe *p = arg;
	struct light *l = p->l;
	struct trb_entry *e = trb_find(&l->sm->trouble, p->guid, p->port);

	/* Once per episode: a node that answers this but not a heavy sweep
	 * is left to the back-off. */
	if (r->err == MAD_OK && e && !e->woke) {
		e->woke = 1;
		l->changed = 1;
		l->why = "a node that did not answer does now";
	}
	free(p);
	sm_light_finish(l);
}

static void sm_light_sweep(struct sm *sm)
{
	struct fabric *f = sm->fab;
	struct light *l;

	if (sm->light_busy || sm->sweep)
		return;
	if (!f || !f->local || !sm->served) {
		sm_request_sweep(sm, "the last sweep did not finish the job");
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->sm = sm;
	/* SwitchInfo.PortStateChange of every switch, and the neighbour of a
	 * switchless local port (a CA-to-CA link sends no trap). */
	for (struct fab_node *n = f->nodes; n; n = n->next) {
		struct smp_req q = { .method = IB_MAD_METHOD_GET, .timeout_ms = -1, .retries = -1 };
		if (fab_is_switch(n)) {
			q.dr = &n->ports[0].path;
			q.attr = IB_ATTR_SWITCH_INFO;
		} else if (f->local->remote && f->local->remote->node == n) {
			q.dr = &f->local->remote->path;
			q.attr = IB_ATTR_PORT_INFO;
			q.mod = f->local->remote->num;
		} else {
			continue;
		}
		if (mad_smp(sm->mad, &q, sm_light_reply, l) == 0)
			l->pending++;
	}
	/* Nodes that did not answer the last heavy sweep: one NodeInfo each;
	 * one that answers now gets a heavy sweep without waiting for the
	 * back-off. */
	for (unsigned i = 0; i < sm->trouble.n; i++) {
		struct trb_entry *e = &sm->trouble.v[i];
		if (e->kind != TRB_SILENT || e->woke)
			continue;
		struct light_probe *p = calloc(1, sizeof(*p));
		if (!p)
			break;
		*p = (struct light_probe){ l, e->guid, e->port };
		struct smp_req q = { .dr = &e->far, .method = IB_MAD_METHOD_GET,
				     .attr = IB_ATTR_NODE_INFO, .timeout_ms = -1, .retries = 0 };
		if (mad_smp(sm->mad, &q, sm_light_silent_reply, p) == 0)
			l->pending++;
		else
			free(p);
	}
	/* Known SMs: a better one standing by, or a better master (fabrics
	 * merged, or a standby that took over too early), gets the mastership. */
	sm_peers_refresh(sm);
	if (sm->mft_retry)
		sm_mft_sync(sm);
	if (!l->pending) {
		free(l);
		return;
	}
	sm->light_busy = 1;
}

static void sm_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sm *sm = arg;
	(void)fd; (void)what;

	if (sm->state == SM_MASTER)
		sm_light_sweep(sm);
	else if (sm->state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);
	if (sm->cfg.sweep_interval)
		sm_timer(sm, sm->sweep_ev, sm->cfg.sweep_interval * 1000);
}

/* ---- standby: poll the master ------------------------------------------ */

static uint64_t sm_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void sm_poll_send(struct sm *sm, unsigned timeout_ms);
static void sm_probe_send(struct sm *sm);

/* Carry out what the master watch decided. */
static void sm_poll_act(struct sm *sm, enum mw_action a)
{
	char g[24];

	hex64(sm->master.info.guid, g, sizeof(g));
	switch (a) {
	case MW_POLL:
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		break;
	case MW_CONFIRM:
		log_info("master SM %s missed a %s (%u of %u)", g,
			 sm->mw.probe ? "port check" : "poll", sm->mw.misses, sm->mw.retries);
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		break;
	case MW_PROBE:
		sm_probe_send(sm);
		break;
	case MW_WAIT:
		if (!sm->slow_noted) {
			sm->slow_noted = 1;
			log_notice("master SM %s is slow: its port answers but its SM does not; "
				   "waiting up to %u s before taking over", g, sm->cfg.master_timeout);
		}
		/* One SMInfo poll stays outstanding (a stopped master must not
		 * find a queue of them); its port is checked meanwhile. */
		if (!sm->poll_busy)
			sm_poll_send(sm, mw_wait_ms(&sm->mw, sm_now_ms()));
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		break;
	case MW_TAKEOVER:
		if (mw_slow(&sm->mw) && !sm->mw.misses)
			log_notice("master SM %s has not answered for %u s; taking over", g,
				   sm->cfg.master_timeout);
		else
			log_notice("master SM %s is gone; taking over", g);
		sm->former = sm->master;
		sm->former_until = sm_now_ms() + FORMER_WATCH_MS;
		sm_event(sm, EV_MASTER_LOST);
		break;
	}
}

static void sm_poll_judge(struct sm *sm, enum mw_outcome o)
{
	/* A standby whose own port is down cannot tell, and must not take over. */
	if (!sm->own_linkup && o != MW_ANSWERED) {
		mw_reset(&sm->mw);
		sm->slow_noted = 0;
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		return;
	}
	int was_missing = sm->mw.misses || mw_slow(&sm->mw);
	uint64_t slow_since = sm->mw.slow_since;
	enum mw_action a = mw_judge(&sm->mw, o, sm_now_ms());
	if (o == MW_ANSWERED)
		sm->watch_epoch++;  /* a port check still out says nothing new */
	if (o == MW_ANSWERED && was_missing) {
		if (slow_since)
			log_notice("master SM answers again after %.1f s",
				   (double)(sm_now_ms() - slow_since) / 1000);
		else
			log_info("master SM answers again");
		sm->slow_noted = 0;
	}
	sm_poll_act(sm, a);
}

static void sm_poll_reply(void *arg, const struct mad_reply *r)
{
	struct sm *sm = arg;
	struct sm_info si;

	sm->poll_busy = 0;
	if (sm->state != SM_STANDBY || r->err == MAD_ECANCELED)
		return;
	if (sm->poll_epoch != sm->watch_epoch) {  /* about a master of before */
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		return;
	}
	if (r->err == MAD_OK) {
		sminfo_decode(r->data, &si);
		/* A better SM still discovering is on its way to MASTER: alive. */
		if ((si.state == SM_MASTER || si.state == SM_DISCOVERING) &&
		    si.guid == sm->master.info.guid) {
			if (si.priority != sm->master.info.priority)
				sm->trap144_due = 1;
			sm->master.info = si;
			if (si.state == SM_MASTER)
				sm_announce(sm);
			sm_poll_judge(sm, MW_ANSWERED);
			return;
		}
		/* Another SM answers there, or it no longer claims mastership. */
		sm_poll_judge(sm, MW_ERROR);
		return;
	}
	/* An error or undeliverable reply means no SM listens there any more;
	 * silence may only mean a busy one. */
	sm_poll_judge(sm, r->err == MAD_ETIMEDOUT ? MW_TIMEOUT : MW_ERROR);
}

static void sm_poll_send(struct sm *sm, unsigned timeout_ms)
{
	struct smp_req q = { .dr = &sm->master.path, .method = IB_MAD_METHOD_GET,
			     .attr = IB_ATTR_SMINFO, .timeout_ms = (int)timeout_ms, .retries = 0 };
	if (mad_smp(sm->mad, &q, sm_poll_reply, sm) == 0) {
		sm->poll_busy = 1;
		sm->poll_epoch = sm->watch_epoch;
	}
}

/* The master's port checked through its SMA (NodeInfo by directed route):
 * answered by the node even while its SM process is stopped or busy. */
static void sm_probe_reply(void *arg, const struct mad_reply *r)
{
	struct sm *sm = arg;

	sm->probe_busy = 0;
	if (sm->state != SM_STANDBY || r->err == MAD_ECANCELED)
		return;
	if (sm->probe_epoch != sm->watch_epoch) {
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		return;
	}
	int up = r->err == MAD_OK &&
		 mad_get_field64(mad_ro(r->data), 0, IB_NODE_PORT_GUID_F) == sm->master.info.guid;
	sm_poll_judge(sm, up ? MW_PORT_UP : MW_PORT_GONE);
}

static void sm_probe_send(struct sm *sm)
{
	if (sm->probe_busy)
		return;
	struct smp_req q = { .dr = &sm->master.path, .method = IB_MAD_METHOD_GET,
			     .attr = IB_ATTR_NODE_INFO, .timeout_ms = (int)sm_poll_timeout(sm),
			     .retries = 0 };
	if (mad_smp(sm->mad, &q, sm_probe_reply, sm) == 0) {
		sm->probe_busy = 1;
		sm->probe_epoch = sm->watch_epoch;
	} else
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
}

static void sm_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sm *sm = arg;
	(void)fd; (void)what;

	if (sm->state == SM_MASTER) {
		sm_former_poll(sm);
		return;
	}
	if (sm->state != SM_STANDBY)
		return;
	if (mw_slow(&sm->mw)) {
		sm_poll_act(sm, MW_WAIT);
		sm_probe_send(sm);
		return;
	}
	if (sm->poll_busy || sm->probe_busy) {  /* its reply re-arms; this is a backstop */
		sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
		return;
	}
	if (sm->mw.probe)
		sm_probe_send(sm);
	else {
		sm_poll_send(sm, sm_poll_timeout(sm));
		if (!sm->poll_busy)
			sm_timer(sm, sm->poll_ev, sm_poll_period(sm));
	}
}

/* ---- master: the master this SM took over from ------------------------- */

/* After a takeover the former master may come back (a stopped or busy
 * process resumes): if it still claims mastership and outranks us, it gets
 * it back at once, so two masters never last. One poll at a time. */
static void sm_former_reply(void *arg, const struct mad_reply *r)
{
	struct sm *sm = arg;
	struct sm_info si;
	char g[24];

	sm->former_busy = 0;
	if (sm->state != SM_MASTER || r->err == MAD_ECANCELED || !sm->former_until)
		return;
	if (r->err == MAD_OK) {
		sminfo_decode(r->data, &si);
		if (si.guid == sm->former.info.guid && si.state != SM_MASTER &&
		    si.state != SM_DISCOVERING) {
			sm->former_until = 0;  /* it follows, or is off: done */
			return;
		}
		if (si.guid == sm->former.info.guid && si.state == SM_MASTER &&
		    sm_key_trusted(sm->cfg.sm_key, si.key) &&
		    sm_rank_cmp(si.priority, si.guid, sm_priority(sm), sm->port_guid) > 0 &&
		    !sm->ho_op) {
			sm->former.info = si;
			sm->former_until = 0;
			log_notice("former master SM %s is back and outranks this SM: handing back",
				   hex64(si.guid, g, sizeof(g)));
			sm_handover(sm, &sm->former, 0);
			return;
		}
	}
	if (sm_now_ms() >= sm->former_until)
		sm->former_until = 0;
	else
		sm_timer(sm, sm->poll_ev, sm->cfg.poll_interval_ms);
}

static void sm_former_poll(struct sm *sm)
{
	uint64_t now = sm_now_ms();

	if (!sm->former_until || sm->former_busy)
		return;
	if (now >= sm->former_until) {
		sm->former_until = 0;
		return;
	}
	/* Long timeout: one request waits in a stopped process's queue. */
	struct smp_req q = { .dr = &sm->former.path, .method = IB_MAD_METHOD_GET,
			     .attr = IB_ATTR_SMINFO, .timeout_ms = (int)(sm->former_until - now),
			     .retries = 0 };
	if (q.timeout_ms > 60000)
		q.timeout_ms = 60000;
	if (mad_smp(sm->mad, &q, sm_former_reply, sm) == 0)
		sm->former_busy = 1;
	else
		sm_timer(sm, sm->poll_ev, sm->cfg.poll_interval_ms);
}

/* ---- own-port watch ---------------------------------------------------- */

/* A new reading of the own port (the engine reports only changes). */
static void sm_watch_changed(void *arg, const uint8_t pi[64])
{
	struct sm *sm = arg;

	if (sm->closing)
		return;
	unsigned phys = mad_get_field(mad_ro(pi), 0, IB_PORT_PHYS_STATE_F);
	unsigned state = mad_get_field(mad_ro(pi), 0, IB_PORT_STATE_F);
	int up = phys == PHYS_LINKUP;

	if (up != sm->own_linkup)
		log_notice("own port link %s", up ? "up" : "down");
	sm->own_linkup = up;
	if (up && !(mad_get_field(mad_ro(pi), 0, IB_PORT_CAPMASK_F) & CAPMASK_IS_SM)) {
		/* Real ports keep IsSM while issm is open; ibsim drops it on relink. */
		log_info("own port lost its IsSM bit; re-opening issm");
		if (mad_reopen_issm(sm->mad) < 0)
			log_warnx("cannot re-open issm: other SMs will not see this one");
	}
	if (!up) {
		sm->subnet_up = 0;
		return;
	}
	/* A replugged cable comes back in Init: configure it now rather than
	 * at the next sweep. An unfinished subnet is retried by the back-off
	 * in sm_sweep_done(). */
	if (sm->state == SM_MASTER && state != PORT_ACTIVE)
		sm_request_sweep(sm, "own port is not Active");
}

/* ---- unsolicited MADs -------------------------------------------------- */

static void sm_respond(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from,
		       unsigned status, const uint8_t *data)
{
	mad_make_response(mad, status, data, data ? 64 : 0, SMP_DATA_OFFS);
	mad_send_response(sm->mad, mad, len, from);
}

static void sm_sminfo_set(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sm_info them, us;
	uint8_t data[64];
	uint32_t mod = mad_hdr_mod(mad);
	enum elect_event ev;

	sminfo_decode(smp_data(mad), &them);
	/* HANDOVER, DISABLE, STANDBY, DISCOVER only from a trusted master;
	 * ACKNOWLEDGE only from a standby (what OpenSM accepts). */
	int ok = sm_key_trusted(sm->cfg.sm_key, them.key) &&
		 (mod == SMINFO_ACKNOWLEDGE ? them.state == SM_STANDBY : them.state == SM_MASTER);
	switch (mod) {
	case SMINFO_HANDOVER: ev = EV_HANDOVER; break;
	case SMINFO_STANDBY: ev = EV_CMD_STANDBY; break;
	case SMINFO_DISABLE: ev = EV_CMD_DISABLE; break;
	case SMINFO_DISCOVER: ev = EV_CMD_DISCOVER; break;
	case SMINFO_ACKNOWLEDGE: ev = EV_NEVENTS; break;
	default: ok = 0; ev = EV_NEVENTS; break;
	}
	if (!ok) {
		log_warnx("refusing SMInfo Set %u from SM 0x%016llx in state %s", mod,
			  (unsigned long long)them.guid, sm_state_name(them.state));
		sm_fill_info(sm, &us);
		sminfo_encode(data, &us);
		sm_respond(sm, mad, len, from, MAD_STATUS_INVALID_FIELD, data);
		return;
	}
	if (ev == EV_HANDOVER)
		log_notice("handover from SM 0x%016llx", (unsigned long long)them.guid);
	int locate = 0;
	if (ev != EV_NEVENTS && ev != EV_HANDOVER) {
		/* The commanding master is whom we follow: find its route. */
		struct fab_port *mp = sm->fab ? fab_port_by_guid(sm->fab, them.guid) : NULL;
		sm->master.info = them;
		if (mp) {
			sm->master.path = mp->path;
			sm->master.lid = fab_port_cur_lid(mp);
		}
		locate = !mp;
	}
	if (ev != EV_NEVENTS)
		sm_event(sm, ev);
	if (locate && sm->state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);  /* finds the master's route */
	sm_fill_info(sm, &us);
	sminfo_encode(data, &us);
	sm_respond(sm, mad, len, from, 0, data);
}

static void sm_trap(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	unsigned trap = mad_get_field(smp_data(mad), 0, IB_NOTICE_TRAP_NUMBER_F);
	unsigned lid = mad_get_field(smp_data(mad), 0, IB_NOTICE_ISSUER_LID_F);

	unsigned flags = trap == 144 ? peer_trap144_flags(smp_data(mad)) : 0;

	sm_respond(sm, mad, len, from, 0, NULL);  /* TrapRepress: stop repeating */
	if (sm->state != SM_MASTER || sm->leaving)
		return;
	if (trap == 128)
		sm_request_sweep(sm, "trap 128 (link state change)");
	else if (trap == 144 && (flags & TRAP144_SM_PRIORITY)) {
		/* An SM announces its priority: ask the SMs, no sweep. */
		log_debug("trap 144 (SM priority) from LID %u", lid);
		sm_peers_refresh(sm);
	} else if (trap == 144)
		sm_request_sweep(sm, "trap 144 (capability change)");
	else
		log_info("trap %u from LID %u ignored", trap, lid);
}

/* The SA answers only while MASTER (a standby says BUSY). */
static void sm_sa(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sa_resp r = { 0 };
	struct sa_ctx c = {
		.fab = sm->state == SM_MASTER && !sm->leaving ? sm->fab : NULL,
		.lfts = &sm->lfts, .mc = &sm->mc, .prefix = SUBNET_PREFIX,
		.pkt_life = SA_PKT_LIFE,
	};
	/* Groups a join creates get the broadcast group's MTU and rate (the
	 * fabric's are worked out only when there is none, and only when the
	 * query will be answered: not per query, not on a standby). */
	const struct mc_group *b = mc_ipoib_broadcast(&sm->mc);
	if (b) {
		c.new_group_mtu = b->mtu;
		c.new_group_rate = b->rate;
	} else if (c.fab) {
		sm_ipoib_params(sm, &c.new_group_mtu, &c.new_group_rate);
	}
	if (!sa_answer(&c, mad, len, mad_from_lid(from), &r))
		return;
	if (mad_hdr_status(r.buf))
		log_debug("SA %s method 0x%02x: status 0x%04x",
			  sa_attr_name(mad_hdr_attr(mad)) ? sa_attr_name(mad_hdr_attr(mad)) : "?",
			  mad_hdr_method(mad), mad_hdr_status(r.buf));
	mad_send_response(sm->mad, r.buf, r.len, from);
	sa_resp_free(&r);
	if (sm->mc.changes != sm->mft_synced)
		sm_mft_sync(sm);  /* a join or leave: forwarding follows */
}

static void sm_unsolicited(void *arg, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sm *sm = arg;
	unsigned mclass = mad_hdr_class(mad), method = mad_hdr_method(mad);
	unsigned attr = mad_hdr_attr(mad);

	if (mclass == MCLASS_SMI || mclass == MCLASS_SMI_DR) {
		if (method == IB_MAD_METHOD_GET && attr == IB_ATTR_SMINFO) {
			struct sm_info si;
			uint8_t data[64];
			sm_fill_info(sm, &si);
			sminfo_encode(data, &si);
			sm_respond(sm, mad, len, from, 0, data);
			log_debug("answered an SMInfo Get (%s)", sm_state_name(sm->state));
			return;
		}
		if (method == IB_MAD_METHOD_SET && attr == IB_ATTR_SMINFO) {
			sm_sminfo_set(sm, mad, len, from);
			return;
		}
		if (method == IB_MAD_METHOD_TRAP) {
			sm_trap(sm, mad, len, from);
			return;
		}
	}
	if (mclass == MCLASS_SA) {
		sm_sa(sm, mad, len, from);
		return;
	}
	if (method == IB_MAD_METHOD_GET || method == IB_MAD_METHOD_SET ||
	    method == IB_MAD_METHOD_GET_TABLE || method == IB_MAD_METHOD_DELETE) {
		/* Not served: say so rather than stay silent. */
		log_debug("unsupported request class 0x%02x method 0x%02x attr 0x%04x", mclass,
			  method, attr);
		sm_respond(sm, mad, len, from, MAD_STATUS_UNSUP_METHOD_ATTR, NULL);
	}
}

/* ---- life cycle -------------------------------------------------------- */

static int sm_open_port(struct sm *sm)
{
	struct mad_port_spec spec;
	struct mad_opts o = { sm->cfg.mad_window, sm->cfg.mad_timeout_ms, sm->cfg.mad_retries };
	uint64_t guid = 0;

	memset(&spec, 0, sizeof(spec));
	if (umad_port_pick(sm->cfg.port, &spec, &guid) < 0)
		return -1;
	sm->mad = mad_open(sm->base, &spec, &o, sm_unsolicited, sm);
	if (!sm->mad)
		return -1;
	sm->port_guid = guid;
	sm->local_portnum = (uint8_t)spec.port;
	log_notice("running on %s port %d (port GUID 0x%016llx), priority %u", spec.ca, spec.port,
		   (unsigned long long)guid, sm_priority(sm));
	return 0;
}

struct sm *sm_new(struct event_base *base, const struct smd_config *cfg, int prio_override, int once)
{
	struct sm *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	sm->base = base;
	sm->cfg = *cfg;
	sm->prio_override = prio_override;
	sm->once = once;
	sm->once_rc = -1;
	sm->state = SM_NOTACTIVE;
	sm->own_linkup = 1;
	mw_init(&sm->mw, sm->cfg.poll_retries, sm->cfg.master_timeout * 1000);
	clock_gettime(CLOCK_MONOTONIC, &sm->once_t0);
	sm->lids = lidmap_new();
	lft_memory_init(&sm->lfts);
	mc_init(&sm->mc);
	mft_memory_init(&sm->mft);
	sm->sweep_ev = evtimer_new(base, sm_sweep_cb, sm);
	sm->poll_ev = evtimer_new(base, sm_poll_cb, sm);
	sm->kick_ev = evtimer_new(base, sm_kick_cb, sm);
	sm->leave_ev = evtimer_new(base, sm_leave_timeout, sm);
	if (!sm->lids || !sm->sweep_ev || !sm->poll_ev || !sm->kick_ev ||
	    !sm->leave_ev)
		goto fail;
	if (lidmap_load(sm->lids, cfg->state_dir) < 0)
		goto fail;
	if (cfg->import_guid2lid[0])  /* OpenSM's LIDs: a failure only costs them */
		lidmap_import(sm->lids, cfg->import_guid2lid);
	if (sm_open_port(sm) < 0)
		goto fail;
	if (once) {
		/* One sweep as master, like opensm --once. */
		sm->state = SM_MASTER;
		log_notice("entering MASTER (--once)");
		sm_start_sweep(sm, SWEEP_MASTER);
		return sm;
	}
	sm_event(sm, EV_START);
	if (cfg->sweep_interval)
		sm_timer(sm, sm->sweep_ev, cfg->sweep_interval * 1000);
	mad_watch_port(sm->mad, sm->local_portnum, cfg->port_watch_ms, sm_watch_changed, sm);
	return sm;
fail:
	sm_free(sm);
	return NULL;
}

void sm_free(struct sm *sm)
{
	if (!sm)
		return;
	sm->closing = 1;
	if (sm->sweep)
		sweep_abort(sm->sweep);
	peer_op_cancel(sm->peers_op);
	peer_op_cancel(sm->ho_op);
	mftsync_cancel(sm->mft_sync);
	if (sm->mad)
		mad_watch_port(sm->mad, 0, 0, NULL, NULL);
	struct event *evs[] = { sm->sweep_ev, sm->poll_ev, sm->kick_ev, sm->leave_ev };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			evtimer_del(evs[i]);
	/* Closing the engine ends every request through its callback (after
	 * letting the sent ones come back): aborted sweeps, light sweeps and
	 * polls free themselves. It logs the session's MAD totals. */
	mad_close(sm->mad);
	lft_memory_clear(&sm->lfts);
	mc_clear(&sm->mc);
	mft_memory_clear(&sm->mft);
	free(sm->peers);
	fab_free(sm->fab);
	lidmap_free(sm->lids);
	trb_free(&sm->trouble);
	if (sm->sweep_ev) event_free(sm->sweep_ev);
	if (sm->poll_ev) event_free(sm->poll_ev);
	if (sm->kick_ev) event_free(sm->kick_ev);
	if (sm->leave_ev) event_free(sm->leave_ev);
	free(sm);
}

void sm_reload(struct sm *sm, const struct smd_config *cfg)
{
	if (sm->closing)  /* a SIGHUP while the port drains at exit */
		return;
	if (strcmp(cfg->port, sm->cfg.port) || strcmp(cfg->state_dir, sm->cfg.state_dir) ||
	    strcmp(cfg->import_guid2lid, sm->cfg.import_guid2lid))
		log_warnx("reload: port, state_dir and import_guid2lid changes take effect at restart");
	char port[sizeof(sm->cfg.port)], dir[sizeof(sm->cfg.state_dir)];
	memcpy(port, sm->cfg.port, sizeof(port));
	memcpy(dir, sm->cfg.state_dir, sizeof(dir));
	uint8_t old_prio = sm_priority(sm);
	int old_preempt = sm->cfg.preempt;
	sm->cfg = *cfg;
	memcpy(sm->cfg.port, port, sizeof(port));
	memcpy(sm->cfg.state_dir, dir, sizeof(dir));
	log_set_level(cfg->log_level);
	sm->mw.retries = cfg->poll_retries;
	sm->mw.slow_limit_ms = cfg->master_timeout * 1000;
	mad_set_opts(sm->mad, &(struct mad_opts){ cfg->mad_window, cfg->mad_timeout_ms,
						  cfg->mad_retries });
	evtimer_del(sm->sweep_ev);
	if (cfg->sweep_interval)
		sm_timer(sm, sm->sweep_ev, cfg->sweep_interval * 1000);
	if (!sm->once)
		mad_watch_port(sm->mad, sm->local_portnum, cfg->port_watch_ms, sm_watch_changed, sm);
	log_notice("configuration reloaded (priority %u%s)", sm_priority(sm),
		   old_prio != sm_priority(sm) ? ", changed" : "");
	if ((old_prio == sm_priority(sm) && old_preempt == cfg->preempt) || sm->leaving)
		return;
	/* Re-rank at once, without a sweep: a master asks the SMs and hands
	 * over if it should; a standby announces itself to the master if it
	 * now outranks it, and finds its new place in line. */
	sm->noted_guid = 0;
	if (sm->state == SM_STANDBY) {
		sm->trap144_due = 1;
		sm_announce(sm);
	}
	sm_peers_refresh(sm);
}

int sm_once_result(const struct sm *sm)
{
	return sm->once_rc;
}
