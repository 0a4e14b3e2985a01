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

void sm_mcast_groups(struct sm *sm)
{
	unsigned cap = sm_mlid_cap(sm->fab);

	if (cap != sm->mc.mlid_cap && cap)
		log_info("multicast: the switches forward %u MLIDs; groups beyond are refused", cap);
	sm->mc.mlid_cap = cap;
	if (!mc_ipoib_broadcast(&sm->mc)) {
		unsigned mtu, rate;
		sm_mcast_ipoib_params(sm, &mtu, &rate);
		struct mc_group *g = sa_ensure_broadcast(&sm->mc, mtu, rate, SA_PKT_LIFE);
		if (g)
			log_info("IPoIB broadcast group ready: MLID 0x%04x, MTU %u, rate %u.%u Gb/s",
				 g->mlid, rate_mtu_bytes(g->mtu), rate_tenths(g->rate) / 10,
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
	sm->mft_sync = mftsync_start(sm->mad, &sm->mft, sm->fab, &sm->mc, sm_mft_done, sm);
}

void sm_mcast_cancel(struct sm *sm)
{
	mftsync_cancel(sm->mft_sync);
	sm->mft_sync = NULL;
}
