/* mhttp: the metrics over HTTP ([metrics] listen): GET /metrics answers
 * Prometheus' text format (report_metrics), anything else 404 (405 for
 * another method), malformed requests 400. libevent's evhttp, in the SM's
 * own event loop: nothing in it blocks, and a client that is slow or stops
 * half way is dropped after a few seconds. */
#ifndef SMD_MHTTP_H
#define SMD_MHTTP_H

#include <event2/event.h>
#include "sm.h"

struct mhttp;

/* Listen on listen ("ADDRESS:PORT", as cfg_parse_listen() takes it). NULL
 * with the reason logged when it cannot. */
struct mhttp *mhttp_open(struct event_base *base, const char *listen, const struct sm *sm);
void mhttp_close(struct mhttp *h);

#endif
