#include <string.h>
#include <infiniband/mad.h>
#include "election.h"
#include "log.h"
#include "smp.h"

#define S(x) (1u << (x))
#define ANY (S(SM_NOTACTIVE) | S(SM_DISCOVERING) | S(SM_STANDBY) | S(SM_MASTER))

static const char *const state_names[SM_NSTATES] = {
	[SM_NOTACTIVE] = "NOTACTIVE", [SM_DISCOVERING] = "DISCOVERING",
	[SM_STANDBY] = "STANDBY", [SM_MASTER] = "MASTER",
};

static const char *const event_names[EV_NEVENTS] = {
	[EV_START] = "start", [EV_SWEEP_WON] = "no better SM found",
	[EV_SWEEP_LOST] = "a master or better SM found", [EV_MASTER_LOST] = "master lost",
	[EV_HANDOVER] = "handover received", [EV_HANDED_OVER] = "handed over",
	[EV_CMD_STANDBY] = "told to stand by", [EV_CMD_DISABLE] = "told to disable",
	[EV_CMD_DISCOVER] = "told to discover", [EV_LEAVE] = "shutting down",
};

/* IBA 14.4.1 figure "SM state machine", as rows of
 * {states the event is valid in, event, action, new state}. */
static const struct {
	unsigned states;
	enum elect_event ev;
	enum elect_action act;
	enum sm_state next;
} elect_table[] = {
	{ S(SM_NOTACTIVE),                   EV_START,        ACT_SWEEP,         SM_DISCOVERING },
	{ S(SM_DISCOVERING),                 EV_SWEEP_WON,    ACT_BECOME_MASTER, SM_MASTER },
	{ S(SM_DISCOVERING),                 EV_SWEEP_LOST,   ACT_FOLLOW,        SM_STANDBY },
	{ S(SM_STANDBY),                     EV_MASTER_LOST,  ACT_SWEEP,         SM_DISCOVERING },
	{ S(SM_STANDBY) | S(SM_DISCOVERING), EV_HANDOVER,     ACT_BECOME_MASTER, SM_MASTER },
	{ S(SM_MASTER),                      EV_HANDED_OVER,  ACT_FOLLOW,        SM_STANDBY },
	{ S(SM_MASTER) | S(SM_DISCOVERING),  EV_CMD_STANDBY,  ACT_FOLLOW,        SM_STANDBY },
	{ ANY & ~S(SM_NOTACTIVE),            EV_CMD_DISABLE,  ACT_STOP,          SM_NOTACTIVE },
	{ S(SM_NOTACTIVE) | S(SM_STANDBY),   EV_CMD_DISCOVER, ACT_SWEEP,         SM_DISCOVERING },
	/* Not in the spec's figure: leaving, we answer NOTACTIVE so that no SM
	 * hands mastership back to us. */
	{ ANY & ~S(SM_NOTACTIVE),            EV_LEAVE,        ACT_STOP,          SM_NOTACTIVE },
};

const char *sm_state_name(enum sm_state s)
{
	return (unsigned)s < SM_NSTATES ? state_names[s] : "UNKNOWN";
}

const char *elect_event_name(enum elect_event ev)
{
	return (unsigned)ev < EV_NEVENTS ? event_names[ev] : "unknown event";
}

enum elect_action elect_step(enum sm_state *state, enum elect_event ev)
{
	for (size_t i = 0; i < sizeof(elect_table) / sizeof(elect_table[0]); i++) {
		if (elect_table[i].ev != ev || !(elect_table[i].states & S(*state)))
			continue;
		if (elect_table[i].next != *state)
			log_notice("entering %s (%s, was %s)", sm_state_name(elect_table[i].next),
				   elect_event_name(ev), sm_state_name(*state));
		*state = elect_table[i].next;
		return elect_table[i].act;
	}
	log_info("ignoring '%s' in state %s", elect_event_name(ev), sm_state_name(*state));
	return ACT_NONE;
}

int sm_rank_cmp(uint8_t prio_a, uint64_t guid_a, uint8_t prio_b, uint64_t guid_b)
{
	if (prio_a != prio_b)
		return prio_a > prio_b ? 1 : -1;
	if (guid_a != guid_b)
		return guid_a < guid_b ? 1 : -1;
	return 0;
}

int sm_key_trusted(uint64_t ours, uint64_t theirs)
{
	return theirs == 0 || theirs == ours;
}

void sminfo_encode(uint8_t data[64], const struct sm_info *si)
{
	memset(data, 0, 64);
	mad_set_field64(data, 0, IB_SMINFO_GUID_F, si->guid);
	mad_set_field64(data, 0, IB_SMINFO_KEY_F, si->key);
	mad_set_field(data, 0, IB_SMINFO_ACT_F, si->act_count);
	mad_set_field(data, 0, IB_SMINFO_PRIO_F, si->priority);
	mad_set_field(data, 0, IB_SMINFO_STATE_F, si->state);
}

void sminfo_decode(const uint8_t data[64], struct sm_info *si)
{
	si->guid = mad_get_field64(mad_ro(data), 0, IB_SMINFO_GUID_F);
	si->key = mad_get_field64(mad_ro(data), 0, IB_SMINFO_KEY_F);
	si->act_count = mad_get_field(mad_ro(data), 0, IB_SMINFO_ACT_F);
	si->priority = (uint8_t)mad_get_field(mad_ro(data), 0, IB_SMINFO_PRIO_F);
	si->state = (uint8_t)mad_get_field(mad_ro(data), 0, IB_SMINFO_STATE_F);
}
