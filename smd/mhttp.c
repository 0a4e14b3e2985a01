#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>
#include "config.h"
#include "log.h"
#include "mhttp.h"
#include "report.h"
#include "xalloc.h"

#define MHTTP_TIMEOUT_S 5        /* a request must come, and its answer go, in this */
#define MHTTP_MAX_HEADERS 8192   /* bytes of request line and headers */
#define MHTTP_MAX_BODY 1024      /* a GET has none */
#define MHTTP_BACKLOG 16
#define MHTTP_PAUSE_MS 1000      /* out of descriptors: stop accepting this long */

struct mhttp {
	const struct sm *sm;
	struct evhttp *http;
	struct evconnlistener *lis;
	struct event *resume;        /* accepting again after a pause */
	time_t warned;               /* last "cannot accept" line */
	char listen[CFG_PATH_MAX];
	struct mhttp *next;
};

/* The open servers: the listener's error callback gets the evhttp as its
 * argument (evhttp_bind_listener makes it so), and finds its server here. */
static struct mhttp *mhttp_all;

static void mhttp_request(struct evhttp_request *req, void *arg)
{
	struct mhttp *h = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;

	if (!path || strcmp(path, "/metrics")) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is served here");
		return;
	}
	struct sbuf b = { 0 };
	report_metrics(h->sm, &b);
	struct evbuffer *out = evbuffer_new();
	if (!out)
		fatalx("out of memory (an evbuffer)");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evbuffer_add(out, b.s, b.len);
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
	sb_free(&b);
}

static void mhttp_resume(evutil_socket_t fd, short what, void *arg)
{
	struct mhttp *h = arg;
	(void)fd; (void)what;
	evconnlistener_enable(h->lis);
}

/* accept() failed for a reason other than a client giving up: most likely
 * out of descriptors. The pending connection would make the listener fire
 * again at once, so it pauses instead of spinning the SM's loop. */
static void mhttp_accept_error(struct evconnlistener *lis, void *arg)
{
	struct mhttp *h = mhttp_all;
	int err = EVUTIL_SOCKET_ERROR();
	time_t now = time(NULL);

	while (h && (void *)h->http != arg)
		h = h->next;
	if (!h)
		return;

	if (now - h->warned >= 60) {
		h->warned = now;
		log_warnx("metrics: cannot accept a connection on %s: %s; pausing for %u ms",
			  h->listen, strerror(err), MHTTP_PAUSE_MS);
	}
	struct timeval tv = { MHTTP_PAUSE_MS / 1000, (MHTTP_PAUSE_MS % 1000) * 1000 };
	evconnlistener_disable(lis);
	evtimer_add(h->resume, &tv);
}

struct mhttp *mhttp_open(struct event_base *base, const char *listen, const struct sm *sm)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned port;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	if (cfg_parse_listen(listen, addr, sizeof(addr), &port) < 0) {
		log_warnx("metrics: '%s' is not ADDRESS:PORT", listen);  /* checked by config */
		return NULL;
	}
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	struct mhttp *h = xcalloc(1, sizeof(*h));
	h->sm = sm;
	snprintf(h->listen, sizeof(h->listen), "%s", listen);
	h->http = evhttp_new(base);
	h->resume = evtimer_new(base, mhttp_resume, h);
	if (!h->http || !h->resume)
		fatalx("out of memory (the metrics server)");
	/* Only the configured address, only what a scrape needs, and nobody
	 * holds a connection long: no client can make the SM wait. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(h->http, MHTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, MHTTP_MAX_BODY);
	evhttp_set_timeout(h->http, MHTTP_TIMEOUT_S);
	evhttp_set_gencb(h->http, mhttp_request, h);
	/* [::] means IPv6 only: 0.0.0.0 is another listen value. */
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
			 (ss.ss_family == AF_INET6 ? LEV_OPT_BIND_IPV6ONLY : 0);
	h->lis = evconnlistener_new_bind(base, NULL, NULL, flags, MHTTP_BACKLOG,
					 (struct sockaddr *)&ss, (int)sl);
	if (!h->lis) {
		log_err("metrics: cannot listen on %s: %s; running without metrics", listen,
			strerror(errno));
		mhttp_close(h);
		return NULL;
	}
	if (!evhttp_bind_listener(h->http, h->lis)) {
		log_err("metrics: cannot serve HTTP on %s; running without metrics", listen);
		evconnlistener_free(h->lis);
		h->lis = NULL;
		mhttp_close(h);
		return NULL;
	}
	evconnlistener_set_error_cb(h->lis, mhttp_accept_error);
	h->next = mhttp_all;
	mhttp_all = h;
	log_info("metrics: http://%s/metrics", listen);
	return h;
}

void mhttp_close(struct mhttp *h)
{
	if (!h)
		return;
	for (struct mhttp **pp = &mhttp_all; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	if (h->http)
		evhttp_free(h->http);  /* frees the bound listener, closes connections */
	else if (h->lis)
		evconnlistener_free(h->lis);
	if (h->resume)
		event_free(h->resume);
	free(h);
}
