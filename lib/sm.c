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



uint8_t sm_priority(const struct sm *sm)
{
	return sm->el.cfg.priority;
}

/* ---- election actions -------------------------------------------------- */

/* The election changed state: the fabric side of its action. */
static void sm_act(void *arg, enum elect_action act, enum sm_state was)
{
	struct sm *sm = arg;

	if (sm->closing)
		return;
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
		pkey_memory_clear(&sm->pkeys);  /* tables are read again */
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

/* ---- other SMs: handover, line of standbys, announcements ------------- */

void sm_set_state_hook(struct sm *sm, void (*fn)(void *arg, const struct sm *sm), void *arg)
{
	sm->state_hook = fn;
	sm->state_hook_arg = arg;
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
	struct sm *sm = arg;
	if (!sm->closing)
		elect_on_poll(&sm->el, o, si);
}

static void sm_former_polled(void *arg, enum mw_outcome o, const struct sm_info *si)
{
	struct sm *sm = arg;
	if (!sm->closing)
		elect_on_former(&sm->el, o, si);
}

static int sm_el_poll(void *arg, const struct sm_peer *p, unsigned timeout_ms, int former)
{
	struct sm *sm = arg;
	return peer_poll(sm->mad, p, timeout_ms, former ? sm_former_polled : sm_polled, sm);
}

static void sm_probed(void *arg, uint64_t port_guid)
{
	struct sm *sm = arg;
	if (!sm->closing)
		elect_on_probe(&sm->el, port_guid);
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
	unsigned phys = mad_get_field(smp_ro(pi), 0, IB_PORT_PHYS_STATE_F);
	unsigned state = mad_get_field(smp_ro(pi), 0, IB_PORT_STATE_F);
	int up = phys == PHYS_LINKUP;

	if (up != sm->el.own_linkup)
		log_notice("own port link %s", up ? "up" : "down");
	elect_own_link(&sm->el, up);
	if (up && !(mad_get_field(smp_ro(pi), 0, IB_PORT_CAPMASK_F) & CAPMASK_IS_SM)) {
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
	 * at the next sweep. A sweep under way configures it itself (the port
	 * passing Armed is its work), and what it leaves unfinished is
	 * retried by the back-off in sm_sweep_done(). */
	if (sm->el.state == SM_MASTER && state != PORT_ACTIVE && !sm->sweep)
		sm_request_sweep(sm, "own port is not Active");
}

/* ---- life cycle -------------------------------------------------------- */

static int sm_open_port(struct sm *sm)
{
	struct mad_port_spec spec;
	struct mad_opts o = { sm->cfg.mad_window, sm->cfg.mad_timeout_ms, sm->cfg.mad_retries,
			      sm->cfg.m_key };
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
	sm->mkey = (struct link_mkey){ cfg->m_key, (uint8_t)cfg->m_key_protect_bits,
				       (uint16_t)cfg->m_key_lease_period };
	sm->prio_override = prio_override;
	sm->once = once;
	sm->once_rc = -1;
	struct elect_cfg ec = sm_elect_cfg(cfg, prio_override);
	elect_init(&sm->el, &sm_elect_ops, sm, &ec);
	clock_gettime(CLOCK_MONOTONIC, &sm->once_t0);
	sm->lids = lidmap_new();
	rl_init(&sm->rl_act, 10.0, 3);     /* traps a source may make us act on per 10 s */
	rl_init(&sm->rl_log, 10.0, 1);     /* one log line per kind and source per 10 s */
	budget_init(&sm->sa_budget, SM_SA_BUDGET_MIN, 16.0 * SM_SA_BUDGET_MIN);
	lft_memory_init(&sm->lfts);
	mc_init(&sm->mc);
	mft_memory_init(&sm->mft);
	pkey_memory_init(&sm->pkeys);
	sm->sweep_ev = evtimer_new(base, sm_sweep_cb, sm);
	sm->poll_ev = evtimer_new(base, sm_poll_cb, sm);
	sm->kick_ev = evtimer_new(base, sm_kick_cb, sm);
	sm->leave_ev = evtimer_new(base, sm_leave_timeout, sm);
	sm->mft_ev = evtimer_new(base, sm_mft_gathered, sm);
	if (!sm->sweep_ev || !sm->poll_ev || !sm->kick_ev ||
	    !sm->leave_ev || !sm->mft_ev)
		goto fail;
	/* Persistence is a nicety, bringing the fabric up the job: a map
	 * that cannot be read runs unsaved (logged, in smctl status) and is
	 * tried again at each save, never written over. */
	lidmap_load(sm->lids, cfg->state_dir);
	if (cfg->import_guid2lid[0])  /* OpenSM's LIDs: a failure only costs them */
		lidmap_import(sm->lids, cfg->import_guid2lid);
	if (sm_open_port(sm) < 0)
		goto fail;
	sm->audit = audit_new(sm->mad, &sm->lfts, &sm->mft, &sm->trouble, sm_audit_drift, sm);
	audit_configure(sm->audit, cfg->audit_budget, cfg->reenable_ports);
	audit_set_mkey(sm->audit, &sm->mkey);
	if (once) {
		/* One sweep as master, like opensm --once. */
		sm->el.state = SM_MASTER;
		log_event(LOG_LVL_NOTICE, EVT_STATE, (const struct log_field[]){
				  LF_STR("SMD_STATE", "MASTER"), LF_STR("SMD_CAUSE", "--once"),
				  LF_END },
			  "entering MASTER (--once)");
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
	/* Nothing may be started or followed from here on: the engine's
	 * drain below still runs the loop, and what arrives meanwhile finds
	 * sm->closing and no pointer to anything freed. */
	sm_stop_sweep(sm);
	peer_op_cancel(sm->peers_op);
	peer_op_cancel(sm->ho_op);
	sm->peers_op = sm->ho_op = NULL;
	sm_mcast_cancel(sm);
	sm_pkey_cancel(sm);
	light_cancel(sm->light);
	sm->light = NULL;
	if (sm->mad)
		mad_watch_port(sm->mad, 0, 0, NULL, NULL);
	struct event *evs[] = { sm->sweep_ev, sm->poll_ev, sm->kick_ev, sm->leave_ev, sm->mft_ev };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			evtimer_del(evs[i]);
	/* Closing the engine ends every request through its callback (after
	 * letting the sent ones come back): aborted sweeps, light sweeps and
	 * polls free themselves. It logs the session's MAD totals. */
	mad_close(sm->mad);
	audit_free(sm->audit);  /* after the engine: nothing of it is out now */
	lft_memory_clear(&sm->lfts);
	mc_clear(&sm->mc);
	mft_memory_clear(&sm->mft);
	mft_plan_free(&sm->mft_plan);
	pkey_memory_clear(&sm->pkeys);
	elect_free(&sm->el);
	fab_free(sm->fab);
	lidmap_free(sm->lids);
	trb_free(&sm->trouble);
	prtn_conf_free(&sm->prtn);
	if (sm->sweep_ev) event_free(sm->sweep_ev);
	if (sm->poll_ev) event_free(sm->poll_ev);
	if (sm->kick_ev) event_free(sm->kick_ev);
	if (sm->leave_ev) event_free(sm->leave_ev);
	if (sm->mft_ev) event_free(sm->mft_ev);
	free(sm);
}

void sm_reload(struct sm *sm, const struct smd_config *cfg)
{
	if (sm->closing)  /* a SIGHUP while the port drains at exit */
		return;
	if (strcmp(cfg->port, sm->cfg.port) || strcmp(cfg->state_dir, sm->cfg.state_dir) ||
	    strcmp(cfg->import_guid2lid, sm->cfg.import_guid2lid))
		log_warnx("reload: port, state_dir and import_guid2lid changes take effect at restart");
	/* Every port holds the key it was given: a new one mid-run would lock
	 * smd out of the ports it protected with the old one. */
	if (cfg->m_key != sm->cfg.m_key || cfg->m_key_protect_bits != sm->cfg.m_key_protect_bits ||
	    cfg->m_key_lease_period != sm->cfg.m_key_lease_period)
		log_warnx("reload: m_key, m_key_protect_bits and m_key_lease_period changes take "
			  "effect at restart");
	char port[sizeof(sm->cfg.port)], dir[sizeof(sm->cfg.state_dir)];
	memcpy(port, sm->cfg.port, sizeof(port));
	memcpy(dir, sm->cfg.state_dir, sizeof(dir));
	uint64_t mkey = sm->cfg.m_key;
	unsigned mprot = sm->cfg.m_key_protect_bits, mlease = sm->cfg.m_key_lease_period;
	uint8_t old_prio = sm_priority(sm);
	sm->cfg = *cfg;
	memcpy(sm->cfg.port, port, sizeof(port));
	memcpy(sm->cfg.state_dir, dir, sizeof(dir));
	sm->cfg.m_key = mkey;
	sm->cfg.m_key_protect_bits = mprot;
	sm->cfg.m_key_lease_period = mlease;
	log_set_level(cfg->log_level);
	mad_set_opts(sm->mad, &(struct mad_opts){ cfg->mad_window, cfg->mad_timeout_ms,
						  cfg->mad_retries, mkey });
	audit_configure(sm->audit, cfg->audit_budget, cfg->reenable_ports);
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
