/* sa_int: what the SA's files share. sa.c dispatches to the attributes
 * (sa_node.c, sa_path.c, sa_mcm.c); they answer with sa_rec.c's helpers,
 * which call none of them. */
#ifndef SMD_SA_INT_H
#define SMD_SA_INT_H

#include <infiniband/mad.h>
#include "sa.h"
#include "sfield.h"

/* A component mask bit; the number of entries of a component table. */
#define M(b) (1ull << (b))
#define NCOMPS(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

/* How a record component is compared with the query's. */
enum sa_cmp { CMP_EQ = 1, CMP_SUBSET, CMP_IGNORE };

struct sa_comp {
	uint16_t bitoffs;
	uint16_t bits;
	uint8_t how;              /* 0: not supported in a query */
};

/* ---- sa_rec.c ---- */

/* Records of one attribute being collected for an answer. */
struct sa_recs {
	uint8_t *data;
	unsigned n, cap;
	size_t size;              /* bytes a record, a multiple of 8 */
};

/* A new zeroed record. */
uint8_t *sa_recs_add(struct sa_recs *rs);
/* Answer with the records whose masked components match the query's (all
 * of them when comps is NULL), and free them; Get wants exactly one. */
void sa_finish(const uint8_t *req, struct sa_recs *rs, const struct sa_comp *comps,
	       unsigned ncomps, struct sa_resp *r);
/* 0 when every component in mask is supported, else SA_ST_REQ_INVALID. */
unsigned sa_mask_check(uint64_t mask, const struct sa_comp *comps, unsigned ncomps);
/* A single-MAD answer: a status, with a record unless rec is NULL. */
void sa_reply(const uint8_t *req, unsigned status, const uint8_t *rec, size_t recsize,
	      struct sa_resp *r);

/* Request fields */
unsigned sa_req_method(const uint8_t *req);
uint64_t sa_req_mask(const uint8_t *req);
static inline const uint8_t *sa_req_rec(const uint8_t *req) { return req + SA_HDR_SIZE; }

/* Write a port's GID (prefix, GUID) into a record's GID field (libibmad's,
 * e.g. IB_SA_PR_DGID_F). */
void sa_set_gid(uint8_t *rec, enum MAD_FIELDS gid_field, uint64_t prefix, uint64_t guid);
/* The port a record's GID field names: NULL with *status set (INVALID_GID)
 * when the prefix is not ours or the GUID unknown. */
struct fab_port *sa_gid_port(struct sa_ctx *c, const uint8_t *rec, enum MAD_FIELDS gid_field,
			     unsigned *status);

/* Selector semantics shared by PathRecord and MCMemberRecord (MTU, rate,
 * packet lifetime): 0 greater than, 1 less than, 2 exactly, 3 largest
 * available. Given what the path or group offers (have, as a comparable
 * value), is the request met? */
int sa_selector_ok(unsigned sel, unsigned want, unsigned have);
/* A code (MTU: 1 is the lowest) the selector accepts, starting from what
 * the fabric offers (at least 1); 0 when there is none. */
unsigned sa_selector_pick(unsigned sel, unsigned want, unsigned offer);
/* The query's selector in field f; "exactly" (2) when its bit is not in
 * the mask. */
static inline unsigned sa_sel(const uint8_t *q, uint64_t mask, unsigned selbit, struct sfield f)
{
	return mask & M(selbit) ? sf_get(q, f) : 2;
}

/* ---- the attributes sa.c dispatches to: each makes its answer in r ---- */

/* sa_node.c */
void sa_node_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r);
void sa_portinfo_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r);
/* sa_path.c: slid is the requester's (the source when the query names none) */
void sa_path(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r);
/* sa_pkey.c */
void sa_pkey_record(struct sa_ctx *c, const uint8_t *req, struct sa_resp *r);
/* sa_mcm.c */
/* slid: the requester's LID (0: unknown), for who may change a membership */
void sa_mcmember(struct sa_ctx *c, const uint8_t *req, uint16_t slid, struct sa_resp *r);

#endif
