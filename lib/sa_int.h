/* sa_int: what the SA's files (sa.c, sa_path.c, sa_mcm.c) share. */
#ifndef SMD_SA_INT_H
#define SMD_SA_INT_H

#include "sa.h"
#include "sfield.h"

/* How a record component is compared with the query's. */
enum sa_cmp { CMP_EQ = 1, CMP_SUBSET, CMP_IGNORE };

struct sa_comp {
	uint16_t bitoffs;
	uint16_t bits;
	uint8_t how;              /* 0: not supported in a query */
};

/* Records of one attribute being collected for an answer. */
struct sa_recs {
	uint8_t *data;
	unsigned n, cap;
	size_t size;              /* bytes a record, a multiple of 8 */
};

uint8_t *sa_recs_add(struct sa_recs *rs);
void sa_recs_free(struct sa_recs *rs);
/* 0 when every component in mask is supported, else SA_ST_REQ_INVALID. */
unsigned sa_mask_check(uint64_t mask, const struct sa_comp *comps, unsigned ncomps);
/* Keep the records whose masked components match the query record q. */
void sa_recs_filter(struct sa_recs *rs, const uint8_t *q, uint64_t mask,
		    const struct sa_comp *comps, unsigned ncomps);
/* Answer with the records: Get wants exactly one. */
int sa_reply_recs(struct sa_ctx *c, const uint8_t *req, struct sa_recs *rs, struct sa_resp *r);
/* An answer with no record: a status, or a single record (rec may be NULL). */
int sa_reply(const uint8_t *req, unsigned status, const uint8_t *rec, size_t recsize,
	     struct sa_resp *r);

/* Request fields */
unsigned sa_req_method(const uint8_t *req);
uint64_t sa_req_mask(const uint8_t *req);
static inline const uint8_t *sa_req_rec(const uint8_t *req) { return req + SA_HDR_SIZE; }

/* A port's GID: prefix and GUID, 16 bytes big-endian. */
void sa_gid(uint8_t gid[16], uint64_t prefix, uint64_t guid);
/* The port a GID names: NULL with *status set (INVALID_GID) when the prefix
 * is not ours or the GUID unknown. */
struct fab_port *sa_gid_port(struct sa_ctx *c, const uint8_t gid[16], unsigned *status);
uint64_t sa_be64(const uint8_t *p);
void sa_put_be64(uint8_t *p, uint64_t v);

/* Per attribute */
int sa_path(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r);
int sa_mcmember(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r);

/* Selector semantics shared by PathRecord and MCMemberRecord (MTU, rate,
 * packet lifetime): 0 greater than, 1 less than, 2 exactly, 3 largest
 * available. Given what the path or group offers (have, as a comparable
 * value), is the request met? */
int sa_selector_ok(unsigned sel, unsigned want, unsigned have);

#endif
