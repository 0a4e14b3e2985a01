#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "rate.h"
#include "sa_int.h"
#include "smp.h"

#define SA_CLASS_VERSION 2
#define SA_RESP_TIME 18               /* 4.096 us * 2^18: about 1 s */
#define SA_CAP2_SENDONLY_FULL (1u << 12)
#define RMPP_FLAGS_SINGLE 0x7         /* active, first and last segment */

enum { ATTR_CLASS_PORT_INFO = 0x0001, ATTR_NODE_RECORD = 0x0011,
       ATTR_PORTINFO_RECORD = 0x0012, ATTR_PATH_RECORD = 0x0035,
       ATTR_MCMEMBER_RECORD = 0x0038 };

const char *sa_attr_name(unsigned attr)
{
	switch (attr) {
	case ATTR_CLASS_PORT_INFO: return "ClassPortInfo";
	case ATTR_NODE_RECORD: return "NodeRecord";
	case ATTR_PORTINFO_RECORD: return "PortInfoRecord";
	case ATTR_PATH_RECORD: return "PathRecord";
	case ATTR_MCMEMBER_RECORD: return "MCMemberRecord";
	}
	return NULL;
}

/* ---- helpers ------------------------------------------------------------- */

void sa_set_gid(uint8_t *rec, enum MAD_FIELDS gid_field, uint64_t prefix, uint64_t guid)
{
	uint8_t gid[16];

	mad_set_field64(gid, 0, IB_GID_PREFIX_F, prefix);
	mad_set_field64(gid, 0, IB_GID_GUID_F, guid);
	mad_set_array(rec, 0, gid_field, gid);
}

struct fab_port *sa_gid_port(struct sa_ctx *c, const uint8_t *rec, enum MAD_FIELDS gid_field,
			     unsigned *status)
{
	struct fab_port *p = NULL;
	uint8_t gid[16];

	mad_get_array(mad_ro(rec), 0, gid_field, gid);
	if (mad_get_field64(gid, 0, IB_GID_PREFIX_F) == c->prefix)
		p = fab_port_by_guid(c->fab, mad_get_field64(gid, 0, IB_GID_GUID_F));
	if (!p)
		*status = SA_ST_INVALID_GID;
	return p;
}

unsigned sa_req_method(const uint8_t *req)
{
	return smp_hdr_method(req);
}

uint64_t sa_req_mask(const uint8_t *req)
{
	return mad_get_field64(mad_ro(req), 0, IB_SA_COMPMASK_F);
}

void sa_resp_free(struct sa_resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static uint8_t *sa_resp_alloc(struct sa_resp *r, size_t len)
{
	if (r->cap < len) {
		uint8_t *n = realloc(r->buf, len);
		if (!n)
			return NULL;
		r->buf = n;
		r->cap = len;
	}
	memset(r->buf, 0, len);
	r->len = len;
	return r->buf;
}

uint8_t *sa_recs_add(struct sa_recs *rs)
{
	if (rs->failed)
		return NULL;
	if (rs->n == rs->cap) {
		unsigned cap = rs->cap ? rs->cap * 2 : 16;
		uint8_t *n = realloc(rs->data, (size_t)cap * rs->size);
		if (!n) {
			rs->failed = 1;
			return NULL;
		}
		rs->data = n;
		rs->cap = cap;
	}
	uint8_t *rec = rs->data + (size_t)rs->n++ * rs->size;
	memset(rec, 0, rs->size);
	return rec;
}

static void sa_recs_free(struct sa_recs *rs)
{
	free(rs->data);
	rs->data = NULL;
	rs->n = rs->cap = 0;
}

unsigned sa_mask_check(uint64_t mask, const struct sa_comp *comps, unsigned ncomps)
{
	for (unsigned i = 0; i < 64; i++)
		if ((mask >> i & 1) && (i >= ncomps || !comps[i].how))
			return SA_ST_REQ_INVALID;
	return 0;
}

static int sa_comp_match(const uint8_t *rec, const uint8_t *q, const struct sa_comp *c)
{
	if (c->how == CMP_IGNORE)
		return 1;
	if (c->bits > 32) {  /* byte-aligned: GUIDs, GIDs, descriptions */
		return !memcmp(rec + c->bitoffs / 8, q + c->bitoffs / 8, c->bits / 8u);
	}
	struct sfield f = { c->bitoffs, (uint8_t)c->bits };
	uint32_t have = sf_get(rec, f), want = sf_get(q, f);
	return c->how == CMP_SUBSET ? (have & want) == want : have == want;
}

/* Keep the records whose masked components match the query record q. */
static void sa_recs_filter(struct sa_recs *rs, const uint8_t *q, uint64_t mask,
			   const struct sa_comp *comps, unsigned ncomps)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < rs->n; i++) {
		uint8_t *rec = rs->data + (size_t)i * rs->size;
		int ok = 1;
		for (unsigned b = 0; b < ncomps && ok; b++)
			if (mask >> b & 1)
				ok = sa_comp_match(rec, q, &comps[b]);
		if (!ok)
			continue;
		if (kept != i)
			memcpy(rs->data + (size_t)kept * rs->size, rec, rs->size);
		kept++;
	}
	rs->n = kept;
}

int sa_selector_ok(unsigned sel, unsigned want, unsigned have)
{
	switch (sel) {
	case 0: return have > want;
	case 1: return have < want;
	case 2: return have == want;
	default: return 1;
	}
}

unsigned sa_selector_pick(unsigned sel, unsigned want, unsigned offer)
{
	switch (sel) {
	case 0: return offer > want ? offer : 0;
	case 1: return want > 1 ? (offer < want ? offer : want - 1) : 0;
	case 2: return want <= offer ? want : 0;
	default: return offer;
	}
}

/* The response header: the request's, turned into its response. */
static uint8_t *sa_resp_hdr(const uint8_t *req, unsigned status, size_t len, struct sa_resp *r)
{
	uint8_t *m = sa_resp_alloc(r, len);
	if (!m)
		return NULL;
	memcpy(m, req, 24);
	smp_make_response(m, status, NULL, 0, 0);
	mad_set_field64(m, 0, IB_SA_COMPMASK_F, sa_req_mask(req));
	return m;
}

int sa_reply(const uint8_t *req, unsigned status, const uint8_t *rec, size_t recsize,
	     struct sa_resp *r)
{
	uint8_t *m = sa_resp_hdr(req, status, MAD_SIZE, r);
	if (!m)
		return 0;
	if (rec && recsize <= MAD_SIZE - SA_HDR_SIZE) {
		memcpy(m + SA_HDR_SIZE, rec, recsize);
		mad_set_field(m, 0, IB_SA_ATTROFFS_F, (uint32_t)(recsize / 8));
	}
	return 1;
}

/* Answer with the records: Get wants exactly one. */
static int sa_reply_recs(const uint8_t *req, const struct sa_recs *rs, struct sa_resp *r)
{
	unsigned method = sa_req_method(req);

	if (method != IB_MAD_METHOD_GET_TABLE) {
		if (rs->n == 0)
			return sa_reply(req, SA_ST_NO_RECORDS, NULL, 0, r);
		if (rs->n > 1)
			return sa_reply(req, SA_ST_TOO_MANY_RECORDS, NULL, 0, r);
		return sa_reply(req, 0, rs->data, rs->size, r);
	}
	/* GetTableResp: every record, one after the other, in one RMPP
	 * transfer. The kernel splits it into segments (the agent is
	 * registered for RMPP); a single-MAD answer carries a complete
	 * header of its own, so it also works where nobody segments. */
	size_t data = (size_t)rs->n * rs->size;
	size_t len = SA_HDR_SIZE + data;
	uint8_t *m = sa_resp_hdr(req, 0, len, r);
	if (!m)
		return 0;
	mad_set_field(m, 0, IB_SA_ATTROFFS_F, (uint32_t)(rs->size / 8));
	if (data)
		memcpy(m + SA_HDR_SIZE, rs->data, data);
	mad_set_field(m, 0, IB_SA_RMPP_VERS_F, 1);
	mad_set_field(m, 0, IB_SA_RMPP_TYPE_F, 1);  /* DATA */
	mad_set_field(m, 0, IB_SA_RMPP_FLAGS_F, RMPP_FLAGS_SINGLE);
	mad_set_field(m, 0, IB_SA_RMPP_SEGNUM_F, 1);
	/* PayloadLength of the first segment: SA header and data, all segments */
	mad_set_field(m, 0, IB_SA_RMPP_LEN_F, (uint32_t)(len - 36));
	return 1;
}

int sa_finish(const uint8_t *req, struct sa_recs *rs, const struct sa_comp *comps,
	      unsigned ncomps, struct sa_resp *r)
{
	int ok;

	if (rs->failed) {
		ok = sa_reply(req, SA_ST_NO_RESOURCES, NULL, 0, r);
	} else {
		if (comps)
			sa_recs_filter(rs, sa_req_rec(req), sa_req_mask(req), comps, ncomps);
		ok = sa_reply_recs(req, rs, r);
	}
	sa_recs_free(rs);
	return ok;
}

/* A Get or GetTable over records: refuse other methods and components the
 * SA does not match on (1, with the answer made). */
static int sa_query_refused(const uint8_t *req, const struct sa_comp *comps, unsigned n,
			    struct sa_resp *r, int *answered)
{
	unsigned m = sa_req_method(req), st;

	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_GET_TABLE)
		st = MAD_ST_METHOD_ATTR_UNSUP;
	else
		st = sa_mask_check(sa_req_mask(req), comps, n);
	if (st)
		*answered = sa_reply(req, st, NULL, 0, r);
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
	uint16_t lid = (uint16_t)mad_get_field(mad_ro(sa_req_rec(req)), 0, IB_SA_NR_LID_F);
	const struct fab_port *p = fab_port_by_lid(c->fab, lid);
	return p ? p->node : &nobody;
}

/* ---- ClassPortInfo ------------------------------------------------------- */

static int sa_class_port_info(const uint8_t *req, struct sa_resp *r)
{
	uint8_t cpi[72];

	if (sa_req_method(req) != IB_MAD_METHOD_GET)
		return sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
	memset(cpi, 0, sizeof(cpi));
	mad_set_field(cpi, 0, IB_CPI_BASEVER_F, 1);
	mad_set_field(cpi, 0, IB_CPI_CLASSVER_F, SA_CLASS_VERSION);
	/* IPoIB reads CapabilityMask2 for send-only full member joins. */
	mad_set_field(cpi, 0, IB_CPI_CAPMASK2_F, SA_CAP2_SENDONLY_FULL);
	mad_set_field(cpi, 0, IB_CPI_RESP_TIME_VALUE_F, SA_RESP_TIME);
	return sa_reply(req, 0, cpi, sizeof(cpi), r);
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

/* The records of one node (rs->failed when out of memory). */
typedef void (*sa_node_fn)(struct sa_recs *rs, const struct fab_node *n);

/* A record table over the nodes: refuse what cannot be answered, collect
 * the records (of the LID's node only when the query names a LID), keep
 * those that match the query, reply. */
static int sa_node_table(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r,
			 const struct sa_comp *comps, unsigned ncomps, size_t size, sa_node_fn fill)
{
	uint64_t mask = sa_req_mask(req);
	struct sa_recs rs = { .size = size };
	int answered;

	if (sa_query_refused(req, comps, ncomps, r, &answered))
		return answered;
	const struct fab_node *only = sa_lid_node(c, req, mask);
	for (const struct fab_node *n = only ? only : c->fab->nodes; n && !rs.failed;
	     n = only ? NULL : n->next)
		fill(&rs, n);
	return sa_finish(req, &rs, comps, ncomps, r);
}

/* One NodeRecord per LID-carrying port (CA ports, switch port 0). */
static void nr_node(struct sa_recs *rs, const struct fab_node *n)
{
	unsigned first = fab_is_switch(n) ? 0 : 1, last = fab_is_switch(n) ? 0 : n->nports;
	for (unsigned i = first; i <= last; i++) {
		struct fab_port *p = &n->ports[i];
		if (!p->have_info || !p->lid)
			continue;
		uint8_t *rec = sa_recs_add(rs);
		if (!rec)
			return;
		nr_fill(rec, n, p);
	}
}

static int sa_node_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	return sa_node_table(c, req, r, nr_comps, NCOMPS(nr_comps), NR_SIZE, nr_node);
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
		if (!rec)
			return;
		rec[0] = (uint8_t)(lid >> 8);
		rec[1] = (uint8_t)lid;
		rec[2] = p->num;
		memcpy(rec + 4, p->info, 64);
		/* M_Key is not for untrusted eyes; smd sets none anyway. */
		memset(rec + 4, 0, 8);
	}
}

static int sa_portinfo_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r)
{
	return sa_node_table(c, req, r, pir_comps, NCOMPS(pir_comps), PIR_SIZE, pir_node);
}

/* ---- dispatch ------------------------------------------------------------ */

int sa_answer(struct sa_ctx *c, const uint8_t *req, size_t len, uint16_t slid, struct sa_resp *r)
{
	if (len < 24 || smp_hdr_is_response(req))
		return 0;
	if (len < SA_HDR_SIZE)
		return sa_reply(req, SA_ST_REQ_INVALID, NULL, 0, r);  /* truncated */
	if (mad_get_field(mad_ro(req), 0, IB_MAD_BASEVER_F) != 1 ||
	    mad_get_field(mad_ro(req), 0, IB_MAD_CLASSVER_F) != SA_CLASS_VERSION)
		return sa_reply(req, MAD_ST_BAD_VERSION, NULL, 0, r);
	unsigned m = sa_req_method(req);
	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_SET && m != IB_MAD_METHOD_GET_TABLE &&
	    m != IB_MAD_METHOD_DELETE)
		return sa_reply(req, MAD_ST_METHOD_UNSUP, NULL, 0, r);
	if (!c->fab)
		return sa_reply(req, MAD_ST_BUSY, NULL, 0, r);
	switch (smp_hdr_attr(req)) {
	case ATTR_CLASS_PORT_INFO:
		return sa_class_port_info(req, r);
	case ATTR_NODE_RECORD:
		return sa_node_record(c, req, r);
	case ATTR_PORTINFO_RECORD:
		return sa_portinfo_record(c, req, r);
	case ATTR_PATH_RECORD:
		return sa_path(c, req, slid, r);
	case ATTR_MCMEMBER_RECORD:
		return sa_mcmember(c, req, r);
	}
	return sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
}

/* ---- the fabric's IPoIB parameters ----------------------------------------- */

void sa_fabric_mtu_rate(const struct fabric *f, unsigned *mtu, unsigned *rate)
{
	unsigned low_mtu = 0, low_rate = 0;

	for (struct fab_node *n = f ? f->nodes : NULL; n; n = n->next) {
		if (fab_is_switch(n))
			continue;
		for (unsigned i = 1; i <= n->nports; i++) {
			const struct fab_port *p = &n->ports[i];
			if (fab_port_state(p) != PORT_ACTIVE)  /* 0 when not read */
				continue;
			unsigned m = port_mtu(p->info);
			if (m && (!low_mtu || m < low_mtu))
				low_mtu = m;
			low_rate = rate_min(low_rate, fab_port_rate(p));
		}
	}
	*mtu = low_mtu ? low_mtu : 4;
	*rate = low_rate ? low_rate : 3;
}

struct mc_group *sa_ensure_broadcast(struct mc_table *mc, unsigned mtu, unsigned rate,
				     unsigned pkt_life)
{
	uint8_t mgid[16];
	struct mc_group *g = mc_ipoib_broadcast(mc);

	if (g)
		return g;
	mc_ipoib_broadcast_mgid(mgid, 0xffff);
	g = mc_create(mc, mgid, MC_MLID_FIRST);
	if (!g)
		return NULL;
	g->qkey = MC_IPOIB_QKEY;
	g->pkey = 0xffff;
	g->mtu = (uint8_t)mtu;
	g->rate = (uint8_t)rate;
	g->pkt_life = (uint8_t)pkt_life;
	g->scope = MC_SCOPE_LINK;
	g->permanent = 1;
	return g;
}
