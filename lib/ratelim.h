/* ratelim: what one source may cause, and what the log says about it. Per
 * kind of event and source (a LID, a GUID...), a window of `interval`
 * seconds: the first `cap` events of a window are acted on, the rest are
 * not; one log line a window, the next one counting what it did not say
 * ("refused 9,998 more SMInfo Sets from LID 3 in the last 10 s"). Pure: the
 * caller gives the time. A fixed table; a new source takes the slot idle
 * longest. */
#ifndef SMD_RATELIM_H
#define SMD_RATELIM_H

#include <stdint.h>

#define RL_SLOTS 64

struct rl_slot {
	uint64_t source;
	unsigned kind;
	int used;
	double start, last;       /* the window's start, the last event */
	unsigned n;               /* events in this window */
	unsigned unsaid;          /* events not logged since the last line */
};

struct ratelim {
	struct rl_slot s[RL_SLOTS];
	double interval;
	unsigned cap;
};

struct rl_verdict {
	int act;                  /* within the cap: do what the event asks */
	int log;                  /* write a line for it */
	unsigned unsaid;          /* with log: the events not logged before it */
	double span;              /* with log and unsaid: over how many seconds */
};

void rl_init(struct ratelim *r, double interval_s, unsigned cap);
struct rl_verdict rl_event(struct ratelim *r, unsigned kind, uint64_t source, double now);

#endif
