/* sm_prtn: the master's partition glue: the partitions file taken in (at
 * start and at SIGHUP), and the P_Key tables following the partitions and
 * the fabric (pkeysync.c), never beside a heavy sweep. */
#include <string.h>
#include "log.h"
#include "sa.h"
#include "sm.h"

/* Is g one of the broadcast groups the partitions call for now? (Only
 * the SM's own groups, permanent ones, are asked.) */
static int sm_group_wanted(const struct sm *sm, const struct mc_group *g)
{
	uint8_t mgid[16];
	const struct prtn *p = prtn_conf_find(&sm->prtn, g->pkey);

	if (!p || !p->ipoib)
		return 0;
	unsigned scope = g->mgid[1] & 0xf;
	mc_ipoib_broadcast_mgid(mgid, (uint16_t)(p->pkey | 0x8000));
	mgid[1] = g->mgid[1];
	return !memcmp(mgid, g->mgid, 16) &&
	       (p->scope_mask ? (p->scope_mask >> scope) & 1 : scope == MC_SCOPE_LINK);
}

/* A member stays in a group while its port is in the group's partition. */
static int sm_member_keeps(void *arg, const struct mc_group *g, uint64_t guid)
{
	const struct sm *sm = arg;
	const struct fab_port *p = fab_port_by_guid(sm->fab, guid);

	/* a port not in the model goes with the next sweep's prune */
	return !p || pkey_port_key(&sm->prtn, fab_lid_port(sm->fab->local)->guid, p, g->pkey) != 0;
}

/* The master's groups follow new partitions: broadcast groups of
 * partitions gone (or no longer ipoib) go, members outside their group's
 * partition leave, new partitions get theirs; then the forwarding. */
static void sm_groups_follow(struct sm *sm)
{
	unsigned left;
	struct mc_group *g, *next;
	char gs[48];

	if (sm->el.state != SM_MASTER || !sm->fab || !sm->fab->local || !sm->served)
		return;
	for (g = sm->mc.groups; g; g = next) {
		next = g->next;
		if (!g->permanent || sm_group_wanted(sm, g))
			continue;
		log_info("IPoIB broadcast group %s removed: its partition is gone or not ipoib",
			 mc_gid_str(g->mgid, gs, sizeof(gs)));
		mc_remove(&sm->mc, g);
	}
	left = mc_prune_by(&sm->mc, sm_member_keeps, sm);
	if (left)
		log_notice("partitions: %u multicast membership%s of ports no longer in the group's "
			   "partition dropped", left, left == 1 ? "" : "s");
	sm_mcast_groups(sm);
	sm_mcast_sync(sm);
}

void sm_set_partitions(struct sm *sm, struct prtn_conf *pc)
{
	unsigned members = 0;

	for (unsigned i = 0; i < pc->n; i++)
		members += pc->p[i].nrules;
	/* a sync in flight reads the old list: stop it before it goes */
	sm_pkey_cancel(sm);
	prtn_conf_free(&sm->prtn);
	sm->prtn = *pc;
	memset(pc, 0, sizeof(*pc));
	if (sm->prtn.from_file)
		log_notice("partitions: %u from %s (%u member rules)", sm->prtn.n,
			   sm->cfg.partitions_file, members);
	else
		log_info("partitions: the default partition only, every port a full member");
	/* no sweep: the tables and the groups follow on the model we have */
	sm_groups_follow(sm);
	sm_pkey_sync(sm);
}

static void sm_pkey_done(void *arg, unsigned sent, unsigned failed)
{
	struct sm *sm = arg;

	sm->pkey_sync = NULL;
	sm->pkey_retry = failed != 0;
	if (failed)
		log_warnx("partitions: %u of %u P_Key table writes failed; the next sweep retries",
			  failed, sent);
	else if (sent)
		log_info("partitions: %u P_Key table and enforcement writes", sent);
	if (sm->pkey_again)
		sm_pkey_sync(sm);
	if (sm->once && !sm->pkey_sync && !sm->mft_sync && sm->once_rc == 0)
		event_base_loopbreak(sm->base);
}

/* P_Key tables follow the partitions and the fabric. */
void sm_pkey_sync(struct sm *sm)
{
	if (sm->el.state != SM_MASTER || !sm->fab || !sm->fab->local || !sm->served ||
	    sm->el.leaving || sm->closing || !sm->prtn.n)
		return;
	if (sm->sweep)
		return;  /* the sweep's end comes back here */
	if (sm->pkey_sync) {
		sm->pkey_again = 1;
		return;
	}
	sm->pkey_again = 0;
	struct pkeysync_params p = {
		.mad = sm->mad, .mem = &sm->pkeys, .fab = sm->fab, .conf = &sm->prtn,
		.sm_guid = fab_lid_port(sm->fab->local)->guid, .done = sm_pkey_done, .arg = sm,
		.mkey = sm->mkey,
	};
	sm->pkey_sync = pkeysync_start(&p);
}

void sm_pkey_cancel(struct sm *sm)
{
	pkeysync_cancel(sm->pkey_sync);
	sm->pkey_sync = NULL;
}
