/* mkeyshim: a test-only LD_PRELOAD shim that gives ibsim's ports an M_Key.
 * ibsim neither stores nor checks M_Key (a Get of PortInfo always reads
 * M_Key, M_KeyProtectBits and M_KeyLeasePeriod as 0, and any SMP may
 * manage any port), so the SM's side of M_Key is checked here, at the seam
 * between the SM and libumad2sim:
 *   LD_PRELOAD="libmkeyshim.so libumad2sim.so" smd ...
 * It wraps umad_send and umad_recv (dlsym(RTLD_NEXT)) and
 *   - records every SMP the process sends, requests and responses, with
 *     the M_Key it carries, and for a PortInfo Set the M_Key fields it
 *     writes, one line each in MKEYSHIM_LOG;
 *   - keeps, per node (named by the directed route it is reached by:
 *     "0,1,3"), the M_Key, protect bits and lease its port was last given
 *     by a PortInfo Set that passed the check (a switch: port 0's), and
 *     writes them into the node's PortInfo replies, as a port would;
 *   - checks each directed-route SMP against that node's key as IBA 14.2.4
 *     says a port does (a key of 0 checks nothing): a Set with another key
 *     is dropped (never reaches ibsim, so the SM times out: a real port
 *     answers nothing either); a Get with another key is answered at
 *     protect bits 0, answered with M_Key read as 0 at 1, dropped at 2 and
 *     3. Not emulated: the lease timer and trap 256 (Bad M_Key).
 * Settings:
 *   MKEYSHIM_LOG=path          the record (default: none)
 *   MKEYSHIM_PORTS=list        nodes whose port starts protected, as left
 *                              by an earlier SM: "0,1,2=KEY:PROT[:LEASE]"
 *                              items separated by ';'
 * Lines in the record:
 *   send req|resp method=0xMM attr=0xAAAA mod=0xMMMMMMMM path=P|lid=L
 *        mkey=0x... [pi_mkey=0x... prot=N lease=N]
 *   drop Set|Get ... path=P mkey=0x... (node key 0x... protect N)
 *   hide path=P (M_Key read as 0)
 * Built for the tests only, never installed. */
#include <dlfcn.h>
#include <endian.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/umad.h>

#define CLASS_SMI 0x01
#define CLASS_SMI_DR 0x81
#define M_GET 0x01
#define M_SET 0x02
#define M_GETRESP 0x81
#define ATTR_NODE_INFO 0x0011
#define ATTR_PORT_INFO 0x0015
#define NODE_SWITCH 2
#define MAX_NODES 4096
#define MAX_TIDS 4096
#define PATH_LEN 200

struct node {
	char path[PATH_LEN];
	int type;                 /* NodeInfo's NodeType once seen, 0 before */
	uint64_t key;
	unsigned prot, lease;
};

struct pend {                     /* a Get or Set whose reply is to be edited */
	uint64_t tid;
	int node;                 /* index in nodes, -1 = free */
	int hide;                 /* the Get's key did not match: level 1 reads 0 */
	unsigned attr, mod;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node nodes[MAX_NODES];
static int nnodes, inited;
static struct pend pends[MAX_TIDS];
static FILE *rec;

static void *real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		fprintf(stderr, "mkeyshim: %s not found\n", name);
		abort();
	}
	return p;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

/* PortInfo (the SMP's data at 64): M_Key bytes 0-7, M_KeyLeasePeriod
 * 26-27, M_KeyProtectBits the top two bits of byte 34. */
static void pi_get(const uint8_t *pi, uint64_t *key, unsigned *prot, unsigned *lease)
{
	*key = be64(pi);
	*lease = be16(pi + 26);
	*prot = pi[34] >> 6;
}

static void pi_put(uint8_t *pi, uint64_t key, unsigned prot, unsigned lease)
{
	put64(pi, key);
	pi[26] = (uint8_t)(lease >> 8);
	pi[27] = (uint8_t)lease;
	pi[34] = (uint8_t)((pi[34] & 0x3f) | (prot & 3) << 6);
}

static int node_find(const char *path, int add)
{
	for (int i = 0; i < nnodes; i++)
		if (!strcmp(nodes[i].path, path))
			return i;
	if (!add || nnodes == MAX_NODES)
		return -1;
	memset(&nodes[nnodes], 0, sizeof(nodes[0]));
	snprintf(nodes[nnodes].path, PATH_LEN, "%s", path);
	return nnodes++;
}

static void init_locked(void)
{
	if (inited)
		return;
	inited = 1;
	for (int i = 0; i < MAX_TIDS; i++)
		pends[i].node = -1;
	const char *l = getenv("MKEYSHIM_LOG");
	if (l && *l && (rec = fopen(l, "a")))
		setvbuf(rec, NULL, _IOLBF, 0);
	const char *s = getenv("MKEYSHIM_PORTS");
	if (!s)
		return;
	char buf[4096], *save, *it;
	snprintf(buf, sizeof(buf), "%s", s);
	for (it = strtok_r(buf, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(it, '=');
		if (!eq)
			continue;
		*eq = 0;
		int n = node_find(it, 1);
		if (n < 0)
			continue;
		char *end;
		nodes[n].key = strtoull(eq + 1, &end, 0);
		nodes[n].prot = *end == ':' ? (unsigned)strtoul(end + 1, &end, 0) & 3 : 0;
		nodes[n].lease = *end == ':' ? (unsigned)strtoul(end + 1, &end, 0) : 0;
		fprintf(stderr, "mkeyshim: node at %s starts with M_Key 0x%016" PRIx64
			" protect bits %u\n", it, nodes[n].key, nodes[n].prot);
	}
}

/* "0,1,3" from a directed-route SMP's hop count and initial path. */
static void dr_path(const uint8_t *mad, char *buf, size_t len)
{
	unsigned hops = mad[7] & 0x3f;
	size_t off = (size_t)snprintf(buf, len, "0");
	for (unsigned i = 1; i <= hops && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ",%u", mad[128 + i]);
}

static void pend_add(uint64_t tid, int node, int hide, unsigned attr, unsigned mod)
{
	struct pend *p = &pends[tid % MAX_TIDS];
	*p = (struct pend){ .tid = tid, .node = node, .hide = hide, .attr = attr, .mod = mod };
}

/* 1 when the SMP is to be dropped (a port would answer nothing). */
static int on_send(const uint8_t *mad, unsigned dlid)
{
	unsigned mclass = mad[1], method = mad[3], attr = be16(mad + 16);
	uint32_t mod = be32(mad + 20);
	/* the low half of the TID: the high half is the agent's (the kernel's
	 * and libumad2sim's to rewrite) */
	uint64_t tid = be32(mad + 12), key = be64(mad + 24);
	char where[PATH_LEN + 8], path[PATH_LEN] = "";
	int resp = (method & 0x80) || method == 0x07;

	if (mclass == CLASS_SMI_DR) {
		dr_path(mad, path, sizeof(path));
		snprintf(where, sizeof(where), "path=%s", path);
	} else {
		snprintf(where, sizeof(where), "lid=%u", dlid);
	}
	if (rec) {
		fprintf(rec, "send %s method=0x%02x attr=0x%04x mod=0x%08x %s mkey=0x%016" PRIx64,
			resp ? "resp" : "req", method, attr, mod, where, key);
		if (!resp && method == M_SET && attr == ATTR_PORT_INFO) {
			uint64_t k;
			unsigned pr, le;
			pi_get(mad + 64, &k, &pr, &le);
			fprintf(rec, " pi_mkey=0x%016" PRIx64 " prot=%u lease=%u", k, pr, le);
		}
		fputc('\n', rec);
	}
	if (resp || mclass != CLASS_SMI_DR || (method != M_GET && method != M_SET))
		return 0;
	int n = node_find(path, 1);
	if (n < 0)
		return 0;
	struct node *nd = &nodes[n];
	int match = !nd->key || key == nd->key;
	if (!match && (method == M_SET || nd->prot >= 2)) {
		if (rec)
			fprintf(rec, "drop %s attr=0x%04x path=%s mkey=0x%016" PRIx64
				" (node key 0x%016" PRIx64 " protect %u)\n", method == M_SET ? "Set" : "Get",
				attr, path, key, nd->key, nd->prot);
		return 1;
	}
	/* A switch's external ports do not hold the switch's key. */
	int own = nd->type != NODE_SWITCH || (mod & 0xff) == 0;
	if (method == M_SET && attr == ATTR_PORT_INFO && own)
		pi_get(mad + 64, &nd->key, &nd->prot, &nd->lease);
	if (attr == ATTR_NODE_INFO || (attr == ATTR_PORT_INFO && own))
		pend_add(tid, n, !match && nd->prot == 1, attr, mod);
	return 0;
}

static void on_recv(uint8_t *mad)
{
	if (mad[1] != CLASS_SMI_DR || mad[3] != M_GETRESP)
		return;
	uint64_t tid = be32(mad + 12);
	struct pend *p = &pends[tid % MAX_TIDS];
	if (p->node < 0 || p->tid != tid)
		return;
	struct node *nd = &nodes[p->node];
	if (p->attr == ATTR_NODE_INFO) {
		nd->type = mad[64 + 2];
	} else if (p->attr == ATTR_PORT_INFO && !(be16(mad + 4) & 0x7fff)) {
		pi_put(mad + 64, p->hide ? 0 : nd->key, nd->prot, nd->lease);
		if (p->hide && rec)
			fprintf(rec, "hide path=%s (M_Key read as 0)\n", nd->path);
	}
	p->node = -1;
}

int umad_send(int fd, int agentid, void *umad, int length, int timeout_ms, int retries)
{
	static int (*next)(int, int, void *, int, int, int);
	int drop = 0;

	pthread_mutex_lock(&lock);
	if (!next)
		next = (int (*)(int, int, void *, int, int, int))real("umad_send");
	init_locked();
	const uint8_t *mad = umad_get_mad(umad);
	if (length >= 64 && (mad[1] == CLASS_SMI || mad[1] == CLASS_SMI_DR))
		drop = on_send(mad, be16((const uint8_t *)&umad_get_mad_addr(umad)->lid));
	pthread_mutex_unlock(&lock);
	if (drop)
		return 0;  /* "sent": the port stays silent */
	return next(fd, agentid, umad, length, timeout_ms, retries);
}

int umad_recv(int fd, void *umad, int *length, int timeout_ms)
{
	static int (*next)(int, void *, int *, int);

	if (!next)
		next = (int (*)(int, void *, int *, int))real("umad_recv");
	int rc = next(fd, umad, length, timeout_ms);
	if (rc >= 0 && length && *length >= 128) {
		pthread_mutex_lock(&lock);
		init_locked();
		on_recv(umad_get_mad(umad));
		pthread_mutex_unlock(&lock);
	}
	return rc;
}
