/* standby: a standby's side of the election (see standby.c). */
#ifndef SMD_STANDBY_H
#define SMD_STANDBY_H

#include "elect.h"

/* The pace of the next check of the master: the line's, or the quick
 * confirmation of a miss. */
unsigned standby_poll_period(const struct elect *e);
/* Our place in the line from the SMs found (sets the polling pace). */
void standby_set_line(struct elect *e, const struct sm_peer *peers, unsigned n);
/* Trap 144 to a master we outrank (repeated every 10 s at most). */
void standby_announce(struct elect *e);
/* Watching a master: STANDBY, or NOTACTIVE after its DISABLE (back when it
 * is gone), but never while leaving. */
int standby_watching(const struct elect *e);
/* ET_POLL fired while watching: poll, check the port, or wait. */
void standby_tick(struct elect *e);
/* Answers; 1 when the master is to be taken over. */
int standby_on_poll(struct elect *e, enum mw_outcome o, const struct sm_info *si);
int standby_on_probe(struct elect *e, uint64_t port_guid);

#endif
