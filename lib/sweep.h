/* sweep: the heavy sweep, a chain of asynchronous stages (discover, other
 * SMs, election, configure, activate) over a fresh fabric model. */
#ifndef SMD_SWEEP_H
#define SMD_SWEEP_H

struct sm;
struct sweep;

enum sweep_mode { SWEEP_ELECT, SWEEP_MASTER, SWEEP_RECORD };
/* NULL on error (discovery could not start). */
struct sweep *sweep_start(struct sm *sm, enum sweep_mode mode);
void sweep_abort(struct sweep *sw);
/* Continue a SWEEP_ELECT sweep as master after the election was won. */
void sweep_continue_as_master(struct sweep *sw);
int sweep_mode(const struct sweep *sw);

#endif
