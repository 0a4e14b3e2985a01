/* mwatch: a standby's judgement of its master, from what its polls get.
 *
 * "Gone" (an error or undeliverable reply to SMInfo, or the master's port
 * not reachable by directed route) is confirmed by a few quick polls and
 * then taken over at once. "Slow" (SMInfo unanswered while the master's
 * port still answers its SMA) is waited out for slow_limit_ms with one poll
 * kept outstanding: a busy master is not taken over, and a stopped one is
 * not flooded. Pure: the caller sends the MADs and keeps the clock.
 */
#ifndef SMD_MWATCH_H
#define SMD_MWATCH_H

#include <stdint.h>

enum mw_outcome {
	MW_ANSWERED,    /* SMInfo poll: the master answers as master */
	MW_ERROR,       /* SMInfo poll: error or undeliverable reply (no SM there) */
	MW_TIMEOUT,     /* SMInfo poll: no reply in time */
	MW_PORT_UP,     /* port check: the master's node answers by directed route */
	MW_PORT_GONE,   /* port check: it does not */
};

enum mw_action {
	MW_POLL,        /* poll again at the usual pace */
	MW_CONFIRM,     /* a miss: check again soon (mw.probe says poll or port check) */
	MW_PROBE,       /* check the master's port now */
	MW_WAIT,        /* slow: keep one long poll outstanding, check the port meanwhile */
	MW_TAKEOVER,    /* the master is gone, or slow for too long */
};

struct mwatch {
	unsigned retries;        /* misses in a row that make "gone" */
	unsigned slow_limit_ms;  /* how long a slow master is waited for */
	unsigned misses;
	int probe;               /* the next check is a port check, not a poll */
	uint64_t slow_since;     /* ms (caller's clock) the master turned slow; 0 = not slow */
};

void mw_init(struct mwatch *w, unsigned retries, unsigned slow_limit_ms);
/* Forget the past (a new master, or our own link went down). */
void mw_reset(struct mwatch *w);
enum mw_action mw_judge(struct mwatch *w, enum mw_outcome o, uint64_t now_ms);
int mw_slow(const struct mwatch *w);
/* Slow: how long the outstanding poll may wait (at least 1 ms). */
unsigned mw_wait_ms(const struct mwatch *w, uint64_t now_ms);
const char *mw_action_name(enum mw_action a);

#endif
