/* sm_prtn: the master's partition glue: the partitions file taken in (at
 * start and at SIGHUP), and the P_Key tables following the partitions and
 * the fabric (pkeysync.c), never beside a heavy sweep. */
#include <string.h>
#include "log.h"
#include "sm.h"

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
	};
	sm->pkey_sync = pkeysync_start(&p);
}

void sm_pkey_cancel(struct sm *sm)
{
	pkeysync_cancel(sm->pkey_sync);
	sm->pkey_sync = NULL;
}
