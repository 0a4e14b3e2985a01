/* sa_node: NodeRecord (IBA 15.2.5.2) and PortInfoRecord (15.2.5.3), Get
 * and GetTable: record tables over the fabric's nodes. */
#include <string.h>
#include <infiniband/mad.h>
#include "sa_int.h"

/* A Get or GetTable over records: refuse other methods and components the
 * SA does not match on (1, with the answer made). */
static int sa_query_refused(const uint8_t *req, const struct sa_comp *comps, unsigned n,
			    struct sa_resp *r)
{
	unsigned m = sa_req_method(req), st;

	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_GET_TABLE)
		st = MAD_ST_METHOD_ATTR_UNSUP;
	else
		st = sa_mask_check(sa_req_mask(req), comps, n);
	if (st)
		sa_reply(req, st, NULL, 0, r);
	return st != 0;
}

/* NodeRecord and PortInfoRecord both start with a LID (component 0): a
 * query by LID needs only records of the node holding it, not a record of
 * every node to filter. NULL when no LID is asked; a node of its own (no
 * records) when nobody holds it. */
static const struct fab_node *sa_lid_node(struct sa_ctx *c, const uint8_t *req, uint64_t mask)
{
	static const struct fab_node nobody;
	if (!(mask & 1))
		return NULL;
	/* PortInfoRecord's EndportLID is where NodeRecord's LID is. */
	uint16_t lid = (uint16_t)mad_get_field(smp_ro(sa_req_rec(req)), 0, IB_SA_NR_LID_F);
	const struct fab_port *p = fab_port_by_lid(c->fab, lid);
	return p ? p->node : &nobody;
}

/* The records of one node. */
typedef void (*sa_node_fn)(struct sa_recs *rs, const struct fab_node *n);

/* A record table over the nodes: refuse what cannot be answered, collect
 * the records (of the LID's node only when the query names a LID), keep
 * those that match the query, reply. */
static void sa_node_table(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r,
			  const struct sa_comp *comps, unsigned ncomps, size_t size, sa_node_fn fill)
{
	uint64_t mask = sa_req_mask(req);
	struct sa_recs rs = { .size = size };

	if (sa_query_refused(req, comps, ncomps, r))
		return;
	const struct fab_node *only = sa_lid_node(c, req, mask);
	for (const struct fab_node *n = only ? only : c->fab->nodes; n; n = only ? NULL : n->next)
		fill(&rs, n);
	sa_finish(req, &rs, comps, ncomps, r);
}

/* ---- NodeRecord ---------------------------------------------------------- */

#define NR_SIZE 112               /* 108 bytes, padded to 8 */

static const struct sa_comp nr_comps[] = {
	{ 0, 16, CMP_EQ },            /* LID */
	{ 16, 16, CMP_IGNORE },       /* reserved */
	{ 32, 8, CMP_EQ },            /* BaseVersion */
	{ 40, 8, CMP_EQ },            /* ClassVersion */
	{ 48, 8, CMP_EQ },            /* NodeType */
	{ 56, 8, CMP_EQ },            /* NumPorts */
	{ 64, 64, CMP_EQ },           /* SystemImageGUID */
	{ 128, 64, CMP_EQ },          /* NodeGUID */
	{ 192, 64, CMP_EQ },          /* PortGUID */
	{ 256, 16, CMP_EQ },          /* PartitionCap */
	{ 272, 16, CMP_EQ },          /* DeviceID */
	{ 288, 32, CMP_EQ },          /* Revision */
	{ 320, 8, CMP_EQ },           /* LocalPortNum */
	{ 328, 24, CMP_EQ },          /* VendorID */
	{ 352, 512, CMP_EQ },         /* NodeDescription */
};

/* rec is zeroed; NodeInfo follows the LID and a reserved field. */
static void nr_fill(uint8_t *rec, const struct fab_node *n, const struct fab_port *p)
{
	char desc[64] = { 0 };

	mad_set_field(rec, 0, IB_SA_NR_LID_F, p->lid);
	memcpy(rec + 4, n->ninfo, 40);
	mad_set_field64(rec, 0, IB_SA_NR_PORT_GUID_F, p->guid);
	mad_set_field(rec, 0, IB_SA_NR_LOCAL_PORT_F, p->num);
	memcpy(desc, n->desc, strnlen(n->desc, sizeof(desc)));
	mad_set_array(rec, 0, IB_SA_NR_NODEDESC_F, desc);
}

/* One NodeRecord per LID-carrying port (CA ports, switch port 0). */
static void nr_node(struct sa_recs *rs, const struct fab_node *n)
{
	unsigned first = fab_is_switch(n) ? 0 : 1, last = fab_is_switch(n) ? 0 : n->nports;
	for (unsigned i = first; i <= last; i++) {
		struct fab_port *p = &n->ports[i];
		if (p->have_info && p->lid)
			nr_fill(sa_recs_add(rs), n, p);
	}
}

void sa_node_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	sa_node_table(c, req, r, nr_comps, NCOMPS(nr_comps), NR_SIZE, nr_node);
}

/* ---- PortInfoRecord ------------------------------------------------------ */

#define PIR_SIZE 72               /* 68 bytes, padded to 8 */

static const struct sa_comp pir_comps[] = {
	{ 0, 16, CMP_EQ },            /* EndportLID */
	{ 16, 8, CMP_EQ },            /* PortNum */
	{ 24, 8, CMP_IGNORE },        /* Options */
	{ 32, 64, CMP_EQ },           /* M_Key */
	{ 96, 64, CMP_EQ },           /* GIDPrefix */
	{ 160, 16, CMP_EQ },          /* LID */
	{ 176, 16, CMP_EQ },          /* MasterSMLID */
	{ 192, 32, CMP_SUBSET },      /* CapabilityMask: the bits asked for are set */
};

/* One PortInfoRecord per port read; a switch's ports under its LID. */
static void pir_node(struct sa_recs *rs, const struct fab_node *n)
{
	for (unsigned i = fab_is_switch(n) ? 0 : 1; i <= n->nports; i++) {
		struct fab_port *p = &n->ports[i];
		uint16_t lid = fab_lid_port(p)->lid;
		if (!p->have_info || !lid)
			continue;
		uint8_t *rec = sa_recs_add(rs);
		rec[0] = (uint8_t)(lid >> 8);
		rec[1] = (uint8_t)lid;
		rec[2] = p->num;
		memcpy(rec + 4, p->info, 64);
		/* M_Key is not for untrusted eyes; smd sets none anyway. */
		memset(rec + 4, 0, 8);
	}
}

void sa_portinfo_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	sa_node_table(c, req, r, pir_comps, NCOMPS(pir_comps), PIR_SIZE, pir_node);
}
