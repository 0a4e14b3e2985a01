/* sa: the SA's front door: checks what every request needs (version,
 * method, a master's fabric), answers ClassPortInfo and hands each record
 * attribute to its file (sa_node.c, sa_path.c, sa_mcm.c, sa_pkey.c). */
#include <string.h>
#include <infiniband/mad.h>
#include "sa_int.h"

#define SA_CLASS_VERSION 2
#define SA_RESP_TIME 18               /* 4.096 us * 2^18: about 1 s */
#define SA_CAP2_SENDONLY_FULL (1u << 12)

enum { ATTR_CLASS_PORT_INFO = 0x0001, ATTR_NODE_RECORD = 0x0011,
       ATTR_PORTINFO_RECORD = 0x0012, ATTR_PATH_RECORD = 0x0035,
       ATTR_MCMEMBER_RECORD = 0x0038, ATTR_PKEY_TABLE_RECORD = 0x0033 };

const char *sa_attr_name(unsigned attr)
{
	switch (attr) {
	case ATTR_CLASS_PORT_INFO: return "ClassPortInfo";
	case ATTR_NODE_RECORD: return "NodeRecord";
	case ATTR_PORTINFO_RECORD: return "PortInfoRecord";
	case ATTR_PATH_RECORD: return "PathRecord";
	case ATTR_MCMEMBER_RECORD: return "MCMemberRecord";
	case ATTR_PKEY_TABLE_RECORD: return "P_KeyTableRecord";
	}
	return NULL;
}

static void sa_class_port_info(const uint8_t *req, struct sa_resp *r)
{
	uint8_t cpi[72];

	if (sa_req_method(req) != IB_MAD_METHOD_GET) {
		sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
		return;
	}
	memset(cpi, 0, sizeof(cpi));
	mad_set_field(cpi, 0, IB_CPI_BASEVER_F, 1);
	mad_set_field(cpi, 0, IB_CPI_CLASSVER_F, SA_CLASS_VERSION);
	/* IPoIB reads CapabilityMask2 for send-only full member joins. */
	mad_set_field(cpi, 0, IB_CPI_CAPMASK2_F, SA_CAP2_SENDONLY_FULL);
	mad_set_field(cpi, 0, IB_CPI_RESP_TIME_VALUE_F, SA_RESP_TIME);
	sa_reply(req, 0, cpi, sizeof(cpi), r);
}

/* The status a request gets before any attribute looks at it, 0 if none. */
static unsigned sa_req_status(const struct sa_ctx *c, const uint8_t *req, size_t len)
{
	if (len < SA_HDR_SIZE)
		return SA_ST_REQ_INVALID;  /* truncated */
	if (mad_get_field(smp_ro(req), 0, IB_MAD_BASEVER_F) != 1 ||
	    mad_get_field(smp_ro(req), 0, IB_MAD_CLASSVER_F) != SA_CLASS_VERSION)
		return MAD_ST_BAD_VERSION;
	unsigned m = sa_req_method(req);
	if (m != IB_MAD_METHOD_GET && m != IB_MAD_METHOD_SET && m != IB_MAD_METHOD_GET_TABLE &&
	    m != IB_MAD_METHOD_DELETE)
		return MAD_ST_METHOD_UNSUP;
	if (!c->fab)
		return MAD_ST_BUSY;
	return 0;
}

int sa_answer(struct sa_ctx *c, const uint8_t *req, size_t len, uint16_t slid, struct sa_resp *r)
{
	if (len < 24 || smp_hdr_is_response(req))
		return 0;
	unsigned st = sa_req_status(c, req, len);
	if (st) {
		sa_reply(req, st, NULL, 0, r);
		return 1;
	}
	switch (smp_hdr_attr(req)) {
	case ATTR_CLASS_PORT_INFO:
		sa_class_port_info(req, r);
		break;
	case ATTR_NODE_RECORD:
		sa_node_record(c, req, r);
		break;
	case ATTR_PORTINFO_RECORD:
		sa_portinfo_record(c, req, r);
		break;
	case ATTR_PATH_RECORD:
		sa_path(c, req, slid, r);
		break;
	case ATTR_MCMEMBER_RECORD:
		sa_mcmember(c, req, slid, r);
		break;
	case ATTR_PKEY_TABLE_RECORD:
		sa_pkey_record(c, req, r);
		break;
	default:
		sa_reply(req, MAD_ST_METHOD_ATTR_UNSUP, NULL, 0, r);
	}
	return 1;
}
