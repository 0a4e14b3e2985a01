/* smpeer: exchanges with the other SMs of the subnet, by directed route:
 * read their SMInfo, pick the one to follow or hand over to, hand mastership
 * over (SubnSet SMInfo HANDOVER), wait until an SM reports MASTER, and
 * announce our own priority change to the master with trap 144. */
#ifndef SMD_SMPEER_H
#define SMD_SMPEER_H

#include <stdint.h>
#include <event2/event.h>
#include "election.h"
#include "fabric.h"
#include "mad.h"

struct sm_peer {
	struct sm_info info;
	struct dr_path path;      /* directed route to its port */
	uint64_t port_guid;
	uint16_t lid;             /* its port's LID in our model (0: unknown) */
};

/* Who "we" are when ranking peers. */
struct peer_self {
	uint64_t guid;
	uint64_t key;
	uint8_t priority;
};

/* Trap 144 ChangeFlags bit: "SM priority changed" (IBA 14.2.5.1 Notice). */
#define TRAP144_SM_PRIORITY 0x0008

/* The best peer whose state is in `states` (bit per enum sm_state) and
 * whose SM_Key we trust, that outranks us (or any, with any_rank). A peer
 * with guid `skip` is passed over (0: none). Pure. */
struct sm_peer *peer_best(struct sm_peer *peers, unsigned n, unsigned states,
			  const struct peer_self *self, int any_rank, uint64_t skip);

/* Our place in the line of standbys: how many trusted STANDBY or
 * DISCOVERING peers other than the master outrank us (0: next in line), and
 * how many standbys there are counting us. Pure. */
void peer_line(const struct sm_peer *peers, unsigned n, const struct peer_self *self,
	       uint64_t master_guid, unsigned *pos, unsigned *nstandby);

/* An operation in flight; cancel it before freeing what its callback uses. */
struct peer_op;
void peer_op_cancel(struct peer_op *op);

/* SMInfo of every IsSM port of the model (its LID-carrying ports), except
 * our own port and `skip` (0: none). cb gets the SMs that answered. NULL
 * (and no callback) when there is no SM to ask, or no memory. */
typedef void (*peer_list_fn)(void *arg, struct sm_peer *peers, unsigned n);
struct peer_op *peer_query_all(struct mad_engine *mad, const struct fabric *f,
			       uint64_t skip, peer_list_fn cb, void *arg);

enum ho_result { HO_OK, HO_REFUSED, HO_NO_ANSWER, HO_NOT_MASTER };
const char *ho_result_name(enum ho_result r);
typedef void (*peer_done_fn)(void *arg, enum ho_result r);

/* SubnSet(SMInfo, HANDOVER) carrying our SMInfo: HO_OK when accepted,
 * HO_REFUSED on a MAD status, HO_NO_ANSWER otherwise. */
struct peer_op *peer_handover(struct mad_engine *mad, const struct sm_peer *to,
			      const struct sm_info *ours, peer_done_fn cb, void *arg);

/* Poll the peer's SMInfo every 50 ms until it reports MASTER (HO_OK) or
 * limit_ms pass (HO_NOT_MASTER). */
struct peer_op *peer_wait_master(struct mad_engine *mad, struct event_base *base,
				 const struct sm_peer *p, unsigned limit_ms,
				 peer_done_fn cb, void *arg);

/* Trap 144 "SM priority changed" from our port (LID our_lid, capability
 * mask capmask) to the master's LID; fire and forget: it ends once sent, as mlx5
 * swallows TrapRepress before any agent sees it. */
int peer_trap144(struct mad_engine *mad, uint16_t master_lid, uint16_t our_lid,
		 uint32_t capmask);
/* Build that trap's Notice (64 bytes of SMP data). Pure. */
void peer_trap144_notice(uint8_t data[64], uint16_t our_lid, uint32_t capmask);
/* The ChangeFlags of a received trap 144 Notice. */
unsigned peer_trap144_flags(const uint8_t data[64]);

#endif
