/* sm_sweep: when the SM sweeps: heavy sweeps as the election's state calls
 * for them (sweep.c runs them; the verdict on the SMs found goes to the
 * election, following or handing over waits for the sweep's end), re-sweeps
 * with back-off while the subnet is not fully up, the light sweep between
 * them (light.c), and the timers that drive it all. */
#include <stdlib.h>
#include "light.h"
#include "log.h"
#include "sm.h"
#include "sweep.h"

#define ONCE_LIMIT_MS 60000
#define RESWEEP_DELAY_MS 1000
#define RETRY_MAX_MS 300000    /* back-off cap for re-sweeps of a subnet not fully up */

static void sm_sweep_done(struct sm *sm, int all_active, int served);

/* Arm a timer, unless the SM is closing (nothing new may start then). */
void sm_timer(const struct sm *sm, struct event *ev, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	if (!sm->closing)
		evtimer_add(ev, &tv);
}

void sm_stop_sweep(struct sm *sm)
{
	if (sm->sweep)
		sweep_abort(sm->sweep);
	sm->sweep = NULL;
	sm->resweep = 0;
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
		sm->full_due = 1;
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
	mx_sweep(&sm->mx, r->quick ? MX_SWEEP_QUICK : MX_SWEEP_HEAVY,
		 log_ms_since(&sm->sweep_t0) / 1000);
	sm->malformed += r->malformed;
	if (r->fab) {
		unsigned lost = audit_model(sm->audit, sm->fab, r->fab);
		fab_free(sm->fab);
		sm->fab = r->fab;
		sm->fab_gen++;
		/* A link gone: was its switch port disabled behind our back? */
		if (lost && r->configured && sm->el.state == SM_MASTER)
			audit_step(sm->audit);
	}
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

void sm_start_sweep(struct sm *sm, enum sweep_mode mode)
{
	if (sm->closing)
		return;
	if (sm->sweep) {
		sm->resweep = 1;
		return;
	}
	sm->el.act_count++;
	audit_hold(sm->audit);  /* what the sweep writes is no drift */
	sm_mcast_cancel(sm);  /* a SwitchInfo read now may be stale when written */
	if (sm->pkey_sync) {  /* the model it walks is about to go: again at the end */
		sm_pkey_cancel(sm);
		sm->pkey_again = 1;
	}
	/* Only traps 128 since the last sweep, which left the fabric whole:
	 * their switches are read first, and maybe nothing else (quick.h). */
	int quick = mode == SWEEP_MASTER && sm->nquick && !sm->full_due && !sm->rebalance &&
		    sm->fab && sm->subnet_up && sm->served && !sm->trouble.n;
	struct sweep_params p = {
		.mad = sm->mad, .mode = mode, .lids = sm->lids, .lfts = &sm->lfts, .mft = &sm->mft,
		.trouble = &sm->trouble, .prev = sm->fab, .rereg_all = !sm->mastered_once,
		.was_up = sm->subnet_up, .was_served = sm->served,
		.skip_peer = mode == SWEEP_RECORD ? sm->el.master.info.guid : 0,
		.engine = sm->cfg.route_engine, .roots = sm->cfg.roots, .nroots = sm->cfg.nroots,
		.rebalance = sm->rebalance, .route_report = &sm->last_route,
		.mkey = sm->mkey,
		.quick_lids = quick ? sm->quick_lids : NULL, .nquick = quick ? sm->nquick : 0,
		.decide = sm_sweep_decide, .done = sm_sweep_end, .arg = sm, .mx = &sm->mx,
	};
	sm->rebalance = 0;
	if (!quick)  /* a discovery reads whatever the held-back traps were about */
		sm->nheld = sm->held_full = 0;
	clock_gettime(CLOCK_MONOTONIC, &sm->sweep_t0);
	sm->sweep = sweep_start(&p);
	sm->nquick = 0;
	sm->full_due = 0;
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
	sm->full_due = 1;
	sm_sweep_for_state(sm);
}

int sm_lid_note(uint16_t set[QUICK_MAX_LIDS], unsigned *n, uint16_t lid)
{
	for (unsigned i = 0; i < *n; i++)
		if (set[i] == lid)
			return 0;
	if (*n >= QUICK_MAX_LIDS || !lid)
		return -1;
	set[(*n)++] = lid;
	return 0;
}

void sm_request_quick(struct sm *sm, uint16_t lid)
{
	log_info("sweep: trap 128 (link state change) from LID %u", lid);
	if (sm_lid_note(sm->quick_lids, &sm->nquick, lid) < 0)
		sm->full_due = 1;
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
		sm_pkey_sync(sm);
	}
	if (sm->once) {
		if (all_active) {
			sm->once_rc = 0;
			/* Exit once the multicast tables are written too: nothing
			 * may be in flight when the port closes. */
			if (!sm->mft_sync && !sm->pkey_sync)
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
		sm->full_due = 1;
	}
	if (sm->resweep) {
		sm->resweep = 0;
		/* A pause, so a flapping link cannot spin the loop. */
		sm_timer(sm, sm->kick_ev, delay);
	}
}

void sm_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	sm_sweep_for_state(arg);
}

/* ---- light sweep (master) / LID recording (standby) -------------------- */

static void sm_light_done(void *arg, const char *why)
{
	struct sm *sm = arg;

	sm->light = NULL;
	mx_sweep(&sm->mx, MX_SWEEP_LIGHT, log_ms_since(&sm->light_t0) / 1000);
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
	/* Traps the rate limit held back: one look now, in the light sweep's
	 * place (at most one a sweep interval, however many came). */
	if (sm->nheld || sm->held_full) {
		unsigned n = sm->nheld;
		int full = sm->held_full;
		sm->nheld = 0;
		sm->held_full = 0;
		if (full) {
			sm_request_sweep(sm, "traps 128 held back by the rate limit");
			return;
		}
		log_info("sweep: traps 128 held back from %u switch(es) by the rate limit", n);
		for (unsigned i = 0; i < n; i++)
			sm_request_quick(sm, sm->held_lids[i]);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &sm->light_t0);
	sm->light = light_start(sm->mad, f, &sm->trouble, sm_light_done, sm);
	audit_step(sm->audit);
	/* Known SMs: a better one standing by, or a better master (fabrics
	 * merged, or a standby that took over too early), gets the mastership. */
	elect_refresh(&sm->el);
	if (sm->mft_retry)
		sm_mcast_sync(sm);
	if (sm->pkey_retry)
		sm_pkey_sync(sm);
}

/* A standby looks at the fabric (LIDs to record, where its master is). */
static void sm_standby_look(struct sm *sm)
{
	if (sm->el.state == SM_STANDBY && !sm->sweep)
		sm_start_sweep(sm, SWEEP_RECORD);
}

void sm_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sm *sm = arg;
	(void)fd; (void)what;

	if (sm->el.state == SM_MASTER)
		sm_light_sweep(sm);
	else
		sm_standby_look(sm);
	if (sm->cfg.sweep_interval)
		sm_timer(sm, sm->sweep_ev, sm->cfg.sweep_interval * 1000);
}

void sm_audit_drift(void *arg, const char *why)
{
	struct sm *sm = arg;

	if (sm->el.state == SM_MASTER && !sm->closing)
		sm_request_sweep(sm, why);
}

static void sm_forced_read(void *arg, unsigned read, unsigned differed, double ms)
{
	struct sm *sm = arg;

	log_notice("forced sweep: %u forwarding table blocks (unicast and multicast) read back, "
		   "%u differed from what smd wrote (written again), in %.0f ms", read, differed, ms);
	if (!sm->closing && (sm->el.state == SM_MASTER || sm->el.state == SM_DISCOVERING))
		sm_request_sweep(sm, "asked by smctl");
}

/* smctl sweep, or a standby that must find its master's route: now. */
void sm_force_sweep(struct sm *sm)
{
	if (sm->el.state == SM_MASTER || sm->el.state == SM_DISCOVERING) {
		/* An operator asking suspects the fabric: the forwarding tables
		 * are read back before the sweep trusts what we remember writing
		 * (the PortInfo is read by the sweep's discovery anyway). */
		if (sm->el.state == SM_MASTER && !sm->sweep &&
		    audit_lft_pass(sm->audit, sm_forced_read, sm) == 0)
			return;
		/* Nothing to read (no tables written yet), or a sweep is
		 * writing them now: the next sync writes every block. */
		sm->lfts.rewrite = 1;
		sm_request_sweep(sm, "asked by smctl");
	}
	else
		sm_standby_look(sm);
}

int sm_rebalance(struct sm *sm)
{
	if (sm->el.state != SM_MASTER)
		return -1;
	sm->rebalance = 1;
	sm_request_sweep(sm, "rebalance asked by smctl");
	return 0;
}
