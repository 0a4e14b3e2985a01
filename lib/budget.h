/* budget: how much work sources may cause per second, in units the caller
 * chooses (the SA: bytes of answers). A token bucket per source and one for
 * all of them: `rate` units a second, at most `rate` saved. A request is
 * served while its source's bucket and the common one are not empty, and
 * charged once answered: one request is bounded by what it asks (the
 * caller's business), a source that keeps asking is told BUSY until its
 * bucket refills, and all sources together get at most `total` a second.
 * Pure: the caller gives the time. A fixed table; a new source takes the
 * slot whose bucket is fullest (idle longest), which loses nothing. */
#ifndef SMD_BUDGET_H
#define SMD_BUDGET_H

#include <stdint.h>

#define BUDGET_SLOTS 256

struct budget_slot {
	uint64_t source;          /* 0: free */
	double tokens, t;         /* the bucket at time t */
};

struct budget {
	struct budget_slot s[BUDGET_SLOTS];
	struct budget_slot all;
	double rate, total;
	uint64_t refused;         /* requests not served, ever */
};

void budget_init(struct budget *b, double rate, double total);
/* New rates (the fabric grew); buckets keep what they hold, capped. */
void budget_set(struct budget *b, double rate, double total);
/* May source be served now? (0: no; counted in refused) */
int budget_may(struct budget *b, uint64_t source, double now);
void budget_charge(struct budget *b, uint64_t source, double cost, double now);

#endif
