/* ctl: the control socket smctl talks to. One request line ("status json",
 * "sweep", "lids", "groups", "metrics"), one answer ("OK" or "ERR <why>", then the
 * body), then the daemon closes the connection. */
#ifndef SMD_CTL_H
#define SMD_CTL_H

#include <event2/event.h>
#include "sbuf.h"
#include "sm.h"

struct ctl;

/* Listen on path (mode 0600), creating its directory if missing. NULL with
 * the reason logged when the socket cannot be made; *in_use = 1 when that
 * is because another smd listens there. */
struct ctl *ctl_open(struct event_base *base, const char *path, struct sm *sm, int *in_use);
/* Stop listening, drop connections, remove the socket file. */
void ctl_close(struct ctl *c);
/* One request line (without its newline) answered into out: "OK\n" and the
 * body, or "ERR <why>\n". No socket needed (fuzz_sm drives it). */
void ctl_run(struct sm *sm, const char *line, struct sbuf *out);

#endif
