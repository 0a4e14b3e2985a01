#include <stdio.h>
#include <infiniband/mad.h>
#include "smp.h"
#include "smpcheck.h"

static int bad(char *why, size_t len, const char *what, unsigned v)
{
	snprintf(why, len, "%s %u", what, v);
	return -1;
}

int smpck_nodeinfo(const uint8_t d[64], char *why, size_t len)
{
	unsigned type = mad_get_field(smp_ro(d), 0, IB_NODE_TYPE_F);
	unsigned nports = mad_get_field(smp_ro(d), 0, IB_NODE_NPORTS_F);
	unsigned lport = mad_get_field(smp_ro(d), 0, IB_NODE_LOCAL_PORT_F);

	if (type < IB_NODE_CA || type > IB_NODE_ROUTER)
		return bad(why, len, "node type", type);
	/* 255 is no port number: it means "every port" in LFTs and SMPs */
	if (nports == 0 || nports == 255)
		return bad(why, len, "NumPorts", nports);
	if (!mad_get_field64(smp_ro(d), 0, IB_NODE_GUID_F))
		return bad(why, len, "node GUID", 0);
	if (lport > nports) {
		snprintf(why, len, "LocalPortNum %u of %u ports", lport, nports);
		return -1;
	}
	/* a CA or router has no port 0; a switch's port 0 answers only its own SM */
	if (type != IB_NODE_SWITCH && lport == 0)
		return bad(why, len, "LocalPortNum", 0);
	return 0;
}

int smpck_nodeinfo_remote(const uint8_t d[64], char *why, size_t len)
{
	if (smpck_nodeinfo(d, why, len) < 0)
		return -1;
	if (mad_get_field(smp_ro(d), 0, IB_NODE_LOCAL_PORT_F) == 0)
		return bad(why, len, "LocalPortNum", 0);
	if (!mad_get_field64(smp_ro(d), 0, IB_NODE_PORT_GUID_F))
		return bad(why, len, "port GUID", 0);
	return 0;
}

int smpck_portinfo(const uint8_t d[64], int sp0, char *why, size_t len)
{
	unsigned state = mad_get_field(smp_ro(d), 0, IB_PORT_STATE_F);
	unsigned phys = mad_get_field(smp_ro(d), 0, IB_PORT_PHYS_STATE_F);
	unsigned mtucap = mad_get_field(smp_ro(d), 0, IB_PORT_MTU_CAP_F);

	/* 0 is "no change", only in a Set; 5 and up are reserved */
	if (state == 0 || state > 4)
		return bad(why, len, "PortState", state);
	if (sp0)
		return 0;
	if (phys == 0 || phys > 7)
		return bad(why, len, "PortPhysicalState", phys);
	if (mtucap == 0 || mtucap > 5)
		return bad(why, len, "MTUCap", mtucap);
	return 0;
}

int smpck_switchinfo(const uint8_t d[64], char *why, size_t len)
{
	unsigned lcap = mad_get_field(smp_ro(d), 0, IB_SW_LINEAR_FDB_CAP_F);
	unsigned mcap = mad_get_field(smp_ro(d), 0, IB_SW_MCAST_FDB_CAP_F);

	if (lcap == 0 || lcap > SMPCK_MAX_LFT_CAP)
		return bad(why, len, "LinearFDBCap", lcap);
	if (mcap > SMPCK_MAX_MFT_CAP)
		return bad(why, len, "MulticastFDBCap", mcap);
	return 0;
}

void smpck_nodedesc(char out[65], const uint8_t d[64])
{
	unsigned i;

	for (i = 0; i < 64 && d[i]; i++)
		out[i] = d[i] < 0x20 || d[i] == 0x7f ? '?' : (char)d[i];
	out[i] = 0;
}
