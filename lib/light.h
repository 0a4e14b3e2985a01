/* light: a master's light sweep between heavy ones. SwitchInfo of every
 * switch (PortStateChange), the neighbour of a switchless local port (a
 * CA-to-CA link sends no trap), and one NodeInfo to each node that did not
 * answer the last heavy sweep. Says whether a heavy sweep is due, and why. */
#ifndef SMD_LIGHT_H
#define SMD_LIGHT_H

#include "fabric.h"
#include "mad.h"
#include "trouble.h"

struct light;
/* why: NULL when nothing changed, else the reason for a heavy sweep. */
typedef void (*light_done_fn)(void *arg, const char *why);

/* NULL when there is nothing to ask (cb is not called). t: its silent
 * ports are probed, once per episode (trb_entry.woke). */
struct light *light_start(struct mad_engine *mad, const struct fabric *f, struct trouble *t,
			  light_done_fn cb, void *arg);
/* Stop caring: no callback; what is in flight frees itself. */
void light_cancel(struct light *l);

#endif
