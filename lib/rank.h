/* rank: the SMs of a subnet as the election sees them (SMInfo, a peer
 * with its route) and how they rank: priority, then the lower port GUID;
 * SM_Key trust; the best of a list; the line of standbys. Pure. */
#ifndef SMD_RANK_H
#define SMD_RANK_H

#include <stdint.h>
#include <stdio.h>
#include "smp.h"

/* SMInfo.SMState values */
enum sm_state { SM_NOTACTIVE = 0, SM_DISCOVERING = 1, SM_STANDBY = 2, SM_MASTER = 3, SM_NSTATES };

struct sm_info {
	uint64_t guid;
	uint64_t key;
	uint32_t act_count;
	uint8_t priority;
	uint8_t state;
};

/* Another SM as found by a sweep or a poll. */
struct sm_peer {
	struct sm_info info;
	struct dr_path path;      /* directed route to its port */
	uint64_t port_guid;
	uint16_t lid;             /* its port's LID in our model (0: unknown) */
};

/* > 0 when a outranks b: higher priority, then the numerically lower GUID. */
int rank_cmp(uint8_t prio_a, uint64_t guid_a, uint8_t prio_b, uint64_t guid_b);
/* An SM is trusted only with our very SM_Key: 0 is no wildcard (unless
 * ours is 0 too). Stricter than OpenSM, which trusts 0. */
int rank_key_trusted(uint64_t ours, uint64_t theirs);

/* Who "we" are when ranking peers. */
struct peer_self {
	uint64_t guid;
	uint64_t key;
	uint8_t priority;
};

/* The best peer whose state is in `states` (bit per enum sm_state) and
 * whose SM_Key we trust, that outranks us (or any, with any_rank). A peer
 * with guid `skip` is passed over (0: none). */
struct sm_peer *rank_best(struct sm_peer *peers, unsigned n, unsigned states,
			  const struct peer_self *self, int any_rank, uint64_t skip);
/* Our place in the line of standbys: how many trusted STANDBY or
 * DISCOVERING peers other than the master outrank us (0: next in line), and
 * how many standbys there are counting us. */
void rank_line(const struct sm_peer *peers, unsigned n, const struct peer_self *self,
	       uint64_t master_guid, unsigned *pos, unsigned *nstandby);

/* "0x0002c90300a1b2c3": how logs name an SM. */
static inline const char *rank_guid_str(uint64_t guid, char buf[24])
{
	snprintf(buf, 24, "0x%016llx", (unsigned long long)guid);
	return buf;
}

#endif
