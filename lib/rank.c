#include "rank.h"

int rank_cmp(uint8_t prio_a, uint64_t guid_a, uint8_t prio_b, uint64_t guid_b)
{
	if (prio_a != prio_b)
		return prio_a > prio_b ? 1 : -1;
	if (guid_a != guid_b)
		return guid_a < guid_b ? 1 : -1;
	return 0;
}

int rank_key_trusted(uint64_t ours, uint64_t theirs)
{
	/* Not OpenSM's rule (a key of 0 trusted as "no key"): any node can
	 * claim 0, so two Sets with it disabled every SM, and a fake SM
	 * with it was handed the fabric. */
	return theirs == ours;
}

struct sm_peer *rank_best(struct sm_peer *peers, unsigned n, unsigned states,
			   const struct peer_self *self, int any_rank, uint64_t skip)
{
	struct sm_peer *best = NULL;

	for (unsigned i = 0; i < n; i++) {
		struct sm_peer *p = &peers[i];
		if (!(states & (1u << p->info.state)) || p->info.guid == self->guid ||
		    (skip && p->info.guid == skip))
			continue;
		if (!rank_key_trusted(self->key, p->info.key))
			continue;
		if (!any_rank && rank_cmp(p->info.priority, p->info.guid,
						self->priority, self->guid) <= 0)
			continue;
		if (!best || rank_cmp(p->info.priority, p->info.guid,
					    best->info.priority, best->info.guid) > 0)
			best = p;
	}
	return best;
}

void rank_line(const struct sm_peer *peers, unsigned n, const struct peer_self *self,
		uint64_t master_guid, unsigned *pos, unsigned *nstandby)
{
	*pos = 0;
	*nstandby = 1;
	for (unsigned i = 0; i < n; i++) {
		const struct sm_peer *p = &peers[i];
		if (p->info.guid == master_guid || p->info.guid == self->guid ||
		    !rank_key_trusted(self->key, p->info.key) ||
		    (p->info.state != SM_STANDBY && p->info.state != SM_DISCOVERING))
			continue;
		(*nstandby)++;
		if (rank_cmp(p->info.priority, p->info.guid, self->priority, self->guid) > 0)
			(*pos)++;
	}
}
