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
