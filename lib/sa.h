/* sa: the Subnet Administrator (class 0x03) as a pure function of the
 * fabric model, the programmed forwarding tables and the multicast groups:
 * one request in, one response out. Served: ClassPortInfo, NodeRecord,
 * PortInfoRecord, PathRecord, MCMemberRecord (join, leave, Get, GetTable). */
#ifndef SMD_SA_H
#define SMD_SA_H

#include <stddef.h>
#include <stdint.h>
#include "fabric.h"
#include "lft.h"
#include "mcast.h"
#include "pkey.h"

#define SA_HDR_SIZE 56            /* common MAD + RMPP + SA headers */

/* SA status codes (MAD status bits 8..14, IBA 15.2.1.2) and generic ones */
#define SA_ST_NO_RESOURCES 0x0100
#define SA_ST_REQ_INVALID 0x0200
#define SA_ST_NO_RECORDS 0x0300
#define SA_ST_TOO_MANY_RECORDS 0x0400
#define SA_ST_INVALID_GID 0x0500
#define SA_ST_INSUFFICIENT_COMPS 0x0600
#define SA_ST_DENIED 0x0700
#define MAD_ST_BUSY 0x0001
#define MAD_ST_BAD_VERSION 0x0004
#define MAD_ST_METHOD_UNSUP 0x0008
#define MAD_ST_METHOD_ATTR_UNSUP 0x000C
#define MAD_ST_INVALID_VALUE 0x001C

struct sa_ctx {
	const struct fabric *fab;
	const struct lft_memory *lfts;
	struct mc_table *mc;
	uint64_t prefix;          /* subnet prefix of every port GID */
	unsigned pkt_life;        /* PacketLifeTime code in records */
	unsigned new_group_mtu;   /* for groups a join creates without an MTU */
	unsigned new_group_rate;
	/* partitions: who shares which P_Key (NULL: the default partition
	 * only, every port a full member), the SM's port (SELF), and the
	 * P_Key tables as written (P_KeyTableRecord; NULL: none served) */
	const struct prtn_conf *prtn;
	uint64_t sm_guid;
	const struct pkey_memory *pkeys;
};

/* A response of any length (GetTable answers can span many MADs: RMPP). */
struct sa_resp {
	uint8_t *buf;
	size_t len, cap;
};
void sa_resp_free(struct sa_resp *r);

/* Answer the request (len bytes, from LID slid). Returns 1 with r filled,
 * 0 when there is nothing to answer (a response, or too short to answer). */
int sa_answer(struct sa_ctx *c, const uint8_t *req, size_t len, uint16_t slid,
	      struct sa_resp *r);

/* For the log: the attribute's name ("PathRecord"), or NULL. */
const char *sa_attr_name(unsigned attr);

/* Build the IPoIB broadcast group for P_Key 0xFFFF if it is missing; NULL
 * when every MLID is taken. */
struct mc_group *sa_ensure_broadcast(struct mc_table *mc, unsigned mtu, unsigned rate,
				     unsigned pkt_life);
/* A partition's IPoIB broadcast group ff1<scope>:401b:<pkey>::ffff:ffff
 * (P_Key with the full bit), made if missing (the default partition's
 * link-local one at MLID 0xC000), its parameters set; *made says whether
 * it is new. NULL when every MLID is taken. */
struct sa_group_params {
	uint16_t pkey;
	uint8_t scope, mtu, rate, sl, tclass;
	uint32_t qkey, flow_label;
	unsigned pkt_life;
};
struct mc_group *sa_ensure_ipoib_group(struct mc_table *mc, const struct sa_group_params *p,
				       int *made);
/* The largest MTU and the lowest rate every Active CA link carries (codes),
 * for "auto"; 4 (2048) and 3 (10 Gb/s) when there is no Active CA link. */
void sa_fabric_mtu_rate(const struct fabric *f, unsigned *mtu, unsigned *rate);

#endif
