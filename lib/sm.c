#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "link.h"
#include "rate.h"
#include "light.h"
#include "sa.h"
#include "log.h"
#include "sm.h"
#include "sweep.h"
#include "umadport.h"
#include "xalloc.h"

#define ONCE_LIMIT_MS 60000
#define RESWEEP_DELAY_MS 1000
#define RETRY_MAX_MS 300000    /* back-off cap for re-sweeps of a subnet not fully up */

static void sm_start_sweep(struct sm *sm, enum sweep_mode mode);
static void sm_sweep_done(struct sm *sm, int all_active, int served);

/* Arm a timer, unless the SM is closing (nothing new may start then). */
static void sm_timer(const struct sm *sm, struct event *ev, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	if (!sm->closing)
		evtimer_add(ev, &tv);
}

uint8_t sm_priority(const struct sm *sm)
{
	return sm->el.cfg.priority;
}

/* ---- election actions -------------------------------------------------- */

static void sm_stop_sweep(struct sm *sm)
{
	if (sm->sweep)
		sweep_abort(sm->sweep);
	sm->sweep = NULL;
	sm->resweep = 0;
}

/* The election changed state: the fabric side of its action. */
static void sm_act(void *arg, enum elect_action act, enum sm_state was)
{
	struct sm *sm = arg;

	if (sm->el.state != was && sm->state_hook)
		sm->state_hook(sm->state_hook_arg, sm);
	switch (act) {
	case ACT_NONE:
		break;
	case ACT_SWEEP:
		sm_stop_sweep(sm);
		sm_start_sweep(sm, SWEEP_ELECT);
		break;
	case ACT_BECOME_MASTER:
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
		sm->subnet_up = 0;  /* "subnet up" is the master's to say */
		sm->served = 0;
		trb_free(&sm->trouble);
		break;
	case ACT_STOP:
		sm_stop_sweep(sm);
		break;
	}
	if (sm->once && sm->el.state == SM_STANDBY) {
		log_warnx("--once: another SM is master here");
		sm->once_rc = 1;
		event_base_loopbreak(sm->base);
	}
}

/* The survey is in: the election's verdict. The sweep goes on only when
 * we are (or just became) master; following or handing over waits for its
 * end (both stop any sweep). */
static enum sweep_go sm_sweep_decide(void *arg, struct sweep *sw, const struct fabric *fab,
				     struct sm_peer *peers, unsigned n)
{
	static const enum elect_sweep kind[] = {
		[SWEEP_ELECT] = ELECT_SWEEP_ELECT, [SWEEP_MASTER] = ELECT_SWEEP_MASTER,
		[SWEEP_RECORD] = ELECT_SWEEP_RECORD,
	};
	struct sm *sm = arg;
	int mode = sweep_mode(sw);

	sm->el.guid = fab_lid_port(fab->local)->guid;
	if (mode == SWEEP_RECORD) {
		/* Where the master it follows is now. */
		struct fab_port *mp = fab_port_by_guid(fab, sm->el.master.info.guid);
		if (mp) {
			sm->el.master.path = mp->path;
			sm->el.master.lid = fab_port_cur_lid(mp);
		}
	}
	sm->verdict = elect_sweep_verdict(&sm->el, kind[mode], peers, n, &sm->verdict_to);
	switch (sm->verdict) {
	case ELECT_GO_ON:
		return sweep_mode(sw) == SWEEP_MASTER ? SWEEP_CONFIGURE : SWEEP_END;
	case ELECT_RESWEEP:
		sm->resweep = 1;
		return SWEEP_CONFIGURE;
	case ELECT_FOLLOW:
		return SWEEP_END_RECORD;
	case ELECT_HAND_OVER:
		return SWEEP_END_KEEP;
	case ELECT_DONE:
		break;
	}
	return mode == SWEEP_RECORD ? SWEEP_END_RECORD : SWEEP_END;
}

static void sm_sweep_end(void *arg, struct sweep_result *r)
{
	struct sm *sm = arg;
	enum elect_verdict v = sm->verdict;

	sm->sweep = NULL;
	sm->verdict = ELECT_DONE;
	if (r->fab) {
		fab_free(sm->fab);
		sm->fab = r->fab;
	}
	if (r->own_lid)
		sm->lid = r->own_lid;
	if (r->failed) {
		sm_sweep_done(sm, 0, 0);
	} else if (r->configured) {
		sm->mastered_once = 1;
		sm->last_sweep.when = time(NULL);
		sm->last_sweep.ms = r->ms;
		sm->last_sweep.active = r->active;
		sm->last_sweep.linked = r->linked;
		sm_sweep_done(sm, r->all_active, 1);
	} else if (v == ELECT_FOLLOW) {
		elect_follow(&sm->el, &sm->verdict_to);
	} else if (v == ELECT_HAND_OVER) {
		elect_handover(&sm->el, &sm->verdict_to);
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
	sm->el.act_count++;
	sm_mcast_cancel(sm);  /* a SwitchInfo read now may be stale when written */
	struct sweep_params p = {
		.mad = sm->mad, .mode = mode, .lids = sm->lids, .lfts = &sm->lfts, .mft = &sm->mft,
		.trouble = &sm->trouble, .prev = sm->fab, .rereg_all = !sm->mastered_once,
		.was_up = sm->subnet_up, .was_served = sm->served,
		.skip_peer = mode == SWEEP_RECORD ? sm->el.master.info.guid : 0,
		.engine = sm->cfg.route_engine, .roots = sm->cfg.roots, .nroots = sm->cfg.nroots,
		.decide = sm_sweep_decide, .done = sm_sweep_end, .arg = sm,
	};
	sm->sweep = sweep_start(&p);
	if (!sm->sweep) {
		log_warnx("cannot start a sweep; retrying");
		sm_timer(sm, sm->kick_ev, 1000);
	}
}

/* The heavy sweep the current state calls for, if any. */
static void sm_sweep_for_state(struct sm *sm)
{
	if (sm->el.leaving || sm->ho_op)
		return;  /* a handover is under way: it decides what comes next */
	if (sm->el.state == SM_MASTER)
		sm_start_sweep(sm, SWEEP_MASTER);
	else if (sm->el.state == SM_DISCOVERING)
		sm_start_sweep(sm, SWEEP_ELECT);
}

void sm_request_sweep(struct sm *sm, const char *why)
{
	log_info("heavy sweep: %s", why);
	sm_sweep_for_state(sm);
}

static void sm_sweep_done(struct sm *sm, int all_active, int served)
{
	int was_up = sm->subnet_up;
	sm->subnet_up = all_active;
	if (served)
		sm->served = sm->el.state == SM_MASTER;
	if (was_up != all_active && sm->state_hook)
		sm->state_hook(sm->state_hook_arg, sm);
	/* A fabric is never perfect: what works is served even when some
	 * ports failed (they are in sm->trouble and retried). */
	if (served && sm->el.state == SM_MASTER) {
		sm_mcast_groups(sm);
		sm_mcast_sync(sm);
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
	if (sm->el.state == SM_DISCOVERING && !sm->sweep) {
		/* The sweep failed before the election could decide: try again. */
		sm_timer(sm, sm->kick_ev, 1000);
		return;
	}
	unsigned delay = RESWEEP_DELAY_MS;
	if (all_active) {
		sm->retry_ms = 0;
	} else if (sm->el.state == SM_MASTER) {
		/* Keep at it, backing off, so a port that never comes up does
		 * not keep the fabric busy: light sweeps in between only check
		 * whether a silent node answers again. */
		sm->retry_ms = sm->retry_ms ? sm->retry_ms * 2 : RESWEEP_DELAY_MS;
		if (sm->retry_ms > RETRY_MAX_MS)
			sm->retry_ms = RETRY_MAX_MS;
		if (sm->once)  /* --once has a deadline of its own: keep trying */
			sm->retry_ms = RESWEEP_DELAY_MS;
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

void sm_set_state_hook(struct sm *sm, void (*fn)(void *arg, const struct sm *sm), void *arg)
{
	sm->state_hook = fn;
	sm->state_hook_arg = arg;
}

void sm_force_sweep(struct sm *sm)
{
	if (sm->el.state == SM_MASTER || sm->el.state == SM_DISCOVERING)
		sm_request_sweep(sm, "asked by smctl");
	else if (sm->el.state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);
}

/* ---- light sweep (master) / LID recording (standby) -------------------- */

static void sm_light_done(void *arg, const char *why)
{
	struct sm *sm = arg;

	sm->light = NULL;
	if (why && sm->el.state == SM_MASTER && !sm->closing)
		sm_request_sweep(sm, why);
}

static void sm_light_sweep(struct sm *sm)
{
	struct fabric *f = sm->fab;

	if (sm->light || sm->sweep)
		return;
	if (!f || !f->local || !sm->served) {
		sm_request_sweep(sm, "the last sweep did not finish the job");
		return;
	}
	sm->light = light_start(sm->mad, f, &sm->trouble, sm_light_done, sm);
	/* Known SMs: a better one standing by, or a better master (fabrics
	 * merged, or a standby that took over too early), gets the mastership. */
	elect_refresh(&sm->el);
	if (sm->mft_retry)
		sm_mcast_sync(sm);
}

static void sm_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sm *sm = arg;
	(void)fd; (void)what;

	if (sm->el.state == SM_MASTER)
		sm_light_sweep(sm);
	else if (sm->el.state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);
	if (sm->cfg.sweep_interval)
		sm_timer(sm, sm->sweep_ev, sm->cfg.sweep_interval * 1000);
}

/* ---- the election's requests (struct elect_ops) ------------------------ */

static uint64_t sm_now_ms(void *arg)
{
	struct timespec t;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static struct event *sm_elect_timer_ev(struct sm *sm, enum elect_timer t)
{
	return t == ET_LEAVE ? sm->leave_ev : sm->poll_ev;
}

static void sm_el_timer(void *arg, enum elect_timer t, unsigned ms)
{
	struct sm *sm = arg;
	sm_timer(sm, sm_elect_timer_ev(sm, t), ms);
}

static void sm_el_timer_stop(void *arg, enum elect_timer t)
{
	struct sm *sm = arg;
	evtimer_del(sm_elect_timer_ev(sm, t));
}

static void sm_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	elect_on_timer(&((struct sm *)arg)->el, ET_POLL);
}

static void sm_leave_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	elect_on_timer(&((struct sm *)arg)->el, ET_LEAVE);
}

static void sm_polled(void *arg, enum mw_outcome o, const struct sm_info *si)
{
	elect_on_poll(&((struct sm *)arg)->el, o, si);
}

static void sm_former_polled(void *arg, enum mw_outcome o, const struct sm_info *si)
{
	elect_on_former(&((struct sm *)arg)->el, o, si);
}

static int sm_el_poll(void *arg, const struct sm_peer *p, unsigned timeout_ms, int former)
{
	struct sm *sm = arg;
	return peer_poll(sm->mad, p, timeout_ms, former ? sm_former_polled : sm_polled, sm);
}

static void sm_probed(void *arg, uint64_t port_guid)
{
	elect_on_probe(&((struct sm *)arg)->el, port_guid);
}

static int sm_el_probe(void *arg, const struct sm_peer *p, unsigned timeout_ms)
{
	struct sm *sm = arg;
	return peer_probe(sm->mad, p, timeout_ms, sm_probed, sm);
}

static void sm_peers_found(void *arg, struct sm_peer *peers, unsigned n)
{
	struct sm *sm = arg;

	sm->peers_op = NULL;
	if (!sm->closing)
		elect_on_peers(&sm->el, peers, n);
}

static int sm_el_query_peers(void *arg, uint64_t skip)
{
	struct sm *sm = arg;

	peer_op_cancel(sm->peers_op);
	sm->peers_op = sm->fab ? peer_query_all(sm->mad, sm->fab, skip, sm_peers_found, sm) : NULL;
	return sm->peers_op ? 0 : -1;
}

static void sm_handover_answered(void *arg, enum elect_ho r)
{
	struct sm *sm = arg;
	sm->ho_op = NULL;
	elect_on_handover(&sm->el, r);
}

static int sm_el_handover(void *arg, const struct sm_peer *to, const struct sm_info *ours)
{
	struct sm *sm = arg;
	sm->ho_op = peer_handover(sm->mad, to, ours, sm_handover_answered, sm);
	return sm->ho_op ? 0 : -1;
}

static void sm_master_seen(void *arg, enum elect_ho r)
{
	struct sm *sm = arg;
	sm->ho_op = NULL;
	elect_on_master_seen(&sm->el, r);
}

static int sm_el_wait_master(void *arg, const struct sm_peer *p, unsigned limit_ms)
{
	struct sm *sm = arg;
	sm->ho_op = peer_wait_master(sm->mad, sm->base, p, limit_ms, sm_master_seen, sm);
	return 0;
}

/* Trap 144 from our port to the master's LID, both as the model has them. */
static int sm_el_trap144(void *arg, const struct sm_peer *master)
{
	struct sm *sm = arg;

	if (!sm->fab || !sm->fab->local)
		return 0;  /* nothing known to send it by yet: the next poll tries */
	struct fab_port *own = fab_lid_port(sm->fab->local);
	struct fab_port *mp = fab_port_by_guid(sm->fab, master->info.guid);
	uint16_t mlid = mp ? fab_port_cur_lid(mp) : master->lid;
	uint16_t lid = fab_port_cur_lid(own);
	if (!mlid || !lid)
		return 0;
	return peer_trap144(sm->mad, mlid, lid, fab_port_capmask(own));
}

static void sm_el_left(void *arg)
{
	struct sm *sm = arg;
	void (*cb)(void *) = sm->left_cb;

	sm->left_cb = NULL;
	if (cb)
		cb(sm->left_arg);
}

static int sm_el_sweeping(void *arg)
{
	return ((struct sm *)arg)->sweep != NULL;
}

static void sm_el_stop_sweep(void *arg)
{
	sm_stop_sweep(arg);
}

static void sm_el_resweep(void *arg, const char *why)
{
	sm_request_sweep(arg, why);
}

static const struct elect_ops sm_elect_ops = {
	.now_ms = sm_now_ms, .timer = sm_el_timer, .timer_stop = sm_el_timer_stop,
	.poll = sm_el_poll, .probe = sm_el_probe, .query_peers = sm_el_query_peers,
	.handover = sm_el_handover, .wait_master = sm_el_wait_master, .trap144 = sm_el_trap144,
	.act = sm_act, .left = sm_el_left, .sweeping = sm_el_sweeping,
	.stop_sweep = sm_el_stop_sweep, .resweep = sm_el_resweep,
};

static struct elect_cfg sm_elect_cfg(const struct smd_config *cfg, int prio_override)
{
	unsigned to = cfg->mad_timeout_ms < cfg->poll_interval_ms ? cfg->mad_timeout_ms :
								    cfg->poll_interval_ms;
	return (struct elect_cfg){
		.priority = (uint8_t)(prio_override >= 0 ? prio_override : cfg->priority),
		.key = cfg->sm_key, .preempt = cfg->preempt,
		.poll_interval_ms = cfg->poll_interval_ms, .poll_timeout_ms = to,
		.poll_retries = cfg->poll_retries, .master_timeout_ms = cfg->master_timeout * 1000,
	};
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

	if (up != sm->el.own_linkup)
		log_notice("own port link %s", up ? "up" : "down");
	elect_own_link(&sm->el, up);
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
	if (sm->el.state == SM_MASTER && state != PORT_ACTIVE)
		sm_request_sweep(sm, "own port is not Active");
}

/* ---- life cycle -------------------------------------------------------- */

static int sm_open_port(struct sm *sm)
{
	struct mad_port_spec spec;
	struct mad_opts o = { sm->cfg.mad_window, sm->cfg.mad_timeout_ms, sm->cfg.mad_retries };
	uint64_t guid = 0;

	memset(&spec, 0, sizeof(spec));
	if (uport_pick(sm->cfg.port, &spec, &guid) < 0)
		return -1;
	sm->mad = mad_open(sm->base, &spec, &o, sm_recv, sm);
	if (!sm->mad)
		return -1;
	sm->el.guid = guid;
	sm->local_portnum = (uint8_t)spec.port;
	log_notice("running on %s port %d (port GUID 0x%016llx), priority %u", spec.ca, spec.port,
		   (unsigned long long)guid, sm_priority(sm));
	return 0;
}

struct sm *sm_new(struct event_base *base, const struct smd_config *cfg, int prio_override, int once)
{
	struct sm *sm = xcalloc(1, sizeof(*sm));

	sm->base = base;
	sm->cfg = *cfg;
	sm->prio_override = prio_override;
	sm->once = once;
	sm->once_rc = -1;
	struct elect_cfg ec = sm_elect_cfg(cfg, prio_override);
	elect_init(&sm->el, &sm_elect_ops, sm, &ec);
	clock_gettime(CLOCK_MONOTONIC, &sm->once_t0);
	sm->lids = lidmap_new();
	lft_memory_init(&sm->lfts);
	mc_init(&sm->mc);
	mft_memory_init(&sm->mft);
	sm->sweep_ev = evtimer_new(base, sm_sweep_cb, sm);
	sm->poll_ev = evtimer_new(base, sm_poll_cb, sm);
	sm->kick_ev = evtimer_new(base, sm_kick_cb, sm);
	sm->leave_ev = evtimer_new(base, sm_leave_timeout, sm);
	if (!sm->sweep_ev || !sm->poll_ev || !sm->kick_ev ||
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
		sm->el.state = SM_MASTER;
		log_notice("entering MASTER (--once)");
		sm_start_sweep(sm, SWEEP_MASTER);
		return sm;
	}
	elect_event(&sm->el, EV_START);
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
	light_cancel(sm->light);
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
	elect_free(&sm->el);
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
	sm->cfg = *cfg;
	memcpy(sm->cfg.port, port, sizeof(port));
	memcpy(sm->cfg.state_dir, dir, sizeof(dir));
	log_set_level(cfg->log_level);
	mad_set_opts(sm->mad, &(struct mad_opts){ cfg->mad_window, cfg->mad_timeout_ms,
						  cfg->mad_retries });
	evtimer_del(sm->sweep_ev);
	if (cfg->sweep_interval)
		sm_timer(sm, sm->sweep_ev, cfg->sweep_interval * 1000);
	if (!sm->once)
		mad_watch_port(sm->mad, sm->local_portnum, cfg->port_watch_ms, sm_watch_changed, sm);
	struct elect_cfg ec = sm_elect_cfg(cfg, sm->prio_override);
	log_notice("configuration reloaded (priority %u%s)", ec.priority,
		   old_prio != ec.priority ? ", changed" : "");
	elect_reload(&sm->el, &ec);  /* re-ranks at once if priority or preempt changed */
}

int sm_leave(struct sm *sm, void (*cb)(void *arg), void *arg)
{
	if (sm->once || !sm->fab)
		return 0;
	sm->left_cb = cb;
	sm->left_arg = arg;
	if (!sm->ho_op) {
		sm_stop_sweep(sm);
		evtimer_del(sm->kick_ev);
		evtimer_del(sm->sweep_ev);
	}
	if (elect_leave(&sm->el))
		return 1;
	sm->left_cb = NULL;
	return 0;
}

int sm_once_result(const struct sm *sm)
{
	return sm->once_rc;
}
