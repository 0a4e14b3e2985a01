/* budget: see budget.h. */
#include "budget.h"

#include <string.h>

void budget_init(struct budget *b, double rate, double total)
{
	memset(b, 0, sizeof(*b));
	b->rate = rate;
	b->total = total;
	b->all.tokens = total;
}

void budget_set(struct budget *b, double rate, double total)
{
	b->rate = rate;
	b->total = total;
}

/* Refill a bucket of capacity cap to time now. */
static void refill(struct budget_slot *s, double per_s, double now)
{
	if (now > s->t) {
		s->tokens += (now - s->t) * per_s;
		s->t = now;
	}
	if (s->tokens > per_s)
		s->tokens = per_s;
}

static struct budget_slot *slot(struct budget *b, uint64_t source, double now)
{
	struct budget_slot *best = &b->s[0];
	double best_tokens = -1e300;

	for (unsigned i = 0; i < BUDGET_SLOTS; i++) {
		struct budget_slot *s = &b->s[i];
		if (s->source == source)
			return s;
		if (!s->source) {
			best = s;
			best_tokens = 1e300;
			continue;
		}
		refill(s, b->rate, now);
		if (s->tokens > best_tokens) {
			best = s;
			best_tokens = s->tokens;
		}
	}
	best->source = source;
	best->tokens = b->rate;
	best->t = now;
	return best;
}

int budget_may(struct budget *b, uint64_t source, double now)
{
	struct budget_slot *s = slot(b, source, now);

	refill(s, b->rate, now);
	refill(&b->all, b->total, now);
	if (s->tokens > 0 && b->all.tokens > 0)
		return 1;
	b->refused++;
	return 0;
}

void budget_charge(struct budget *b, uint64_t source, double cost, double now)
{
	struct budget_slot *s = slot(b, source, now);

	refill(s, b->rate, now);
	refill(&b->all, b->total, now);
	s->tokens -= cost;
	b->all.tokens -= cost;
}
