/* smpeer: the MAD exchanges with the other SMs of the subnet, by directed
 * route: SMInfo encoding, polls of one SM and of its node, SMInfo of every
 * SM known, handover (SubnSet SMInfo HANDOVER), waiting until an SM reports
 * MASTER, and trap 144. What to do with the answers is elect.c's. */
#ifndef SMD_SMPEER_H
#define SMD_SMPEER_H

#include <stdint.h>
#include <event2/event.h>
#include "elect.h"
#include "fabric.h"
#include "mad.h"

/* Trap 144 ChangeFlags bit: "SM priority changed" (IBA 14.2.5.1 Notice). */
#define TRAP144_SM_PRIORITY 0x0008

/* An operation in flight; cancel it before freeing what its callback uses. */
struct peer_op;
void peer_op_cancel(struct peer_op *op);

/* SMInfo of every IsSM port of the model (its LID-carrying ports), except
 * our own port and `skip` (0: none). cb gets the SMs that answered. NULL
 * (and no callback) when there is no SM to ask (or the engine is closing). */
typedef void (*peer_list_fn)(void *arg, struct sm_peer *peers, unsigned n);
struct peer_op *peer_query_all(struct mad_engine *mad, const struct fabric *f,
			       uint64_t skip, peer_list_fn cb, void *arg);

typedef void (*peer_done_fn)(void *arg, enum elect_ho r);

void peer_sminfo_encode(uint8_t data[64], const struct sm_info *si);
void peer_sminfo_decode(const uint8_t data[64], struct sm_info *si);

/* One SMInfo Get of p, no retry: cb gets MW_ANSWERED with its SMInfo,
 * MW_TIMEOUT (no reply in time), or MW_ERROR (an error or undeliverable
 * reply: no SM there); not called when the engine closes. -1: not sent. */
typedef void (*peer_poll_fn)(void *arg, enum mw_outcome o, const struct sm_info *si);
int peer_poll(struct mad_engine *mad, const struct sm_peer *p, unsigned timeout_ms,
	      peer_poll_fn cb, void *arg);
/* NodeInfo Get of p's node, no retry: cb gets the PortGUID it reports (the
 * port the SMP arrived on), 0 when it did not answer. */
typedef void (*peer_probe_fn)(void *arg, uint64_t port_guid);
int peer_probe(struct mad_engine *mad, const struct sm_peer *p, unsigned timeout_ms,
	       peer_probe_fn cb, void *arg);

/* SubnSet(SMInfo, HANDOVER) carrying our SMInfo: HO_OK when accepted,
 * HO_REFUSED on a MAD status, HO_NO_ANSWER otherwise. NULL (and no
 * callback) when it cannot be sent (the engine is closing). */
struct peer_op *peer_handover(struct mad_engine *mad, const struct sm_peer *to,
			      const struct sm_info *ours, peer_done_fn cb, void *arg);

/* Poll the peer's SMInfo every 50 ms until it reports MASTER (HO_OK) or
 * limit_ms pass (HO_NOT_MASTER; also when the engine closes). Never NULL. */
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
