/* saclient: a test-side SA client (not part of smd) that sends what the
 * Linux kernel's IPoIB and rdma_cm send, and prints every field of the
 * answer as key=value, one answer a line, for the tests to check:
 *   saclient bcast-join             MCMemberRecord Set: MGID|PortGID|P_Key|JoinState
 *                                   of ff12:401b:ffff::ffff:ffff, full member
 *   saclient join MGID [STATE]      full-mask join (creates the group) with the
 *                                   broadcast group's Q_Key, MTU, rate, SL ...
 *   saclient partial-join MGID      MGID|PortGID|P_Key|JoinState only
 *   saclient leave MGID [STATE]     MCMemberRecord Delete
 *   SACLIENT_PORT_GID=GID saclient ...
 *                                   join or leave for that port GID instead
 *                                   of our own (on another port's behalf)
 *   SACLIENT_PKEY=0x8001 saclient ...
 *                                   that P_Key in joins, leaves and paths
 *                                   (default 0xffff), as IPoIB on ib0.8001
 *   saclient path DGID              PathRecord Get: DGID|SGID|TClass|NumbPath|P_Key
 *   saclient raw METHOD ATTR MASK [LEN]
 *                                   any SA MAD with a zero record, LEN bytes long
 *   saclient joins COUNT [STEP]     COUNT full joins that create groups
 *                                   ff12:601b:ffff::<i>, one after the other;
 *                                   a line per STEP (default 1000) joins:
 *                                   "joins=A-B ms=T ok=N refused=R lost=L"
 *   saclient rawn COUNT METHOD ATTR MASK
 *                                   the raw request COUNT times, one after the
 *                                   other: "sent=N answered=A status_XXXX=K ..."
 * GIDs in IPv6 notation (printed in full: fe80:0000:...); STATE a JoinState (default 1, full member).
 * Exit 0 when an answer came (whatever its status), 1 when none, 2 on usage
 * errors. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

#define SA_HDR 56
#define QKEY1 0x80010000u

static struct ibmad_port *mp;
static ib_portid_t sa_id;
static uint8_t port_gid[16];
static unsigned pkey = 0xffff;

static unsigned bits(const uint8_t *p, unsigned byte, unsigned bit, unsigned width)
{
	unsigned v = 0;
	for (unsigned i = 0; i < width; i++) {
		unsigned b = byte * 8 + bit + i;
		v = v << 1 | ((p[b / 8] >> (7 - b % 8)) & 1u);
	}
	return v;
}

static void setbits(uint8_t *p, unsigned byte, unsigned bit, unsigned width, unsigned v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = byte * 8 + bit + width - 1 - i;
		uint8_t m = (uint8_t)(1u << (7 - b % 8));
		p[b / 8] = (uint8_t)((v >> i) & 1u ? p[b / 8] | m : p[b / 8] & ~m);
	}
}

/* Full form, every group 4 digits: easy to compare in a shell. */
static void gid_str(const uint8_t *g, char *buf)
{
	for (int i = 0; i < 8; i++)
		sprintf(buf + 5 * i, "%02x%02x%s", g[2 * i], g[2 * i + 1], i < 7 ? ":" : "");
}

static void print_mcm(const uint8_t *r)
{
	char mg[INET6_ADDRSTRLEN], pg[INET6_ADDRSTRLEN];
	gid_str(r, mg);
	gid_str(r + 16, pg);
	printf(" mgid=%s portgid=%s qkey=0x%08x mlid=0x%04x mtu_sel=%u mtu=%u tclass=%u pkey=0x%04x"
	       " rate_sel=%u rate=%u life_sel=%u life=%u sl=%u flow=%u hop=%u scope=%u join=%u",
	       mg, pg, bits(r, 32, 0, 32), bits(r, 36, 0, 16), bits(r, 38, 0, 2), bits(r, 38, 2, 6),
	       bits(r, 39, 0, 8), bits(r, 40, 0, 16), bits(r, 42, 0, 2), bits(r, 42, 2, 6),
	       bits(r, 43, 0, 2), bits(r, 43, 2, 6), bits(r, 44, 0, 4), bits(r, 44, 4, 20),
	       bits(r, 47, 0, 8), bits(r, 48, 0, 4), bits(r, 48, 4, 4));
}

static void print_path(const uint8_t *r)
{
	char dg[INET6_ADDRSTRLEN], sg[INET6_ADDRSTRLEN];
	gid_str(r + 8, dg);
	gid_str(r + 24, sg);
	printf(" dgid=%s sgid=%s dlid=%u slid=%u raw=%u flow=%u hop=%u tclass=%u reversible=%u"
	       " pkey=0x%04x sl=%u mtu_sel=%u mtu=%u rate_sel=%u rate=%u life_sel=%u life=%u",
	       dg, sg, bits(r, 40, 0, 16), bits(r, 42, 0, 16), bits(r, 44, 0, 1), bits(r, 44, 4, 20),
	       bits(r, 47, 0, 8), bits(r, 48, 0, 8), bits(r, 49, 0, 1), bits(r, 50, 0, 16),
	       bits(r, 52, 12, 4), bits(r, 54, 0, 2), bits(r, 54, 2, 6), bits(r, 55, 0, 2),
	       bits(r, 55, 2, 6), bits(r, 56, 0, 2), bits(r, 56, 2, 6));
}

/* Send one SA MAD of len bytes; the answer's MAD into out (256 bytes). */
static int sa_send(unsigned method, unsigned attr, uint64_t mask, const uint8_t rec[200],
		   size_t len, uint8_t *out)
{
	uint8_t buf[1024];
	void *umad = buf;
	int fd = mad_rpc_portid(mp), agent = mad_rpc_class_agent(mp, IB_SA_CLASS);
	uint8_t *mad = umad_get_mad(umad);
	static uint32_t tid = 0x5a000000;

	memset(buf, 0, sizeof(buf));
	mad_set_field(mad, 0, IB_MAD_BASEVER_F, 1);
	mad_set_field(mad, 0, IB_MAD_MGMTCLASS_F, IB_SA_CLASS);
	mad_set_field(mad, 0, IB_MAD_CLASSVER_F, 2);
	mad_set_field(mad, 0, IB_MAD_METHOD_F, method);
	mad_set_field64(mad, 0, IB_MAD_TRID_F, ++tid);
	mad_set_field(mad, 0, IB_MAD_ATTRID_F, attr);
	mad_set_field64(mad, 0, IB_SA_COMPMASK_F, mask);
	if (rec)
		memcpy(mad + SA_HDR, rec, 200);
	umad_set_addr(umad, sa_id.lid, 1, 0, QKEY1);
	if (umad_send(fd, agent, umad, (int)len, 1000, 2) < 0)
		return -1;
	for (;;) {
		int l = 256;
		if (umad_recv(fd, umad, &l, 2000) < 0)
			return -1;
		if (umad_status(umad))
			return -1;
		if ((uint32_t)mad_get_field64(mad, 0, IB_MAD_TRID_F) == tid)
			break;
	}
	memcpy(out, mad, 256);
	return 0;
}

static int parse_gid(const char *s, uint8_t g[16])
{
	return inet_pton(AF_INET6, s, g) == 1 ? 0 : -1;
}

/* IB_SA_MCM component mask bits, IBA order */
#define C(b) (1ull << (b))
enum { MGID, PORTGID, QKEY, MLID, MTU_SEL, MTU, TCLASS, PKEY, RATE_SEL, RATE, LIFE_SEL, LIFE,
       SL, FLOW, HOPLIMIT, SCOPE, JOIN };

/* The MCMemberRecord of a join or leave as IPoIB sends it. */
static uint64_t mcm_rec(uint8_t rec[200], unsigned join, int full)
{
	memcpy(rec + 16, port_gid, 16);
	setbits(rec, 40, 0, 16, pkey);
	setbits(rec, 48, 4, 4, join);
	uint64_t mask = C(MGID) | C(PORTGID) | C(PKEY) | C(JOIN);
	if (full) {
		/* As IPoIB creates a group: the broadcast group's parameters. */
		setbits(rec, 32, 0, 32, 0x0b1b);
		setbits(rec, 38, 0, 2, 2);
		setbits(rec, 38, 2, 6, 4);  /* 2048 */
		setbits(rec, 42, 0, 2, 2);
		setbits(rec, 42, 2, 6, 3);  /* 10 Gb/s */
		mask |= C(QKEY) | C(MTU_SEL) | C(MTU) | C(TCLASS) | C(RATE_SEL) | C(RATE) | C(SL) |
			C(FLOW) | C(HOPLIMIT);
	}
	return mask;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* COUNT group-creating joins, timed per STEP. */
static int joins(unsigned count, unsigned step)
{
	uint8_t rec[200], out[256];
	unsigned ok = 0, refused = 0, lost = 0, from = 0;
	double t0 = now_ms();

	for (unsigned i = 0; i < count; i++) {
		memset(rec, 0, sizeof(rec));
		parse_gid("ff12:601b:ffff::", rec);
		rec[12] = (uint8_t)(i >> 24);
		rec[13] = (uint8_t)(i >> 16);
		rec[14] = (uint8_t)(i >> 8);
		rec[15] = (uint8_t)i;
		uint64_t mask = mcm_rec(rec, 1, 1);
		if (sa_send(IB_MAD_METHOD_SET, IB_SA_ATTR_MCRECORD, mask, rec, 256, out) < 0)
			lost++;
		else if (mad_get_field(out, 0, IB_MAD_STATUS_F))
			refused++;
		else
			ok++;
		if ((i + 1) % step == 0 || i + 1 == count) {
			double t = now_ms();
			printf("joins=%u-%u ms=%.0f ok=%u refused=%u lost=%u\n", from, i, t - t0, ok,
			       refused, lost);
			fflush(stdout);
			from = i + 1;
			t0 = t;
			ok = refused = lost = 0;
		}
	}
	return 0;
}

static int mcm(unsigned method, const char *mgid, unsigned join, int full)
{
	uint8_t rec[200], out[256];

	memset(rec, 0, sizeof(rec));
	if (parse_gid(mgid, rec) < 0)
		return 2;
	uint64_t mask = mcm_rec(rec, join, full);
	if (sa_send(method, IB_SA_ATTR_MCRECORD, mask, rec, 256, out) < 0)
		return 1;
	printf("status=0x%04x", mad_get_field(out, 0, IB_MAD_STATUS_F));
	print_mcm(out + SA_HDR);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS, IB_SA_CLASS };
	uint8_t pi[IB_SMP_DATA_SIZE], ni[IB_SMP_DATA_SIZE], out[256];
	ib_portid_t self;

	if (argc < 2)
		goto usage;
	mp = mad_rpc_open_port(NULL, 0, mgmt, 3);
	if (!mp) {
		fprintf(stderr, "saclient: cannot open the umad port\n");
		return 2;
	}
	/* Our port GID and the SM's LID, as the kernel knows them. */
	memset(&self, 0, sizeof(self));
	str2drpath(&self.drpath, "0", 0, 0);
	if (!smp_query_via(ni, &self, IB_ATTR_NODE_INFO, 0, 1000, mp) ||
	    !smp_query_via(pi, &self, IB_ATTR_PORT_INFO, 0, 1000, mp)) {
		fprintf(stderr, "saclient: cannot read the local port\n");
		return 1;
	}
	mad_get_array(pi, 0, IB_PORT_GID_PREFIX_F, port_gid);
	uint64_t guid = mad_get_field64(ni, 0, IB_NODE_PORT_GUID_F);
	for (int i = 0; i < 8; i++)
		port_gid[8 + i] = (uint8_t)(guid >> (56 - 8 * i));
	memset(&sa_id, 0, sizeof(sa_id));
	sa_id.lid = (int)mad_get_field(pi, 0, IB_PORT_SMLID_F);
	const char *other = getenv("SACLIENT_PORT_GID");
	if (other && parse_gid(other, port_gid) < 0)
		goto usage;
	if (getenv("SACLIENT_PKEY"))
		pkey = (unsigned)strtoul(getenv("SACLIENT_PKEY"), NULL, 0) & 0xffff;

	const char *cmd = argv[1];
	if (!strcmp(cmd, "bcast-join"))
		return mcm(IB_MAD_METHOD_SET, "ff12:401b:ffff::ffff:ffff", 1, 0);
	if (!strcmp(cmd, "join") && argc >= 3)
		return mcm(IB_MAD_METHOD_SET, argv[2], argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 1, 1);
	if (!strcmp(cmd, "partial-join") && argc == 3)
		return mcm(IB_MAD_METHOD_SET, argv[2], 1, 0);
	if (!strcmp(cmd, "leave") && argc >= 3)
		return mcm(IB_MAD_METHOD_DELETE, argv[2], argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 1, 0);
	if (!strcmp(cmd, "path") && argc == 3) {
		uint8_t rec[200];
		memset(rec, 0, sizeof(rec));
		if (parse_gid(argv[2], rec + 8) < 0)
			goto usage;
		memcpy(rec + 24, port_gid, 16);
		setbits(rec, 49, 1, 7, 1);        /* NumbPath */
		setbits(rec, 50, 0, 16, pkey);    /* P_Key */
		/* DGID | SGID | TClass | NumbPath | P_Key, as IPoIB asks */
		uint64_t mask = C(2) | C(3) | C(10) | C(12) | C(13);
		if (sa_send(IB_MAD_METHOD_GET, IB_SA_ATTR_PATHRECORD, mask, rec, 256, out) < 0)
			return 1;
		printf("status=0x%04x", mad_get_field(out, 0, IB_MAD_STATUS_F));
		print_path(out + SA_HDR);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "joins") && (argc == 3 || argc == 4)) {
		unsigned step = argc == 4 ? (unsigned)strtoul(argv[3], NULL, 0) : 1000;
		return joins((unsigned)strtoul(argv[2], NULL, 0), step ? step : 1000);
	}
	if (!strcmp(cmd, "rawn") && argc == 6) {
		unsigned n = (unsigned)strtoul(argv[2], NULL, 0), answered = 0;
		unsigned st[16] = { 0 }, stv[16] = { 0 }, nst = 0;
		for (unsigned i = 0; i < n; i++) {
			if (sa_send((unsigned)strtoul(argv[3], NULL, 0),
				    (unsigned)strtoul(argv[4], NULL, 0), strtoull(argv[5], NULL, 0),
				    NULL, 256, out) < 0)
				continue;
			answered++;
			unsigned v = mad_get_field(out, 0, IB_MAD_STATUS_F), k = 0;
			while (k < nst && stv[k] != v)
				k++;
			if (k == nst && nst < 16)
				stv[nst++] = v;
			if (k < 16)
				st[k]++;
		}
		printf("sent=%u answered=%u", n, answered);
		for (unsigned k = 0; k < nst; k++)
			printf(" status_%04x=%u", stv[k], st[k]);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "raw") && (argc == 5 || argc == 6)) {
		size_t len = argc == 6 ? strtoul(argv[5], NULL, 0) : 256;
		if (len < 24 || len > 256)
			goto usage;
		if (sa_send((unsigned)strtoul(argv[2], NULL, 0), (unsigned)strtoul(argv[3], NULL, 0),
			    strtoull(argv[4], NULL, 0), NULL, len, out) < 0)
			return 1;
		printf("status=0x%04x method=0x%02x\n", mad_get_field(out, 0, IB_MAD_STATUS_F),
		       mad_get_field(out, 0, IB_MAD_METHOD_F) | mad_get_field(out, 0, IB_MAD_RESPONSE_F) << 7);
		return 0;
	}
usage:
	fprintf(stderr, "usage: saclient bcast-join | join MGID [STATE] | partial-join MGID |"
		" leave MGID [STATE] | path DGID | raw METHOD ATTR MASK [LEN] | joins COUNT [STEP] |"
		" rawn COUNT METHOD ATTR MASK\n");
	return 2;
}
