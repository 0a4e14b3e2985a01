/* pkeysync: program the P_Key tables of the partitions (pkey.c plans them)
 * by directed route: every CA port and switch port 0 its own keys, every
 * switch port facing a CA the keys of that CA with partition enforcement
 * on (where SwitchInfo's PartitionEnforcementCap says it has a table).
 * A table smd does not know is read first; only blocks that differ are
 * written. Many SMPs in flight, each with the engine's timeout and retry. */
#ifndef SMD_PKEYSYNC_H
#define SMD_PKEYSYNC_H

#include "fabric.h"
#include "link.h"
#include "mad.h"
#include "pkey.h"
#include "prtn_conf.h"

struct pkeysync;
typedef void (*pkeysync_done_fn)(void *arg, unsigned sent, unsigned failed);

struct pkeysync_params {
	struct mad_engine *mad;
	struct pkey_memory *mem;
	const struct fabric *fab;
	const struct prtn_conf *conf;
	uint64_t sm_guid;          /* SELF */
	struct link_mkey mkey;     /* written by its PortInfo Sets, as by every Set */
	pkeysync_done_fn done;
	void *arg;
};

/* NULL when nothing needed an SMP (done is not called). The fabric and the
 * partitions must stay until done or cancel. */
struct pkeysync *pkeysync_start(const struct pkeysync_params *p);
/* Stop caring: no callback; what is in flight frees itself. */
void pkeysync_cancel(struct pkeysync *s);

#endif
