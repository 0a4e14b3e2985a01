/* ratelim: see ratelim.h. */
#include "ratelim.h"

#include <string.h>

void rl_init(struct ratelim *r, double interval_s, unsigned cap)
{
	memset(r, 0, sizeof(*r));
	r->interval = interval_s;
	r->cap = cap;
}

static struct rl_slot *rl_slot(struct ratelim *r, unsigned kind, uint64_t source, double now)
{
	struct rl_slot *idle = &r->s[0];

	for (unsigned i = 0; i < RL_SLOTS; i++) {
		struct rl_slot *s = &r->s[i];

		if (s->used && s->kind == kind && s->source == source)
			return s;
		if (!s->used || (idle->used && s->last < idle->last))
			idle = s;
	}
	memset(idle, 0, sizeof(*idle));
	idle->used = 1;
	idle->kind = kind;
	idle->source = source;
	idle->start = now;
	return idle;
}

struct rl_verdict rl_event(struct ratelim *r, unsigned kind, uint64_t source, double now)
{
	struct rl_slot *s = rl_slot(r, kind, source, now);
	struct rl_verdict v = { 0 };

	if (s->n && now - s->start >= r->interval) {
		s->start = now;                /* a new window */
		s->n = 0;
	}
	s->n++;
	s->last = now;
	v.act = s->n <= r->cap;
	if (s->n == 1) {                       /* the window's line */
		v.log = 1;
		v.unsaid = s->unsaid;
		v.span = r->interval;
		s->unsaid = 0;
	} else {
		s->unsaid++;
	}
	return v;
}
