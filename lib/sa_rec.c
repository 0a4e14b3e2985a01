/* sa_rec: what every SA attribute answers with: the request's fields, the
 * response (a status, one record, or a GetTable of records in one RMPP
 * transfer), record collection and matching by component mask, selectors,
 * port GIDs. Calls no other SA file: the attributes call it. */
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "sa_int.h"
#include "xalloc.h"

#define RMPP_FLAGS_SINGLE 0x7         /* active, first and last segment */

/* ---- request fields and GIDs --------------------------------------------- */

unsigned sa_req_method(const uint8_t *req)
{
	return smp_hdr_method(req);
}

uint64_t sa_req_mask(const uint8_t *req)
{
	return mad_get_field64(smp_ro(req), 0, IB_SA_COMPMASK_F);
}

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

	mad_get_array(smp_ro(rec), 0, gid_field, gid);
	if (mad_get_field64(gid, 0, IB_GID_PREFIX_F) == c->prefix)
		p = fab_port_by_guid(c->fab, mad_get_field64(gid, 0, IB_GID_GUID_F));
	if (!p)
		*status = SA_ST_INVALID_GID;
	return p;
}

/* ---- selectors and component masks ----------------------------------------- */

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

/* ---- record collection ------------------------------------------------------ */

uint8_t *sa_recs_add(struct sa_recs *rs)
{
	if (rs->n == rs->cap) {
		unsigned cap = rs->cap ? rs->cap * 2 : 16;
		rs->data = xreallocarray(rs->data, cap, rs->size);
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

/* ---- responses ------------------------------------------------------------- */

void sa_resp_free(struct sa_resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static uint8_t *sa_resp_alloc(struct sa_resp *r, size_t len)
{
	if (r->cap < len) {
		r->buf = xreallocarray(r->buf, len, 1);
		r->cap = len;
	}
	memset(r->buf, 0, len);
	r->len = len;
	return r->buf;
}

/* The response header: the request's, turned into its response. */
static uint8_t *sa_resp_hdr(const uint8_t *req, unsigned status, size_t len, struct sa_resp *r)
{
	uint8_t *m = sa_resp_alloc(r, len);

	memcpy(m, req, 24);
	smp_make_response(m, status, NULL, 0, 0);
	mad_set_field64(m, 0, IB_SA_COMPMASK_F, sa_req_mask(req));
	return m;
}

void sa_reply(const uint8_t *req, unsigned status, const uint8_t *rec, size_t recsize,
	      struct sa_resp *r)
{
	uint8_t *m = sa_resp_hdr(req, status, MAD_SIZE, r);

	if (rec && recsize <= MAD_SIZE - SA_HDR_SIZE) {
		memcpy(m + SA_HDR_SIZE, rec, recsize);
		mad_set_field(m, 0, IB_SA_ATTROFFS_F, (uint32_t)(recsize / 8));
	}
}

/* Answer with the records: Get wants exactly one. */
static void sa_reply_recs(const uint8_t *req, const struct sa_recs *rs, struct sa_resp *r)
{
	if (sa_req_method(req) != IB_MAD_METHOD_GET_TABLE) {
		if (rs->n == 0)
			sa_reply(req, SA_ST_NO_RECORDS, NULL, 0, r);
		else if (rs->n > 1)
			sa_reply(req, SA_ST_TOO_MANY_RECORDS, NULL, 0, r);
		else
			sa_reply(req, 0, rs->data, rs->size, r);
		return;
	}
	/* GetTableResp: every record, one after the other, in one RMPP
	 * transfer. The kernel splits it into segments (the agent is
	 * registered for RMPP); a single-MAD answer carries a complete
	 * header of its own, so it also works where nobody segments. */
	size_t data = (size_t)rs->n * rs->size;
	size_t len = SA_HDR_SIZE + data;
	uint8_t *m = sa_resp_hdr(req, 0, len, r);
	mad_set_field(m, 0, IB_SA_ATTROFFS_F, (uint32_t)(rs->size / 8));
	if (data)
		memcpy(m + SA_HDR_SIZE, rs->data, data);
	mad_set_field(m, 0, IB_SA_RMPP_VERS_F, 1);
	mad_set_field(m, 0, IB_SA_RMPP_TYPE_F, 1);  /* DATA */
	mad_set_field(m, 0, IB_SA_RMPP_FLAGS_F, RMPP_FLAGS_SINGLE);
	mad_set_field(m, 0, IB_SA_RMPP_SEGNUM_F, 1);
	/* PayloadLength of the first segment: SA header and data, all segments */
	mad_set_field(m, 0, IB_SA_RMPP_LEN_F, (uint32_t)(len - 36));
}

void sa_finish(const uint8_t *req, struct sa_recs *rs, const struct sa_comp *comps,
	       unsigned ncomps, struct sa_resp *r)
{
	if (comps)
		sa_recs_filter(rs, sa_req_rec(req), sa_req_mask(req), comps, ncomps);
	sa_reply_recs(req, rs, r);
	sa_recs_free(rs);
}
