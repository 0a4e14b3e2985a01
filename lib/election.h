/* election: the IBA SM state machine (IBA vol. 1, 14.4) as a table, the
 * ranking of SMs, and SMInfo encoding. Pure: the daemon runs the actions. */
#ifndef SMD_ELECTION_H
#define SMD_ELECTION_H

#include <stdint.h>

/* SMInfo.SMState values */
enum sm_state { SM_NOTACTIVE = 0, SM_DISCOVERING = 1, SM_STANDBY = 2, SM_MASTER = 3, SM_NSTATES };

enum elect_event {
	EV_START,            /* the daemon starts (or is told to DISCOVER) */
	EV_SWEEP_WON,        /* discovery found no master and no better SM */
	EV_SWEEP_LOST,       /* discovery found a master or a better SM */
	EV_MASTER_LOST,      /* standby: the master missed its polls */
	EV_HANDOVER,         /* SubnSet(SMInfo, HANDOVER) from the master */
	EV_HANDED_OVER,      /* master: our HANDOVER was answered */
	EV_CMD_STANDBY,      /* SubnSet(SMInfo, STANDBY) from the master */
	EV_CMD_DISABLE,      /* SubnSet(SMInfo, DISABLE) from the master */
	EV_CMD_DISCOVER,     /* SubnSet(SMInfo, DISCOVER) from the master */
	EV_LEAVE,            /* shutting down (after handing over, if master) */
	EV_NEVENTS
};

enum elect_action {
	ACT_NONE,
	ACT_SWEEP,           /* run discovery, then decide */
	ACT_BECOME_MASTER,   /* configure the subnet (continue or start a sweep) */
	ACT_FOLLOW,          /* stop mastering, poll the master */
	ACT_STOP,            /* no polling, no sweeping; keep answering SMInfo */
};

struct sm_info {
	uint64_t guid;
	uint64_t key;
	uint32_t act_count;
	uint8_t priority;
	uint8_t state;
};

const char *sm_state_name(enum sm_state s);
const char *elect_event_name(enum elect_event ev);

/* The state machine step: returns the action and updates *state; an event
 * the table has no row for is logged and ignored (ACT_NONE). */
enum elect_action elect_step(enum sm_state *state, enum elect_event ev);

/* > 0 when a outranks b: higher priority, then the numerically lower GUID. */
int sm_rank_cmp(uint8_t prio_a, uint64_t guid_a, uint8_t prio_b, uint64_t guid_b);

/* OpenSM's rule: an SM with a non-zero key different from ours is not trusted. */
int sm_key_trusted(uint64_t ours, uint64_t theirs);

void sminfo_encode(uint8_t data[64], const struct sm_info *si);
void sminfo_decode(const uint8_t data[64], struct sm_info *si);

#endif
