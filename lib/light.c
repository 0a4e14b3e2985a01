#include <stdlib.h>
#include <infiniband/mad.h>
#include "light.h"
#include "link.h"
#include "xalloc.h"

struct light {
	struct trouble *trouble;
	unsigned pending;
	int canceled;
	const char *why;          /* the first change seen */
	light_done_fn cb;
	void *arg;
};

/* One request of a silent node's probe. */
struct light_probe {
	struct light *l;
	uint64_t guid;
	uint8_t port;
};

static void light_changed(struct light *l, const char *why)
{
	if (!l->why)
		l->why = why;
}

static void light_finish(struct light *l)
{
	if (--l->pending)
		return;
	if (!l->canceled)
		l->cb(l->arg, l->why);
	free(l);
}

static void light_reply(void *arg, const struct mad_reply *r)
{
	struct light *l = arg;

	if (r->err == MAD_ECANCELED || l->canceled) {
		/* closing: nothing to judge */
	} else if (r->err != MAD_OK) {
		light_changed(l, "a node stopped answering");
	} else if (smp_hdr_attr(r->mad) == IB_ATTR_SWITCH_INFO) {
		if (mad_get_field(smp_ro(r->data), 0, IB_SW_STATE_CHANGE_F))
			light_changed(l, "a switch reports a port state change");
	} else if (mad_get_field(smp_ro(r->data), 0, IB_PORT_STATE_F) != PORT_ACTIVE) {
		light_changed(l, "the neighbour port is not Active");
	}
	light_finish(l);
}

/* A node that did not answer the last heavy sweep: does it now? Once per
 * episode: one that answers this but not a heavy sweep is left to the
 * back-off. */
static void light_silent_reply(void *arg, const struct mad_reply *r)
{
	struct light_probe *p = arg;
	struct light *l = p->l;

	if (r->err == MAD_OK && !l->canceled) {
		struct trb_entry *e = trb_find(l->trouble, p->guid, p->port);
		if (e && !e->woke) {
			e->woke = 1;
			light_changed(l, "a node that did not answer does now");
		}
	}
	free(p);
	light_finish(l);
}

struct light *light_start(struct mad_engine *mad, const struct fabric *f, struct trouble *t,
			  light_done_fn cb, void *arg)
{
	struct light *l = xcalloc(1, sizeof(*l));

	l->trouble = t;
	l->cb = cb;
	l->arg = arg;
	l->pending = 1;  /* held until every request is out */
	for (struct fab_node *n = f->nodes; n; n = n->next) {
		struct smp_req q = { .method = IB_MAD_METHOD_GET, .timeout_ms = -1, .retries = -1 };
		if (fab_is_switch(n)) {
			q.dr = &n->ports[0].path;
			q.attr = IB_ATTR_SWITCH_INFO;
		} else if (f->local->remote && f->local->remote->node == n) {
			q.dr = &f->local->remote->path;
			q.attr = IB_ATTR_PORT_INFO;
			q.mod = f->local->remote->num;
		} else {
			continue;
		}
		if (mad_smp(mad, &q, light_reply, l) == 0)
			l->pending++;
	}
	for (unsigned i = 0; i < t->n; i++) {
		struct trb_entry *e = &t->v[i];
		if (e->kind != TRB_SILENT || e->woke)
			continue;
		struct light_probe *p = xmalloc(sizeof(*p));
		*p = (struct light_probe){ l, e->guid, e->port };
		struct smp_req q = { .dr = &e->far, .method = IB_MAD_METHOD_GET,
				     .attr = IB_ATTR_NODE_INFO, .timeout_ms = -1, .retries = 0 };
		if (mad_smp(mad, &q, light_silent_reply, p) == 0)
			l->pending++;
		else
			free(p);
	}
	if (l->pending == 1) {
		free(l);
		return NULL;
	}
	l->pending--;
	return l;
}

void light_cancel(struct light *l)
{
	if (l)
		l->canceled = 1;
}
