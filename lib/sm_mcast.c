/* sm_mcast: the master's multicast glue: the IPoIB broadcast group after a
 * sweep, groups of ports that left, and the multicast forwarding tables
 * following the groups (mftsync.c), never beside a heavy sweep. */
#include <infiniband/mad.h>
#include "log.h"
#include "rate.h"
#include "sa.h"
#include "sm.h"

static int sm_port_present(void *arg, uint64_t guid)
{
	struct sm *sm = arg;
	return sm->fab && fab_port_by_guid(sm->fab, guid) != NULL;
}

/* The broadcast group's MTU and rate: [ipoib] mtu and rate, or the fabric's. */
void sm_mcast_ipoib_params(const struct sm *sm, unsigned *mtu, unsigned *rate)
{
	sa_fabric_mtu_rate(sm->fab, mtu, rate);
	if (sm->cfg.ipoib_mtu)
		*mtu = sm->cfg.ipoib_mtu;
	if (sm->cfg.ipoib_rate)
		*rate = sm->cfg.ipoib_rate;
}

/* The SA's groups after a master sweep: IPoIB's broadcast group exists as
 * soon as the subnet is up; ports gone from the fabric leave their groups. */
/* The least MulticastFDBCap of the switches (0: none known). */
static unsigned sm_mlid_cap(const struct fabric *f)
{
	unsigned cap = 0;

	for (const struct fab_node *n = f ? f->nodes : NULL; n; n = n->next) {
		if (!fab_is_switch(n) || !n->have_swinfo)
			continue;
		unsigned c = mad_get_field(smp_ro(n->swinfo), 0, IB_SW_MCAST_FDB_CAP_F);
		if (c && (!cap || c < cap))
			cap = c;
	}
	return cap;
}

/* OpenSM's MTU and rate for a partition's broadcast group the file gives
 * none: 2048 bytes, 10 Gb/s. */
#define SM_PRTN_MTU 4
#define SM_PRTN_RATE 3

/* One broadcast group per scope of each ipoib partition: the file's MTU,
 * rate, SL, Q_Key; the default partition's unset MTU and rate are [ipoib]'s
 * (or the fabric's), the others' OpenSM's. A group keeps an MTU or rate the
 * file does not give once it has one. */
static void sm_ipoib_groups(struct sm *sm)
{
	for (unsigned i = 0; i < sm->prtn.n; i++) {
		const struct prtn *p = &sm->prtn.p[i];
		unsigned mtu = SM_PRTN_MTU, rate = SM_PRTN_RATE;
		if (!p->ipoib)
			continue;
		if (p->pkey == PRTN_DEFAULT_PKEY)
			sm_mcast_ipoib_params(sm, &mtu, &rate);
		struct sa_group_params gp = {
			.pkey = p->pkey, .sl = p->sl, .tclass = p->tclass,
			.qkey = p->qkey ? p->qkey : MC_IPOIB_QKEY, .flow_label = p->flow_label,
			.pkt_life = SA_PKT_LIFE,
		};
		for (unsigned s = 1; s < 16; s++) {
			if (p->scope_mask ? !(p->scope_mask & (1u << s)) : s != MC_SCOPE_LINK)
				continue;
			uint8_t mgid[16];
			mc_ipoib_broadcast_mgid(mgid, (uint16_t)(p->pkey | 0x8000));
			mgid[1] = (uint8_t)(0x10 | s);
			const struct mc_group *old = mc_find(&sm->mc, mgid);
			gp.scope = (uint8_t)s;
			gp.mtu = (uint8_t)(p->mtu ? p->mtu : old ? old->mtu : mtu);
			gp.rate = (uint8_t)(p->rate ? p->rate : old ? old->rate : rate);
			int made;
			struct mc_group *g = sa_ensure_ipoib_group(&sm->mc, &gp, &made);
			char gs[48];
			if (!g)
				log_warnx("no MLID left for the IPoIB group of partition %s (0x%04x)",
					  p->name, p->pkey | 0x8000);
			else if (made)
				log_info("IPoIB broadcast group ready: MLID 0x%04x, MTU %u, rate %u.%u Gb/s "
					 "(%s, partition %s)", g->mlid, rate_mtu_bytes(g->mtu),
					 rate_tenths(g->rate) / 10, rate_tenths(g->rate) % 10,
					 mc_gid_str(g->mgid, gs, sizeof(gs)), p->name);
		}
	}
}

void sm_mcast_groups(struct sm *sm)
{
	unsigned cap = sm_mlid_cap(sm->fab);

	if (cap != sm->mc.mlid_cap && cap)
		log_info("multicast: the switches forward %u MLIDs; groups beyond are refused", cap);
	sm->mc.mlid_cap = cap;
	sm_ipoib_groups(sm);
	unsigned n = mc_prune(&sm->mc, sm_port_present, sm);
	if (n)
		log_info("%u multicast memberships of ports that left the fabric dropped", n);
}

static void sm_mft_done(void *arg, unsigned sent, unsigned failed)
{
	struct sm *sm = arg;

	sm->mft_sync = NULL;
	audit_mcast_busy(sm->audit, 0);
	sm->mft_retry = failed != 0;
	if (failed)
		log_warnx("multicast forwarding: %u of %u table blocks not written; the next sweep "
			  "retries", failed, sent);
	else
		log_debug("multicast forwarding: %u table blocks written", sent);
	if (sm->mft_again || sm->mc.changes != sm->mft_synced)
		sm_mcast_sync(sm);
	if (sm->once && !sm->mft_sync && !sm->pkey_sync && sm->once_rc == 0)
		event_base_loopbreak(sm->base);
}

/* Multicast forwarding tables follow the groups and the topology. */
void sm_mcast_sync(struct sm *sm)
{
	if (sm->el.state != SM_MASTER || !sm->fab || sm->el.leaving || sm->closing)
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
	/* A join or leave recomputes its group's tree and compares its block;
	 * a new model, a cleared table or failed blocks compare everything. */
	int full = sm->mft_retry || !sm->mft_plan_ok || sm->mft_plan_gen != sm->fab_gen ||
		   sm->mc.dirty_all;
	if (!sm->mft_plan_ok || sm->mft_plan_gen != sm->fab_gen || sm->mc.dirty_all) {
		mft_plan_free(&sm->mft_plan);
		mft_plan_build(&sm->mft_plan, sm->fab, &sm->mc);
		sm->mft_plan_ok = 1;
		sm->mft_plan_gen = sm->fab_gen;
	} else {
		mft_plan_update(&sm->mft_plan, sm->fab, &sm->mc);
	}
	mc_dirty_clear(&sm->mc);
	sm->mft_sync = mftsync_start(sm->mad, &sm->mft, &sm->mft_plan,
				     full ? NULL : sm->mft_plan.dirty, &sm->mx, sm_mft_done, sm);
	audit_mcast_busy(sm->audit, sm->mft_sync != NULL);  /* its writes are no drift */
}

void sm_mft_gathered(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sm_mcast_sync(arg);
}

void sm_mcast_cancel(struct sm *sm)
{
	mftsync_cancel(sm->mft_sync);
	sm->mft_sync = NULL;
	if (sm->audit)  /* its Sets still out may land: nothing read before is judged */
		audit_mcast_busy(sm->audit, 0);
}
