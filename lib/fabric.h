/* fabric: the model a sweep fills: nodes, ports, links, with look-ups by
 * node GUID, port GUID and LID through hash maps. */
#ifndef SMD_FABRIC_H
#define SMD_FABRIC_H

#include <stdint.h>
#include "hmap.h"
#include "smp.h"

struct fab_node;

struct fab_port {               /* ~160 bytes: 8,000 nodes hold 40,000 of them */
	struct fab_node *node;
	struct fab_port *remote;  /* the port at the other end of the link */
	uint64_t guid;            /* port GUID; a switch's ports share port 0's */
	uint16_t lid;             /* assigned LID (switch external ports: 0) */
	uint8_t num;
	uint8_t have_info;        /* info[] holds a fresh PortInfo Get */
	uint8_t is_sm;            /* CapabilityMask IsSM */
	uint8_t queried;          /* discovery asked for its PortInfo */
	uint8_t activating;       /* the sweep has sent it to Active */
	uint8_t set_pending;      /* a configuring/arming Set is in flight */
	uint8_t info[64];
	struct dr_path path;      /* route to this port (CA) or to its switch */
};

struct fab_node {
	uint64_t guid;
	uint8_t type;             /* IB_NODE_CA, IB_NODE_SWITCH, IB_NODE_ROUTER */
	uint8_t nports;
	uint8_t ninfo[64];
	char desc[65];
	int have_swinfo;
	uint8_t swinfo[64];
	struct fab_port *ports;   /* [0..nports]; port 0 only means something on a switch */
	struct fab_node *next;    /* discovery order */
};

struct fabric {
	struct fab_node *nodes, **tail;
	unsigned nnodes, nswitches;
	struct hmap by_node_guid, by_port_guid, by_lid;
	struct fab_port *local;   /* the port this SM runs on */
};

struct fabric *fab_new(void);
void fab_free(struct fabric *f);

/* Add a node from its NodeInfo (64 bytes); NULL when its node GUID is 0. */
struct fab_node *fab_add_node(struct fabric *f, const uint8_t ninfo[64]);
struct fab_node *fab_node_by_guid(const struct fabric *f, uint64_t guid);
struct fab_port *fab_port_by_guid(const struct fabric *f, uint64_t guid);
struct fab_port *fab_port_by_lid(const struct fabric *f, uint16_t lid);
/* Index a port under its port GUID (CA ports as they are found). */
void fab_index_port(struct fabric *f, struct fab_port *p);
void fab_set_lid(struct fabric *f, struct fab_port *p, uint16_t lid);
/* Cable a to b (both ways); a former partner of either is unlinked. */
void fab_link(struct fab_port *a, struct fab_port *b);
/* A copy of f as a discovery would find it with the cables at the ports
 * cut[0..ncut) gone: the nodes still reachable from the local port, in
 * breadth-first order, with their LIDs, PortInfo and port GUIDs; nothing of
 * a sweep in progress (queried, activating, set_pending) is copied. NULL
 * when f has no local port. */
struct fabric *fab_copy(const struct fabric *f, const struct fab_port *const *cut, unsigned ncut);

static inline int fab_is_switch(const struct fab_node *n) { return n->type == 2; }

/* Every port that can carry a LID (CA ports, switch port 0), read. */
#define FOR_LID_PORTS(f, n, p)                                                  \
	for (struct fab_node *n = (f)->nodes; n; n = n->next)                   \
		for (struct fab_port *p = &n->ports[fab_is_switch(n) ? 0 : 1];  \
		     p <= &n->ports[fab_is_switch(n) ? 0 : n->nports]; p++)     \
			if (p->have_info)

/* Port fields from the last PortInfo Get. */
unsigned fab_port_state(const struct fab_port *p);
unsigned fab_port_phys(const struct fab_port *p);
uint16_t fab_port_cur_lid(const struct fab_port *p);
uint32_t fab_port_capmask(const struct fab_port *p);
/* Has a physical link (LinkUp): CA ports and switch external ports. */
int fab_port_linked(const struct fab_port *p);
/* The port that carries the node's LID: CA port itself, switch port 0. */
struct fab_port *fab_lid_port(struct fab_port *p);
/* Its LID: the one assigned this sweep, else the one the port holds. */
static inline uint16_t fab_port_lid(const struct fab_port *p)
{
	return p->lid ? p->lid : fab_port_cur_lid(p);
}

#endif
