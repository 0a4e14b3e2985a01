/* quick: see quick.h. */
#include "quick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>

#include "link.h"
#include "log.h"
#include "xalloc.h"

struct quick_port {               /* one PortInfo Get */
	struct quick *q;
	const struct fab_port *port;  /* in prev */
	uint8_t info[64];
	int ok;
	int swinfo;                   /* SwitchInfo of port's switch, not PortInfo */
};

struct quick {
	struct mad_engine *e;
	const struct fabric *prev;
	quick_done_fn cb;
	void *arg;
	struct quick_port *v;
	unsigned n, pending, mads;
	unsigned nfirst;              /* ports of the trapping switches; then far ends */
	int aborted, second, done;
	char why[96];
};

static void quick_free(struct quick *q)
{
	free(q->v);
	free(q);
}

static void quick_reply(void *arg, const struct mad_reply *r);

static int quick_send(struct mad_engine *e, struct quick *q, const struct fab_port *p, int swinfo)
{
	struct quick_port *qp = &q->v[q->n];
	struct smp_req rq = { .dr = &p->node->ports[0].path, .method = IB_MAD_METHOD_GET,
			      .attr = swinfo ? IB_ATTR_SWITCH_INFO : IB_ATTR_PORT_INFO,
			      .mod = swinfo ? 0 : p->num, .timeout_ms = -1, .retries = -1 };

	qp->q = q;
	qp->port = p;
	qp->swinfo = swinfo;
	if (mad_smp(e, &rq, quick_reply, qp) < 0)
		return -1;
	q->n++;
	q->pending++;
	q->mads++;
	return 0;
}

static int quick_read(const struct quick *q, const struct fab_port *p)
{
	for (unsigned i = 0; i < q->n; i++)
		if (q->v[i].port == p && !q->v[i].swinfo)
			return 1;
	return 0;
}

static int quick_up(const struct quick_port *r)
{
	unsigned phys = mad_get_field(smp_ro(r->info), 0, IB_PORT_PHYS_STATE_F);
	unsigned state = mad_get_field(smp_ro(r->info), 0, IB_PORT_STATE_F);

	return phys == PHYS_LINKUP && state >= PORT_INIT;
}

/* Every answer is in. First round: the trapping switches' ports; a cable
 * gone there is checked at its far end too (a second round), since that
 * end's own trap may come only later. Then the last model without the
 * cables, or a full discovery. */
static void quick_finish(struct quick *q)
{
	const struct fab_port **cut = xcalloc((size_t)q->n + 1, sizeof(*cut));
	unsigned ncut = 0;
	struct fabric *fab = NULL;

	for (unsigned i = 0; i < q->n && !q->why[0]; i++) {
		const struct quick_port *r = &q->v[i];
		const struct fab_port *p = r->port;

		if (!r->ok)
			snprintf(q->why, sizeof(q->why), "%.40s port %u did not answer",
				 p->node->desc, p->num);
		else if (r->swinfo)
			continue;
		else if (i >= q->nfirst && quick_up(r))
			snprintf(q->why, sizeof(q->why), "%.40s port %u still up, its cable's other "
				 "end down", p->node->desc, p->num);
		else if (p->remote && !quick_up(r))
			cut[ncut++] = p;                         /* a cable gone */
		else if (!p->remote && quick_up(r))
			snprintf(q->why, sizeof(q->why), "%.40s port %u came up", p->node->desc,
				 p->num);
		else if (p->remote && mad_get_field(smp_ro(r->info), 0, IB_PORT_STATE_F) !=
					      fab_port_state(p))
			snprintf(q->why, sizeof(q->why), "%.40s port %u changed state",
				 p->node->desc, p->num);
	}
	if (!q->why[0] && !q->second) {
		q->second = 1;
		q->nfirst = q->n;
		q->pending = 1;
		for (unsigned i = 0; i < ncut; i++) {
			const struct fab_port *r = cut[i]->remote;

			if (fab_is_switch(r->node) && !quick_read(q, r) &&
			    quick_send(q->e, q, r, 0) < 0)
				snprintf(q->why, sizeof(q->why), "the engine refused a request");
		}
		if (--q->pending) {
			free(cut);
			return;                  /* the far ends answer first */
		}
	}
	for (unsigned i = 0; i < ncut && !q->why[0]; i++) {
		const struct fab_port *r = cut[i]->remote;

		/* a host still reached by another port would keep a stale port */
		if (!fab_is_switch(r->node) && r->node->nports > 1)
			snprintf(q->why, sizeof(q->why), "%.40s lost one of its ports", r->node->desc);
	}
	if (!q->why[0]) {
		fab = fab_copy(q->prev, cut, ncut);
		/* what the ports read say now */
		for (unsigned i = 0; fab && i < q->n; i++) {
			struct fab_node *n = fab_node_by_guid(fab, q->v[i].port->node->guid);

			if (n && q->v[i].swinfo && q->v[i].ok) {
				/* PortStateChange as the switch has it: the routing
				 * Sets clear it */
				memcpy(n->swinfo, q->v[i].info, 64);
				n->have_swinfo = 1;
			} else if (n && q->v[i].port->num <= n->nports && q->v[i].ok) {
				memcpy(n->ports[q->v[i].port->num].info, q->v[i].info, 64);
				n->ports[q->v[i].port->num].have_info = 1;
			}
		}
		if (!fab)
			snprintf(q->why, sizeof(q->why), "no local port in the model");
		else
			log_debug("quick: %u port(s) lost their cable, %u of %u nodes still reached "
				  "(%u ports read, %u of them far ends)", ncut, fab->nnodes,
				  q->prev->nnodes, q->n, q->n - q->nfirst);
	}
	free(cut);
	q->done = 1;
	q->cb(q->arg, fab, q->mads, q->why[0] ? q->why : NULL);
}

static void quick_reply(void *arg, const struct mad_reply *r)
{
	struct quick_port *qp = arg;
	struct quick *q = qp->q;

	if (r->err == MAD_OK && r->data) {
		memcpy(qp->info, r->data, 64);
		qp->ok = 1;
	}
	if (--q->pending)
		return;
	if (!q->aborted)
		quick_finish(q);
	if (q->aborted || q->done)
		quick_free(q);
}

struct quick *quick_start(struct mad_engine *e, const struct fabric *prev, const uint16_t *lids,
			  unsigned nlids, quick_done_fn cb, void *arg)
{
	struct quick *q = xcalloc(1, sizeof(*q));
	unsigned total = 0;

	q->e = e;
	q->prev = prev;
	q->cb = cb;
	q->arg = arg;
	for (unsigned i = 0; i < nlids; i++) {
		const struct fab_port *p = fab_port_by_lid(prev, lids[i]);

		if (!p || !fab_is_switch(p->node) || p->num != 0) {
			log_debug("quick: LID %u is not a switch of the model", lids[i]);
			quick_free(q);
			return NULL;
		}
		total += p->node->nports;
	}
	/* room for the far end of every port read, and the SwitchInfos */
	q->v = xcalloc(2 * (size_t)total + nlids + 1, sizeof(*q->v));
	q->nfirst = UINT32_MAX;      /* no far ends yet */
	q->pending = 1;      /* replies come from the loop, never inside mad_smp */
	for (unsigned i = 0; i < nlids; i++) {
		const struct fab_node *n = fab_port_by_lid(prev, lids[i])->node;

		for (unsigned k = 0; k <= n->nports; k++) {
			if (quick_read(q, &n->ports[k ? k : 1]))
				continue;        /* a LID given twice */
			if (quick_send(e, q, &n->ports[k], k == 0) < 0) {
				/* the engine refused (closing): nobody can finish this */
				q->aborted = 1;
				if (--q->pending == 0)
					quick_free(q);
				return NULL;
			}
		}
	}
	q->pending--;
	return q;
}

void quick_abort(struct quick *q)
{
	if (q)
		q->aborted = 1;
}
