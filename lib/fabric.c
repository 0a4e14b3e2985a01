#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "fabric.h"
#include "link.h"
#include "xalloc.h"

struct fabric *fab_new(void)
{
	struct fabric *f = xcalloc(1, sizeof(*f));

	f->tail = &f->nodes;
	hmap_init(&f->by_node_guid);
	hmap_init(&f->by_port_guid);
	hmap_init(&f->by_lid);
	return f;
}

void fab_free(struct fabric *f)
{
	if (!f)
		return;
	for (struct fab_node *n = f->nodes, *next; n; n = next) {
		next = n->next;
		free(n->ports);
		free(n);
	}
	hmap_free(&f->by_node_guid);
	hmap_free(&f->by_port_guid);
	hmap_free(&f->by_lid);
	free(f);
}

struct fab_node *fab_add_node(struct fabric *f, const uint8_t ninfo[64])
{
	uint64_t guid = mad_get_field64(smp_ro(ninfo), 0, IB_NODE_GUID_F);
	struct fab_node *n;

	if (!guid)
		return NULL;  /* not a node GUID: it could never be looked up */
	n = xcalloc(1, sizeof(*n));
	memcpy(n->ninfo, ninfo, 64);
	n->guid = guid;
	n->type = (uint8_t)mad_get_field(smp_ro(ninfo), 0, IB_NODE_TYPE_F);
	n->nports = (uint8_t)mad_get_field(smp_ro(ninfo), 0, IB_NODE_NPORTS_F);
	n->ports = xcalloc((size_t)n->nports + 1, sizeof(*n->ports));
	hmap_put(&f->by_node_guid, n->guid, n);
	for (unsigned i = 0; i <= n->nports; i++) {
		n->ports[i].node = n;
		n->ports[i].num = (uint8_t)i;
	}
	if (fab_is_switch(n)) {
		/* A switch has one port GUID, on port 0, shared by every port. */
		uint64_t pg = mad_get_field64(smp_ro(ninfo), 0, IB_NODE_PORT_GUID_F);
		for (unsigned i = 0; i <= n->nports; i++)
			n->ports[i].guid = pg;
		hmap_put(&f->by_port_guid, pg, &n->ports[0]);
		f->nswitches++;
	}
	*f->tail = n;
	f->tail = &n->next;
	f->nnodes++;
	return n;
}

struct fab_node *fab_node_by_guid(const struct fabric *f, uint64_t guid)
{
	return hmap_get(&f->by_node_guid, guid);
}

struct fab_port *fab_port_by_guid(const struct fabric *f, uint64_t guid)
{
	return hmap_get(&f->by_port_guid, guid);
}

struct fab_port *fab_port_by_lid(const struct fabric *f, uint16_t lid)
{
	return hmap_get(&f->by_lid, lid);
}

void fab_index_port(struct fabric *f, struct fab_port *p)
{
	if (p->guid)
		hmap_put(&f->by_port_guid, p->guid, p);
}

void fab_set_lid(struct fabric *f, struct fab_port *p, uint16_t lid)
{
	if (p->lid && fab_port_by_lid(f, p->lid) == p)
		hmap_del(&f->by_lid, p->lid);
	p->lid = lid;
	if (lid)
		hmap_put(&f->by_lid, lid, p);
}

void fab_link(struct fab_port *a, struct fab_port *b)
{
	/* A port has one cable: a former partner (a cable moved during the
	 * sweep) must not go on pointing here. */
	if (a->remote && a->remote != b && a->remote->remote == a)
		a->remote->remote = NULL;
	if (b->remote && b->remote != a && b->remote->remote == b)
		b->remote->remote = NULL;
	a->remote = b;
	b->remote = a;
}

static int fab_is_cut(const struct fab_port *p, const struct fab_port *const *cut, unsigned ncut)
{
	for (unsigned i = 0; i < ncut; i++)
		if (cut[i] == p || cut[i] == p->remote)
			return 1;
	return 0;
}

static struct fab_node *fab_copy_node(struct fabric *c, const struct fab_node *n)
{
	struct fab_node *m = fab_add_node(c, n->ninfo);

	memcpy(m->desc, n->desc, sizeof(m->desc));
	m->have_swinfo = n->have_swinfo;
	memcpy(m->swinfo, n->swinfo, sizeof(m->swinfo));
	for (unsigned i = 0; i <= n->nports && i <= m->nports; i++) {
		const struct fab_port *p = &n->ports[i];
		struct fab_port *q = &m->ports[i];

		q->guid = p->guid;
		q->have_info = p->have_info;
		memcpy(q->info, p->info, sizeof(q->info));
		q->path = p->path;
		q->is_sm = p->is_sm;
	}
	return m;
}

struct fabric *fab_copy(const struct fabric *f, const struct fab_port *const *cut, unsigned ncut)
{
	struct fabric *c;
	const struct fab_node **queue;
	unsigned head = 0, tail = 0;

	if (!f->local)
		return NULL;
	c = fab_new();
	queue = xcalloc((size_t)f->nnodes + 1, sizeof(*queue));
	queue[tail++] = f->local->node;
	fab_copy_node(c, f->local->node);
	while (head < tail) {
		const struct fab_node *n = queue[head++];
		struct fab_node *m = fab_node_by_guid(c, n->guid);

		for (unsigned i = 1; i <= n->nports; i++) {
			const struct fab_port *p = &n->ports[i], *r = p->remote;
			struct fab_node *rm;

			/* as discovery: out of a switch, or of our own port */
			if (!r || fab_is_cut(p, cut, ncut) || (!fab_is_switch(n) && p != f->local))
				continue;
			if (!(rm = fab_node_by_guid(c, r->node->guid))) {
				rm = fab_copy_node(c, r->node);
				queue[tail++] = r->node;
			}
			if (r->num <= rm->nports)
				fab_link(&m->ports[i], &rm->ports[r->num]);
		}
	}
	free(queue);
	/* LIDs, CA port GUIDs and the local port, as the original has them */
	for (struct fab_node *m = c->nodes; m; m = m->next) {
		const struct fab_node *n = fab_node_by_guid(f, m->guid);

		for (unsigned i = 0; i <= m->nports; i++) {
			const struct fab_port *p = &n->ports[i];

			if (p->lid)
				fab_set_lid(c, &m->ports[i], p->lid);
			if (!fab_is_switch(m) && p->guid && fab_port_by_guid(f, p->guid) == p)
				fab_index_port(c, &m->ports[i]);
			if (p == f->local)
				c->local = &m->ports[i];
		}
	}
	return c;
}

unsigned fab_port_state(const struct fab_port *p)
{
	return p->have_info ? mad_get_field(smp_ro(p->info), 0, IB_PORT_STATE_F) : 0;
}

unsigned fab_port_phys(const struct fab_port *p)
{
	return p->have_info ? mad_get_field(smp_ro(p->info), 0, IB_PORT_PHYS_STATE_F) : 0;
}

uint16_t fab_port_cur_lid(const struct fab_port *p)
{
	return p->have_info ? (uint16_t)mad_get_field(smp_ro(p->info), 0, IB_PORT_LID_F) : 0;
}

uint32_t fab_port_capmask(const struct fab_port *p)
{
	return p->have_info ? mad_get_field(smp_ro(p->info), 0, IB_PORT_CAPMASK_F) : 0;
}

int fab_port_linked(const struct fab_port *p)
{
	return p->num != 0 && fab_port_phys(p) == PHYS_LINKUP;
}

struct fab_port *fab_lid_port(struct fab_port *p)
{
	return fab_is_switch(p->node) ? &p->node->ports[0] : p;
}
