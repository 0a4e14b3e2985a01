#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "discover.h"
#include "link.h"
#include "log.h"
#include "rate.h"
#include "smpcheck.h"
#include "xalloc.h"


/* Requests with the engine at a time. A switch found sends ~260 (NodeInfo
 * through every port, PortInfo of every port): 64 spines found at once
 * would queue 16,000 full requests (~5 MB); the rest wait here, 24 bytes
 * each, their route worked out when sent. */
#define DISC_AHEAD 512

struct dwait {
	struct fab_node *node;    /* PortInfo/NodeDesc/SwitchInfo: the node asked */
	struct fab_port *from;    /* NodeInfo: the port to leave by */
	uint16_t attr;
	uint8_t portnum;
};

struct disc {
	struct mad_engine *e;
	struct disc_result res;
	unsigned pending;         /* with the engine */
	struct dwait *wait;       /* FIFO [whead, wtail) of wcap */
	size_t whead, wtail, wcap;
	int aborted;
	disc_done_fn cb;
	void *arg;
};

/* One request's context. */
struct dq {
	struct disc *d;
	uint16_t attr;
	struct dr_path path;
	struct fab_node *node;    /* PortInfo/NodeDesc/SwitchInfo: the node asked */
	uint8_t portnum;          /* PortInfo: which port */
	uint32_t mod;             /* attribute modifier sent */
	struct fab_port *from;    /* NodeInfo: the port we left by (NULL: local) */
};

static void disc_reply(void *arg, const struct mad_reply *r);

static void disc_send_now(struct disc *d, uint16_t attr, const struct dr_path *path,
			  struct fab_node *node, uint8_t portnum, struct fab_port *from)
{
	struct dq *q = xmalloc(sizeof(*q));

	*q = (struct dq){ .d = d, .attr = attr, .path = *path, .node = node,
			  .portnum = portnum, .from = from };
	/* PortInfo: with bit 31 where the capability mask known so far says
	 * extended speeds (rate_portinfo_mod). */
	q->mod = attr == IB_ATTR_PORT_INFO ? rate_portinfo_mod(&node->ports[portnum]) : 0;
	struct smp_req req = { .dr = &q->path, .method = IB_MAD_METHOD_GET, .attr = attr,
			       .mod = q->mod, .timeout_ms = -1, .retries = -1 };
	if (mad_smp(d->e, &req, disc_reply, q) < 0) {
		free(q);
		d->res.failed++;
		return;
	}
	d->pending++;
	d->res.mads++;
}

/* Sends now, or queues while DISC_AHEAD are with the engine. The route is
 * the node's (port 0 holds the one it was found by) or one hop past from. */
static void disc_send(struct disc *d, uint16_t attr, const struct dr_path *path,
		      struct fab_node *node, uint8_t portnum, struct fab_port *from)
{
	if (d->pending < DISC_AHEAD && d->whead == d->wtail) {
		disc_send_now(d, attr, path, node, portnum, from);
		return;
	}
	if (d->wtail == d->wcap) {
		size_t n = d->wtail - d->whead;

		if (n)
			memmove(d->wait, d->wait + d->whead, n * sizeof(*d->wait));
		d->whead = 0;
		d->wtail = n;
		if (n * 2 >= d->wcap) {
			d->wcap = d->wcap ? d->wcap * 2 : 1024;
			d->wait = xreallocarray(d->wait, d->wcap, sizeof(*d->wait));
		}
	}
	d->wait[d->wtail++] = (struct dwait){ node, from, attr, portnum };
}

static void disc_send_waiting(struct disc *d)
{
	while (d->pending < DISC_AHEAD && d->whead < d->wtail) {
		struct dwait w = d->wait[d->whead++];
		struct dr_path next;

		if (w.from) {
			if (dr_path_extend(&next, &w.from->path, w.from->num) < 0)
				continue;      /* checked when queued */
			disc_send_now(d, w.attr, &next, NULL, 0, w.from);
		} else {
			disc_send_now(d, w.attr, &w.node->ports[w.attr == IB_ATTR_PORT_INFO ?
								w.portnum : 0].path,
				      w.node, w.portnum, NULL);
		}
	}
}

/* Remembered for the sweep, which names it once (trouble.c). */
static void disc_note(struct disc *d, struct fab_port *at, const char *fmt, const char *what)
{
	if (d->res.nlie < DISC_MAX_DUPS) {
		struct disc_lie *l = &d->res.lie[d->res.nlie];
		l->at = at;
		snprintf(l->why, sizeof(l->why), fmt, what);
	}
	d->res.nlie++;
}

static void disc_explore(struct disc *d, struct fab_port *p)
{
	struct dr_path next;

	if (dr_path_extend(&next, &p->path, p->num) < 0) {
		disc_note(d, p, "%s", "the node behind it is more than 63 hops away: a directed "
			  "route cannot reach it");
		return;
	}
	disc_send(d, IB_ATTR_NODE_INFO, &next, NULL, 0, p);
}

static void disc_query_port(struct disc *d, struct fab_port *p)
{
	if (p->queried)
		return;
	p->queried = 1;
	disc_send(d, IB_ATTR_PORT_INFO, &p->path, p->node, p->num, NULL);
}

/* A switch's external ports, once port 0 (whose capability mask speaks for
 * them) has answered or failed to. */
static void disc_query_ext_ports(struct disc *d, struct fab_node *n)
{
	for (unsigned i = 1; i <= n->nports; i++)
		disc_query_port(d, &n->ports[i]);
}

static void disc_nodeinfo(struct disc *d, struct dq *q, const uint8_t *data)
{
	struct fabric *f = d->res.fab;
	char why[48];  /* fits disc_note()'s line */

	if ((q->from ? smpck_nodeinfo_remote : smpck_nodeinfo)(data, why, sizeof(why)) < 0) {
		d->res.malformed++;
		d->res.failed++;
		if (q->from)
			disc_note(d, q->from, "the node behind it answers NodeInfo with %s: left out",
				  why);
		else
			log_warnx("discovery: our own node answers NodeInfo with %s", why);
		return;
	}
	if (!q->from)
		d->res.local_ok = 1;
	uint64_t guid = mad_get_field64(smp_ro(data), 0, IB_NODE_GUID_F);
	unsigned lport = mad_get_field(smp_ro(data), 0, IB_NODE_LOCAL_PORT_F);
	struct fab_node *n = fab_node_by_guid(f, guid);
	int is_new = !n;

	if (!n) {
		n = fab_add_node(f, data);
		if (!n) {  /* node GUID 0 */
			d->res.failed++;
			return;
		}
		for (unsigned i = 0; i <= n->nports; i++)
			n->ports[i].path = q->path;
		disc_send(d, IB_ATTR_NODE_DESC, &q->path, n, 0, NULL);
		if (fab_is_switch(n))
			disc_send(d, IB_ATTR_SWITCH_INFO, &q->path, n, 0, NULL);
	}
	if (lport > n->nports) {  /* a node known with fewer ports */
		d->res.malformed++;
		d->res.failed++;
		if (q->from)
			disc_note(d, q->from, "the node behind it answers NodeInfo with %s: left out",
				  "a LocalPortNum past its NumPorts");
		return;
	}
	struct fab_port *p = &n->ports[lport];
	/* Back where we left, as the same switch: a cable from a port into
	 * itself (a loopback plug). Linked to itself, so the sweep brings it
	 * up like any cable and nothing goes out of it again; named once. (A
	 * CA we leave only by our own port: one answering as us is another
	 * node with our GUIDs, below.) */
	if (!is_new && p == q->from && fab_is_switch(n) &&
	    n->type == mad_get_field(smp_ro(data), 0, IB_NODE_TYPE_F) &&
	    n->nports == mad_get_field(smp_ro(data), 0, IB_NODE_NPORTS_F)) {
		fab_link(p, p);
		disc_note(d, p, "%s", "cabled to itself (a loopback plug?): no node behind it");
		return;
	}
	/* The same GUID, yet not the same node: the port we arrive at is the
	 * one we left by, or already cabled elsewhere, or the node is of
	 * another kind. Two nodes with one GUID cannot both be in the model
	 * (LIDs, routes and the SA go by GUID): the first stays, the other is
	 * left out and reported. */
	if ((!is_new && (p == q->from || (p->remote && p->remote != q->from) ||
			 n->type != mad_get_field(smp_ro(data), 0, IB_NODE_TYPE_F) ||
			 n->nports != mad_get_field(smp_ro(data), 0, IB_NODE_NPORTS_F))) ||
	    (q->from && q->from->remote && q->from->remote != p)) {
		if (d->res.ndup < DISC_MAX_DUPS)
			d->res.dup[d->res.ndup] = (struct disc_dup){ p, q->path };
		d->res.ndup++;
		return;
	}
	if (q->from)
		fab_link(q->from, p);
	else
		f->local = p;
	if (fab_is_switch(n)) {
		if (is_new)
			disc_query_port(d, &n->ports[0]);
		return;
	}
	/* A CA (or router) port: each port has its own GUID and its own route. */
	if (!p->guid) {
		p->guid = mad_get_field64(smp_ro(data), 0, IB_NODE_PORT_GUID_F);
		p->path = q->path;
		fab_index_port(f, p);
	}
	disc_query_port(d, p);
}

/* A port's PortInfo is in: go on from it. */
static void disc_port_known(struct disc *d, struct fab_port *p)
{
	if (fab_is_switch(p->node) && p->num == 0)
		disc_query_ext_ports(d, p->node);
	if (!fab_port_linked(p) || p->remote)
		return;
	/* Only switches forward directed-route SMPs; from a CA we only leave
	 * through the local port. */
	if (fab_is_switch(p->node) || p == d->res.fab->local)
		disc_explore(d, p);
}

static void disc_portinfo(struct disc *d, struct dq *q, const uint8_t *data)
{
	struct fab_port *p = &q->node->ports[q->portnum];
	char why[64];

	if (smpck_portinfo(data, fab_is_switch(p->node) && p->num == 0, why, sizeof(why)) < 0) {
		/* as no answer: the port is not configured from it */
		d->res.malformed++;
		disc_note(d, p, "its PortInfo says %s: not believed", why);
		if (p->have_info) {
			disc_port_known(d, p);     /* the first answer stands */
		} else {
			d->res.failed++;
			if (fab_is_switch(p->node) && p->num == 0)
				disc_query_ext_ports(d, p->node);
		}
		return;
	}

	memcpy(p->info, data, 64);
	p->have_info = 1;
	p->is_sm = !!(fab_port_capmask(p) & CAPMASK_IS_SM);
	/* As OpenSM: a port whose own mask says extended speeds is read again
	 * with bit 31, as some leave LinkSpeedExt* out of a Get without it. A
	 * switch's external ports are asked after port 0, with it already. */
	if (!(q->mod & PORTINFO_AM_EXT_SPEEDS) && (rate_portinfo_mod(p) & PORTINFO_AM_EXT_SPEEDS)) {
		if (fab_is_switch(p->node))
			disc_query_ext_ports(d, p->node);
		disc_send(d, IB_ATTR_PORT_INFO, &p->path, p->node, p->num, NULL);
		return;
	}
	disc_port_known(d, p);
}

static void disc_finish(struct disc *d)
{
	free(d->wait);
	if (d->aborted) {
		fab_free(d->res.fab);
		free(d);
		return;
	}
	d->cb(d->arg, &d->res);
	free(d);
}

static void disc_reply(void *arg, const struct mad_reply *r)
{
	struct dq *q = arg;
	struct disc *d = q->d;

	d->pending--;
	if (!d->aborted) {
		struct fab_port *p = q->attr == IB_ATTR_PORT_INFO ? &q->node->ports[q->portnum] : NULL;
		if (r->err != MAD_OK && p && p->have_info) {
			/* The re-read with bit 31 failed: the first answer stands. */
			log_debug("discovery: PortInfo 0x%08x re-read failed, first answer kept", q->mod);
			disc_port_known(d, p);
		} else if (r->err != MAD_OK) {
			char buf[200];
			d->res.failed++;
			if (p && fab_is_switch(p->node) && p->num == 0)
				disc_query_ext_ports(d, p->node);
			log_debug("discovery: no answer to attr 0x%04x at %s (error %d, status 0x%x)",
				  q->attr, dr_path_str(&q->path, buf, sizeof(buf)), r->err,
				  r->err == MAD_EUMAD ? (unsigned)r->umad_status : r->mad_status);
		} else {
			switch (q->attr) {
			case IB_ATTR_NODE_INFO:
				disc_nodeinfo(d, q, r->data);
				break;
			case IB_ATTR_PORT_INFO:
				disc_portinfo(d, q, r->data);
				break;
			case IB_ATTR_NODE_DESC:
				smpck_nodedesc(q->node->desc, r->data);
				break;
			case IB_ATTR_SWITCH_INFO: {
				char why[64];
				/* kept: routing writes the blocks the LIDs need
				 * whatever the switch claims (lft_top) */
				if (smpck_switchinfo(r->data, why, sizeof(why)) < 0) {
					d->res.malformed++;
					disc_note(d, &q->node->ports[0],
						  "its SwitchInfo says %s: ignored", why);
				}
				memcpy(q->node->swinfo, r->data, 64);
				q->node->have_swinfo = 1;
				break;
			}
			}
		}
	}
	free(q);
	if (d->aborted)
		d->whead = d->wtail;       /* what waits is never sent */
	else
		disc_send_waiting(d);
	if (!d->pending)
		disc_finish(d);
}

struct disc *disc_start(struct mad_engine *e, disc_done_fn cb, void *arg)
{
	struct disc *d = xcalloc(1, sizeof(*d));
	struct dr_path local;

	d->e = e;
	d->cb = cb;
	d->arg = arg;
	d->res.fab = fab_new();
	dr_path_local(&local);
	disc_send(d, IB_ATTR_NODE_INFO, &local, NULL, 0, NULL);
	if (!d->pending) {
		fab_free(d->res.fab);
		free(d->wait);
		free(d);
		return NULL;
	}
	return d;
}

void disc_abort(struct disc *d)
{
	d->aborted = 1;
}
