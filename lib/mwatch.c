#include "mwatch.h"

void mw_init(struct mwatch *w, unsigned retries, unsigned slow_limit_ms)
{
	w->retries = retries ? retries : 1;
	w->slow_limit_ms = slow_limit_ms;
	mw_reset(w);
}

void mw_reset(struct mwatch *w)
{
	w->misses = 0;
	w->probe = 0;
	w->slow_since = 0;
}

int mw_slow(const struct mwatch *w)
{
	return w->slow_since != 0;
}

unsigned mw_wait_ms(const struct mwatch *w, uint64_t now_ms)
{
	uint64_t end = w->slow_since + w->slow_limit_ms;
	return end > now_ms ? (unsigned)(end - now_ms) : 1;
}

static enum mw_action mw_miss(struct mwatch *w, int probe_next)
{
	w->misses++;
	w->probe = probe_next;
	return w->misses >= w->retries ? MW_TAKEOVER : MW_CONFIRM;
}

enum mw_action mw_judge(struct mwatch *w, enum mw_outcome o, uint64_t now_ms)
{
	switch (o) {
	case MW_ANSWERED:
		mw_reset(w);
		return MW_POLL;
	case MW_ERROR:
		/* Nobody listens for SMInfo there any more: the SM died. */
		return mw_miss(w, 0);
	case MW_TIMEOUT:
		if (!w->slow_since)
			return MW_PROBE;  /* slow or gone? its port tells */
		return now_ms - w->slow_since >= w->slow_limit_ms ? MW_TAKEOVER : MW_WAIT;
	case MW_PORT_UP:
		/* Reachable, so the SM process is only late. A miss counted
		 * against an unreachable port is forgiven; an error reply is
		 * not (the SM died on a live node: the port check, sent while
		 * slow, must not keep resetting that count to the slow limit). */
		if (w->probe)
			w->misses = 0;
		w->probe = 0;
		if (!w->slow_since)
			w->slow_since = now_ms ? now_ms : 1;
		return now_ms - w->slow_since >= w->slow_limit_ms ? MW_TAKEOVER : MW_WAIT;
	case MW_PORT_GONE:
		/* Confirmed by the port check again, not by polls that would
		 * only time out as well. */
		return mw_miss(w, 1);
	}
	return MW_POLL;
}

const char *mw_action_name(enum mw_action a)
{
	static const char *const names[] = {
		[MW_POLL] = "poll", [MW_CONFIRM] = "confirm", [MW_PROBE] = "check its port",
		[MW_WAIT] = "wait", [MW_TAKEOVER] = "take over",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}
