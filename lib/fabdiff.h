/* fabdiff: what changed between two fabric models, in words for a log line
 * ("cable leaf2/6 - spine1/3 down", "node h5 gone", "2 cables down, 1 node
 * joined"). Pure: two models in, text out. */
#ifndef SMD_FABDIFF_H
#define SMD_FABDIFF_H

#include <stddef.h>
#include "fabric.h"

struct fdiff {
	unsigned cables_down, cables_up;    /* between nodes in both models */
	unsigned nodes_gone, nodes_new;
	char first[112];                    /* the first change, named */
};

/* Compare prev (may be NULL: everything is new) with cur. */
void fdiff_compare(const struct fabric *prev, const struct fabric *cur, struct fdiff *d);
/* The change in words into buf: the one change named, or counts with the
 * first named; "no change in the topology" when there is none. */
void fdiff_describe(const struct fdiff *d, char *buf, size_t len);

#endif
