/* lftcheck: a test-side checker of unicast routing (not part of smd).
 * Discovers the fabric by directed route from the local port (NodeInfo,
 * NodeDescription, PortInfo, SwitchInfo), reads every switch's LID, its
 * LinearFDBTop and every LinearForwardingTable block 0..top/64 by SMP, and
 * every CA port's LID. Then, for every CA port as a source and every LID of
 * the fabric (CA ports and switches) as a destination, it walks the LFTs hop
 * by hop from the source's switch and checks the walk ends exactly at the
 * destination (the CA port behind the last switch port, or LFT entry 0 at
 * the destination switch) over Active links only. Finally it builds the
 * channel dependency graph of the routes from the CA ports (an edge from
 * channel u->s to channel s->t when traffic to some LID entering the fabric
 * at a CA port is forwarded u->s->t) and checks it has no cycle (no credit
 * loop, so no routing deadlock on one VL). LFT entries that no such traffic
 * uses add no dependency.
 *   lftcheck [-lLDv] [-t TIMEOUT_MS]
 *   -l  print "load <switch guid> <port> <n>": destination LIDs routed out of
 *       every linked switch port (for balance checks)
 *   -L  print "lid <node guid> <port> <lid>" for every LID owner (a switch:
 *       port 0), sorted, to compare LIDs across runs
 *   -D  print "lft <switch guid> <lid> <port>" for every LID of the fabric at
 *       every switch (port 255: not routed), sorted, to compare routes
 *   -A  the same for every entry a switch holds, LID 1 to its LinearFDBTop,
 *       whoever owns the LID (a LID that left the fabric keeps what its
 *       entries were set to), switches by GUID: what was written where
 *   -S  the CDG counts traffic from every switch too (an LFT entry that
 *       only a switch's own packets follow), as smd's own check does
 *   -X GUID/PORT
 *       print "uses <switch guid> <lid>" for every switch and LID whose
 *       route, walked from that switch, crosses the cable at node GUID's
 *       port PORT (either way): the entries a loss of that cable may move
 *   -v  the first 10 routing failures in words, and one cycle of the CDG
 *   -t  timeout of one SMP in ms (default 1000)
 *   -m MLID=GUID[/PORT],...
 *       instead of unicast routing, check multicast forwarding for MLID:
 *       read every switch's MulticastForwardingTable entry for it and flood
 *       a packet from every listed member CA port (node GUID, port 1 by
 *       default): each other member must get it exactly once, no other CA
 *       port at all, and no switch twice. Summary line:
 *       mftcheck: mlid 0xc000 members 3 sends 3 delivered 6 expected 6
 *         duplicates 0 strays 0
 * The last line is the summary:
 *   lftcheck: switches 6 cas 16 lids 22 badlids 0 links 24 active 24
 *     pairs 352 routed 352 unreachable 0 loops 0 maxhops 3 cdg acyclic
 * (one line; "maxhops" counts the switches a route crosses). LID 0 and
 * duplicate LIDs are reported ("badlids") and fail the check.
 * Exit 0 when every pair is routed, no LID is bad and the CDG is acyclic;
 * 1 otherwise; 2 on usage or I/O errors (an SMP without an answer).
 * Run it like the diags: LD_PRELOAD=libumad2sim.so SIM_HOST=<node>. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

#define MAX_HOPS 63             /* DR path length limit (64 entries, p[0] = 0) */
#define LID_UNICAST_END 0xC000  /* multicast LIDs start here */
#define LFT_BLOCK 64
#define PORT_ACTIVE 4
#define PHYS_LINKUP 5
#define NO_ROUTE 0xFF
#define MAX_REPORTS 10

struct port {
	int peer;               /* node index behind the port, -1 = none */
	int peer_port;
	int read;               /* PortInfo read */
	int state;              /* PortState: 1 Down .. 4 Active */
	int phys;               /* PortPhysicalState: 5 LinkUp */
	unsigned lid;           /* CA ports and switch port 0 */
	unsigned lmc;
};

struct node {
	uint64_t guid;
	int type;               /* IB_NODE_CA, IB_NODE_SWITCH, IB_NODE_ROUTER */
	int nports;
	char desc[IB_SMP_DATA_SIZE + 1];
	uint8_t path[MAX_HOPS]; /* directed route from the local port */
	int hops;
	struct port *port;      /* [nports + 1] */
	/* switches */
	int sw;                 /* index among switches, -1 for CAs */
	unsigned top, cap;      /* LinearFDBTop, LinearFDBCap */
	uint8_t *lft;           /* blocks 0..top/64: [(top / 64 + 1) * 64] */
	uint8_t mft[32];        /* -m: port mask of the MLID, bit p = port p */
};

static struct ibmad_port *mp;
static void usage(void);
static int timeout_ms = 1000;
static int verbose;

static struct node *nodes;
static int nnodes, nodes_cap;
static int nswitches;

/* GUID -> node index: open addressing, grown at half load. */
static int *gtab;
static unsigned gtab_size;

static void die_io(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lftcheck: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		die_io("out of memory");
	return p;
}

static unsigned ghash(uint64_t g, unsigned size)
{
	g ^= g >> 33;
	g *= 0xff51afd7ed558ccdULL;
	g ^= g >> 33;
	return (unsigned)g & (size - 1);
}

static int guid_find(uint64_t g)
{
	if (!gtab_size)
		return -1;
	for (unsigned h = ghash(g, gtab_size);; h = (h + 1) & (gtab_size - 1)) {
		if (gtab[h] < 0)
			return -1;
		if (nodes[gtab[h]].guid == g)
			return gtab[h];
	}
}

static void guid_put_raw(int idx)
{
	unsigned h = ghash(nodes[idx].guid, gtab_size);

	while (gtab[h] >= 0)
		h = (h + 1) & (gtab_size - 1);
	gtab[h] = idx;
}

static void guid_add(int idx)
{
	if ((unsigned)(nnodes * 2) >= gtab_size) {
		free(gtab);
		gtab_size = gtab_size ? gtab_size * 2 : 1024;
		gtab = xcalloc(gtab_size, sizeof(*gtab));
		memset(gtab, 0xff, gtab_size * sizeof(*gtab));
		for (int i = 0; i < nnodes; i++)
			if (i != idx)
				guid_put_raw(i);
	}
	guid_put_raw(idx);
}

static const char *name(const struct node *n)
{
	static char buf[4][96];
	static int k;
	char *b = buf[k++ & 3];

	if (n->desc[0])
		snprintf(b, sizeof(buf[0]), "%s", n->desc);
	else
		snprintf(b, sizeof(buf[0]), "0x%016llx", (unsigned long long)n->guid);
	return b;
}

/* query: SubnGet(attr, mod) by directed route along path[0..hops-1]; one
 * resend on no answer (libibmad resends too). Returns 0, -1 on failure. */
static int query(const uint8_t *path, int hops, unsigned attr, unsigned mod, uint8_t *buf)
{
	ib_portid_t id;

	memset(&id, 0, sizeof(id));
	id.drpath.cnt = hops;
	if (hops > 0)
		memcpy(&id.drpath.p[1], path, (size_t)hops);
	for (int tries = 0; tries < 2; tries++) {
		memset(buf, 0, IB_SMP_DATA_SIZE);
		if (smp_query_via(buf, &id, attr, mod, (unsigned)timeout_ms, mp))
			return 0;
	}
	return -1;
}

static const char *path_str(const uint8_t *path, int hops, int extra)
{
	static char buf[MAX_HOPS * 4 + 8];
	int n = snprintf(buf, sizeof(buf), "0");

	for (int i = 0; i < hops; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",%d", path[i]);
	if (extra >= 0)
		snprintf(buf + n, sizeof(buf) - (size_t)n, ",%d", extra);
	return buf;
}

/* read_port: PortInfo of port p of the node at the end of path. */
static void read_port(const uint8_t *path, int hops, struct port *pt, int p)
{
	uint8_t d[IB_SMP_DATA_SIZE];

	if (query(path, hops, IB_ATTR_PORT_INFO, (unsigned)p, d) < 0)
		die_io("no answer to PortInfo %d at DR %s", p, path_str(path, hops, -1));
	pt->read = 1;
	pt->state = (int)mad_get_field(d, 0, IB_PORT_STATE_F);
	pt->phys = (int)mad_get_field(d, 0, IB_PORT_PHYS_STATE_F);
	pt->lid = mad_get_field(d, 0, IB_PORT_LID_F);
	pt->lmc = mad_get_field(d, 0, IB_PORT_LMC_F);
}

/* add_node: NodeInfo (already in d) of the node at the end of path (a
 * copy, never a node's own path: nodes[] may move here); returns its index,
 * adding it (with its NodeDescription) when new. */
static int add_node(uint8_t *d, const uint8_t *path, int hops)
{
	uint64_t g = mad_get_field64(d, 0, IB_NODE_GUID_F);
	int i = guid_find(g);
	uint8_t desc[IB_SMP_DATA_SIZE];

	if (i >= 0)
		return i;
	if (nnodes == nodes_cap) {
		nodes_cap = nodes_cap ? nodes_cap * 2 : 256;
		nodes = realloc(nodes, (size_t)nodes_cap * sizeof(*nodes));
		if (!nodes)
			die_io("out of memory");
	}
	struct node *n = &nodes[nnodes];
	memset(n, 0, sizeof(*n));
	n->guid = g;
	n->type = (int)mad_get_field(d, 0, IB_NODE_TYPE_F);
	n->nports = (int)mad_get_field(d, 0, IB_NODE_NPORTS_F);
	n->sw = -1;
	if (hops > 0)
		memcpy(n->path, path, (size_t)hops);
	n->hops = hops;
	n->port = xcalloc((size_t)n->nports + 1, sizeof(*n->port));
	for (int p = 0; p <= n->nports; p++)
		n->port[p].peer = -1;
	if (query(n->path, n->hops, IB_ATTR_NODE_DESC, 0, desc) == 0) {
		mad_decode_field(desc, IB_NODE_DESC_F, n->desc);
		n->desc[IB_SMP_DATA_SIZE] = 0;
		for (char *c = n->desc; *c; c++)
			if (*c == '\n' || *c == '\t')
				*c = ' ';
	}
	guid_add(nnodes);
	return nnodes++;
}

static void read_switch(struct node *n)
{
	uint8_t d[IB_SMP_DATA_SIZE];

	n->sw = nswitches++;
	read_port(n->path, n->hops, &n->port[0], 0);
	if (query(n->path, n->hops, IB_ATTR_SWITCH_INFO, 0, d) < 0)
		die_io("no answer to SwitchInfo at DR %s", path_str(n->path, n->hops, -1));
	n->cap = mad_get_field(d, 0, IB_SW_LINEAR_FDB_CAP_F);
	n->top = mad_get_field(d, 0, IB_SW_LINEAR_FDB_TOP_F);
	if (n->cap > LID_UNICAST_END)
		n->cap = LID_UNICAST_END;
	if (n->cap == 0)
		n->cap = LFT_BLOCK;
	if (n->top >= n->cap) {
		printf("lftcheck: %s: LinearFDBTop %u beyond LinearFDBCap %u: reading up to the cap\n",
		       name(n), n->top, n->cap);
		n->top = n->cap - 1;
	}
	unsigned nblocks = n->top / LFT_BLOCK + 1;
	n->lft = xcalloc((size_t)nblocks * LFT_BLOCK, 1);
	for (unsigned b = 0; b < nblocks; b++) {
		if (query(n->path, n->hops, IB_ATTR_LINEARFORWTBL, b, d) < 0)
			die_io("no answer to LinearForwardingTable block %u at DR %s", b,
			       path_str(n->path, n->hops, -1));
		memcpy(n->lft + (size_t)b * LFT_BLOCK, d, LFT_BLOCK);
	}
}

/* link_ports: record a cable between a.pa and b.pb. */
static void link_ports(int a, int pa, int b, int pb)
{
	if (pb < 1 || pb > nodes[b].nports)
		die_io("%s reports local port %d out of range", name(&nodes[b]), pb);
	nodes[a].port[pa].peer = b;
	nodes[a].port[pa].peer_port = pb;
	nodes[b].port[pb].peer = a;
	nodes[b].port[pb].peer_port = pa;
}

/* explore: follow port p of node i (PortInfo read, link up). */
static void explore(int i, int p)
{
	uint8_t d[IB_SMP_DATA_SIZE], path[MAX_HOPS];
	int hops = nodes[i].hops + 1;

	if (nodes[i].port[p].peer >= 0)
		return;  /* seen from the other end */
	if (hops > MAX_HOPS)
		die_io("fabric deeper than %d hops", MAX_HOPS);
	memcpy(path, nodes[i].path, (size_t)hops - 1);
	path[hops - 1] = (uint8_t)p;
	if (query(path, hops, IB_ATTR_NODE_INFO, 0, d) < 0)
		die_io("no answer to NodeInfo at DR %s (port up)", path_str(path, hops, -1));
	int lp = (int)mad_get_field(d, 0, IB_NODE_LOCAL_PORT_F);
	int j = add_node(d, path, hops);
	link_ports(i, p, j, lp);
	/* A CA (or router) is a leaf of the walk: only the port we came in by,
	 * read through this path (it ends at that very port). */
	if (nodes[j].type != IB_NODE_SWITCH && !nodes[j].port[lp].read)
		read_port(path, hops, &nodes[j].port[lp], lp);
}

static void discover(void)
{
	uint8_t d[IB_SMP_DATA_SIZE];

	if (query(NULL, 0, IB_ATTR_NODE_INFO, 0, d) < 0)
		die_io("no answer to NodeInfo of the local node");
	add_node(d, NULL, 0);
	/* nodes[] in discovery order is the BFS queue */
	for (int i = 0; i < nnodes; i++) {
		int type = nodes[i].type;
		if (type == IB_NODE_SWITCH)
			read_switch(&nodes[i]);
		else if (i != 0)
			continue;  /* CA ports were read when reached */
		for (int p = 1; p <= nodes[i].nports; p++) {
			read_port(nodes[i].path, nodes[i].hops, &nodes[i].port[p], p);
			if (nodes[i].port[p].phys == PHYS_LINKUP)
				explore(i, p);
		}
	}
}

/* --- LIDs ------------------------------------------------------------------ */

struct dest {
	unsigned lid;
	int node, port;         /* owner: CA port, or switch port 0 */
};
static struct dest *dests;
static int ndests;
static int *lid_owner;          /* [LID_UNICAST_END]: index in dests, -1 */
static int badlids;

static void bad_lid(const char *fmt, ...)
{
	va_list ap;

	if (++badlids > MAX_REPORTS)
		return;
	printf("lftcheck: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void add_lids(int i, int p)
{
	struct port *pt = &nodes[i].port[p];
	unsigned n = nodes[i].type == IB_NODE_SWITCH ? 1 : 1u << pt->lmc;

	if (pt->lid == 0) {
		bad_lid("LID 0: %s port %d", name(&nodes[i]), p);
		return;
	}
	for (unsigned k = 0; k < n; k++) {
		unsigned lid = pt->lid + k;
		if (lid >= LID_UNICAST_END) {
			bad_lid("LID %u not unicast: %s port %d", lid, name(&nodes[i]), p);
			continue;
		}
		if (lid_owner[lid] >= 0) {
			struct dest *o = &dests[lid_owner[lid]];
			bad_lid("duplicate LID %u: %s port %d and %s port %d", lid,
				name(&nodes[o->node]), o->port, name(&nodes[i]), p);
			continue;
		}
		lid_owner[lid] = ndests;
		dests[ndests++] = (struct dest){ lid, i, p };
	}
}

/* --- walking the LFTs -------------------------------------------------------- */

enum res { WALK_OK, WALK_NOENTRY, WALK_NOLINK, WALK_INACTIVE, WALK_WRONG, WALK_LOOP };

struct walk {
	enum res res;
	int hops;               /* switches crossed */
	int at, at_port;        /* where it failed: node, port (or LID for WALK_NOENTRY) */
};

static int *stamp;              /* [nnodes]: last walk that visited the switch */
static int walk_id;

static int link_active(int i, int p)
{
	const struct port *a = &nodes[i].port[p];

	return a->state == PORT_ACTIVE && nodes[a->peer].port[a->peer_port].state == PORT_ACTIVE;
}

/* owns: the CA port (i, p) holds LID lid. */
static int owns(int i, int p, unsigned lid)
{
	return lid_owner[lid] >= 0 && dests[lid_owner[lid]].node == i &&
	       dests[lid_owner[lid]].port == p;
}

static struct walk walk(int src, int sp, unsigned lid)
{
	struct walk w = { WALK_OK, 0, src, sp };
	const struct port *pt = &nodes[src].port[sp];

	walk_id++;
	if (pt->peer < 0)
		return (struct walk){ WALK_NOLINK, 0, src, sp };
	if (!link_active(src, sp))
		return (struct walk){ WALK_INACTIVE, 0, src, sp };
	int cur = pt->peer, in = pt->peer_port;
	for (;;) {
		struct node *n = &nodes[cur];
		if (n->type != IB_NODE_SWITCH) {
			if (owns(cur, in, lid))
				return w;
			return (struct walk){ WALK_WRONG, w.hops, cur, in };
		}
		if (stamp[cur] == walk_id)
			return (struct walk){ WALK_LOOP, w.hops, cur, 0 };
		stamp[cur] = walk_id;
		w.hops++;
		unsigned e = lid <= n->top ? n->lft[lid] : NO_ROUTE;
		if (e == 0) {
			if (owns(cur, 0, lid))
				return w;
			return (struct walk){ WALK_WRONG, w.hops, cur, 0 };
		}
		if (e == NO_ROUTE)
			return (struct walk){ WALK_NOENTRY, w.hops, cur, (int)lid };
		if ((int)e > n->nports || n->port[e].peer < 0)
			return (struct walk){ WALK_NOLINK, w.hops, cur, (int)e };
		if (!link_active(cur, (int)e))
			return (struct walk){ WALK_INACTIVE, w.hops, cur, (int)e };
		in = n->port[e].peer_port;
		cur = n->port[e].peer;
	}
}

static void explain(int src, int sp, const struct dest *d, struct walk w)
{
	char where[160];
	const struct node *a = &nodes[w.at];

	switch (w.res) {
	case WALK_NOENTRY:
		snprintf(where, sizeof(where), "no LFT entry at %s (LinearFDBTop %u)", name(a), a->top);
		break;
	case WALK_NOLINK:
		snprintf(where, sizeof(where), "%s port %d has no link", name(a), w.at_port);
		break;
	case WALK_INACTIVE:
		snprintf(where, sizeof(where), "link at %s port %d not Active", name(a), w.at_port);
		break;
	case WALK_WRONG:
		snprintf(where, sizeof(where), "delivered to %s port %d instead", name(a), w.at_port);
		break;
	case WALK_LOOP:
		snprintf(where, sizeof(where), "loop: back at %s after %d switches", name(a), w.hops);
		break;
	default:
		return;
	}
	printf("fail: %s port %d (LID %u) -> LID %u (%s port %d): %s\n", name(&nodes[src]), sp,
	       nodes[src].port[sp].lid, d->lid, name(&nodes[d->node]), d->port, where);
}

/* --- channel dependency graph ---------------------------------------------- */

/* Channels are switch-to-switch port directions: chan_base[switch node] + port. */
static int *chan_base;          /* [nnodes] */
static int nchans;

static int chan_of(int i, int p)
{
	return chan_base[i] + p;
}

/* cdg_acyclic: 1 when acyclic, 0 when a cycle exists (printed with -v). */
static int cdg_acyclic(const uint8_t *has_ca)
{
	chan_base = xcalloc((size_t)nnodes, sizeof(int));
	int *chan_node = NULL, *chan_port = NULL;
	for (int i = 0; i < nnodes; i++) {
		chan_base[i] = nchans;
		if (nodes[i].type == IB_NODE_SWITCH)
			nchans += nodes[i].nports + 1;
	}
	chan_node = xcalloc((size_t)nchans, sizeof(int));
	chan_port = xcalloc((size_t)nchans, sizeof(int));
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].type == IB_NODE_SWITCH)
			for (int p = 0; p <= nodes[i].nports; p++) {
				chan_node[chan_base[i] + p] = i;
				chan_port[chan_base[i] + p] = p;
			}

	/* Edges (u->s) -> (s->t) for each destination d, over the switches that
	 * really carry traffic to d from the CA ports: those with a CA port
	 * attached, and every switch the LFTs lead to from them. An LFT entry
	 * no such traffic reaches (e.g. a spine's entry for a leaf it lost its
	 * cable to) adds no dependency. */
	size_t nedges = 0, cap = 0;
	int *from = NULL, *to = NULL;
	int *seen = xcalloc((size_t)nnodes, sizeof(int));
	int *todo = xcalloc((size_t)nnodes, sizeof(int));
	for (int k = 0; k < ndests; k++) {
		unsigned lid = dests[k].lid;
		int ntodo = 0;
		for (int u = 0; u < nnodes; u++)
			if (has_ca[u]) {
				seen[u] = k + 1;
				todo[ntodo++] = u;
			}
		while (ntodo > 0) {
			int u = todo[--ntodo];
			const struct node *nu = &nodes[u];
			if (lid > nu->top)
				continue;
			int p = nu->lft[lid];
			if (p < 1 || p > nu->nports || nu->port[p].peer < 0)
				continue;
			int s = nu->port[p].peer;
			const struct node *ns = &nodes[s];
			if (ns->type != IB_NODE_SWITCH)
				continue;
			if (seen[s] != k + 1) {
				seen[s] = k + 1;
				todo[ntodo++] = s;
			}
			if (lid > ns->top)
				continue;
			int q = ns->lft[lid];
			if (q < 1 || q > ns->nports || ns->port[q].peer < 0 ||
			    nodes[ns->port[q].peer].type != IB_NODE_SWITCH)
				continue;
			if (nedges == cap) {
				cap = cap ? cap * 2 : 4096;
				from = realloc(from, cap * sizeof(int));
				to = realloc(to, cap * sizeof(int));
				if (!from || !to)
					die_io("out of memory");
			}
			from[nedges] = chan_of(u, p);
			to[nedges] = chan_of(s, q);
			nedges++;
		}
	}
	free(seen);
	free(todo);
	int *off = xcalloc((size_t)nchans + 1, sizeof(int));
	int *adj = xcalloc(nedges, sizeof(int));
	for (size_t e = 0; e < nedges; e++)
		off[from[e] + 1]++;
	for (int c = 0; c < nchans; c++)
		off[c + 1] += off[c];
	int *fill = xcalloc((size_t)nchans, sizeof(int));
	for (size_t e = 0; e < nedges; e++)
		adj[off[from[e]] + fill[from[e]]++] = to[e];
	free(fill);
	free(from);
	free(to);

	/* Iterative DFS: 0 white, 1 on the stack, 2 done. */
	uint8_t *color = xcalloc((size_t)nchans, 1);
	int *stack = xcalloc((size_t)nchans, sizeof(int));
	int *next = xcalloc((size_t)nchans, sizeof(int));
	int acyclic = 1;
	for (int r = 0; r < nchans && acyclic; r++) {
		if (color[r])
			continue;
		int sp = 0;
		stack[sp++] = r;
		color[r] = 1;
		next[r] = off[r];
		while (sp > 0 && acyclic) {
			int c = stack[sp - 1];
			if (next[c] == off[c + 1]) {
				color[c] = 2;
				sp--;
				continue;
			}
			int t = adj[next[c]++];
			if (color[t] == 0) {
				color[t] = 1;
				next[t] = off[t];
				stack[sp++] = t;
			} else if (color[t] == 1) {
				acyclic = 0;
				if (verbose) {
					int b = sp - 1;
					while (stack[b] != t)
						b--;
					printf("cdg cycle:");
					for (int x = b; x < sp && x < b + 20; x++)
						printf(" %s[%d] ->", name(&nodes[chan_node[stack[x]]]),
						       chan_port[stack[x]]);
					printf(" %s[%d]\n", name(&nodes[chan_node[t]]), chan_port[t]);
				}
			}
		}
	}
	free(color);
	free(stack);
	free(next);
	free(off);
	free(adj);
	free(chan_node);
	free(chan_port);
	free(chan_base);
	return acyclic;
}

/* --- output helpers ---------------------------------------------------------- */

struct line {
	uint64_t guid;
	int port;
	unsigned val;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->guid != y->guid)
		return x->guid < y->guid ? -1 : 1;
	return x->port - y->port;
}

static void print_loads(void)
{
	size_t n = 0;
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].type == IB_NODE_SWITCH)
			n += (size_t)nodes[i].nports;
	struct line *l = xcalloc(n, sizeof(*l));
	size_t k = 0;
	for (int i = 0; i < nnodes; i++) {
		const struct node *s = &nodes[i];
		if (s->type != IB_NODE_SWITCH)
			continue;
		unsigned *load = xcalloc((size_t)s->nports + 1, sizeof(unsigned));
		for (int d = 0; d < ndests; d++) {
			unsigned lid = dests[d].lid;
			if (lid <= s->top && s->lft[lid] <= s->nports)
				load[s->lft[lid]]++;
		}
		for (int p = 1; p <= s->nports; p++)
			if (s->port[p].peer >= 0)
				l[k++] = (struct line){ s->guid, p, load[p] };
		free(load);
	}
	qsort(l, k, sizeof(*l), line_cmp);
	for (size_t j = 0; j < k; j++)
		printf("load 0x%016llx %d %u\n", (unsigned long long)l[j].guid, l[j].port, l[j].val);
	free(l);
}

static void print_lfts(void)
{
	for (int i = 0; i < nnodes; i++) {
		const struct node *s = &nodes[i];
		if (s->type != IB_NODE_SWITCH)
			continue;
		for (int d = 0; d < ndests; d++) {
			unsigned lid = dests[d].lid;
			printf("lft 0x%016llx %u %u\n", (unsigned long long)s->guid, lid,
			       lid <= s->top ? (unsigned)s->lft[lid] : 255u);
		}
	}
}

/* -X: the (switch, LID) routes that cross the cable at (ci, cp). */
static void print_uses(int ci, int cp)
{
	int cj = nodes[ci].port[cp].peer, cq = nodes[ci].port[cp].peer_port;

	for (int i = 0; i < nnodes; i++) {
		if (nodes[i].type != IB_NODE_SWITCH)
			continue;
		for (int d = 0; d < ndests; d++) {
			unsigned lid = dests[d].lid;
			int cur = i;

			walk_id++;
			while (nodes[cur].type == IB_NODE_SWITCH && stamp[cur] != walk_id) {
				const struct node *n = &nodes[cur];
				unsigned e = lid <= n->top ? n->lft[lid] : NO_ROUTE;

				stamp[cur] = walk_id;
				if (e == 0 || (int)e > n->nports || n->port[e].peer < 0)
					break;
				if ((cur == ci && (int)e == cp) || (cur == cj && (int)e == cq)) {
					printf("uses 0x%016llx %u\n", (unsigned long long)nodes[i].guid,
					       lid);
					break;
				}
				cur = n->port[e].peer;
			}
		}
	}
}

static int node_guid_cmp(const void *a, const void *b)
{
	uint64_t x = nodes[*(const int *)a].guid, y = nodes[*(const int *)b].guid;

	return x < y ? -1 : x > y;
}

static void print_all_lfts(void)
{
	int *sw = xcalloc((size_t)nnodes, sizeof(int)), k = 0;

	for (int i = 0; i < nnodes; i++)
		if (nodes[i].type == IB_NODE_SWITCH)
			sw[k++] = i;
	qsort(sw, (size_t)k, sizeof(int), node_guid_cmp);
	for (int j = 0; j < k; j++) {
		const struct node *s = &nodes[sw[j]];
		for (unsigned lid = 1; lid <= s->top; lid++)
			printf("lft 0x%016llx %u %u\n", (unsigned long long)s->guid, lid,
			       (unsigned)s->lft[lid]);
	}
	free(sw);
}

static void print_lids(void)
{
	struct line *l = xcalloc((size_t)ndests, sizeof(*l));
	int k = 0;
	for (int d = 0; d < ndests; d++) {
		const struct node *n = &nodes[dests[d].node];
		const struct port *pt = &n->port[dests[d].port];
		if (dests[d].lid == pt->lid)  /* base LIDs only */
			l[k++] = (struct line){ n->guid, dests[d].port, pt->lid };
	}
	qsort(l, (size_t)k, sizeof(*l), line_cmp);
	for (int j = 0; j < k; j++)
		printf("lid 0x%016llx %d %u\n", (unsigned long long)l[j].guid, l[j].port, l[j].val);
	free(l);
}

/* ---- multicast (-m) ----------------------------------------------------- */

static int mft_bit(const struct node *n, int p)
{
	return n->mft[p / 8] >> (p % 8) & 1;
}

static void read_mft(struct node *n, unsigned mlid)
{
	uint8_t d[IB_SMP_DATA_SIZE];
	unsigned idx = mlid - LID_UNICAST_END, block = idx / 32, entry = idx % 32;

	memset(n->mft, 0, sizeof(n->mft));
	for (int pos = 0; pos <= n->nports / 16; pos++) {
		if (query(n->path, n->hops, IB_ATTR_MULTICASTFORWTBL, (unsigned)pos << 28 | block, d) < 0)
			die_io("no answer to MulticastForwardingTable block %u position %d at DR %s", block,
			       pos, path_str(n->path, n->hops, -1));
		unsigned mask = (unsigned)d[2 * entry] << 8 | d[2 * entry + 1];
		for (int b = 0; b < 16; b++)
			if (mask >> b & 1 && pos * 16 + b < 256)
				n->mft[(pos * 16 + b) / 8] |= (uint8_t)(1u << ((pos * 16 + b) % 8));
	}
}

/* -m MLID=GUID[/PORT],... */
static int mft_check(const char *spec)
{
	char buf[4096], *save, *tok;
	unsigned mlid;
	int member[256][2], nm = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	char *eq = strchr(buf, '=');
	if (!eq)
		usage();
	*eq = 0;
	mlid = (unsigned)strtoul(buf, NULL, 0);
	if (mlid < LID_UNICAST_END || mlid > 0xFFFE)
		usage();
	for (tok = strtok_r(eq + 1, ",", &save); tok && nm < 256; tok = strtok_r(NULL, ",", &save)) {
		char *sl = strchr(tok, '/');
		int i = guid_find(strtoull(tok, NULL, 0));
		if (i < 0 || nodes[i].type == IB_NODE_SWITCH) {
			printf("mftcheck: %s is no CA of this fabric\n", tok);
			return 1;
		}
		member[nm][0] = i;
		member[nm][1] = sl ? atoi(sl + 1) : 1;
		nm++;
	}
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].type == IB_NODE_SWITCH)
			read_mft(&nodes[i], mlid);

	long delivered = 0, expected = 0, dups = 0, strays = 0;
	int *got = xcalloc((size_t)nnodes * 256, sizeof(int));
	int *seen = xcalloc((size_t)nnodes, sizeof(int));
	int *queue = xcalloc((size_t)nnodes * 2 + 2, sizeof(int));
	for (int s = 0; s < nm; s++) {
		int src = member[s][0], sp = member[s][1];
		memset(got, 0, (size_t)nnodes * 256 * sizeof(int));
		memset(seen, 0, (size_t)nnodes * sizeof(int));
		int qh = 0, qt = 0;
		int j = nodes[src].port[sp].peer, q = nodes[src].port[sp].peer_port;
		if (j >= 0 && nodes[j].type != IB_NODE_SWITCH)
			got[j * 256 + q]++;  /* CA to CA: the cable delivers */
		else if (j >= 0) {
			queue[qt++] = j;
			queue[qt++] = q;
		}
		while (qh < qt) {
			int sw = queue[qh++], in = queue[qh++];
			if (seen[sw]++) {
				dups++;  /* a switch reached twice: a loop or two paths */
				continue;
			}
			for (int p = 1; p <= nodes[sw].nports; p++) {
				if (p == in || !mft_bit(&nodes[sw], p) || nodes[sw].port[p].peer < 0)
					continue;
				int k = nodes[sw].port[p].peer, kp = nodes[sw].port[p].peer_port;
				if (nodes[k].type == IB_NODE_SWITCH) {
					if (qt + 2 <= nnodes * 2 + 2) {
						queue[qt++] = k;
						queue[qt++] = kp;
					} else {
						dups++;
					}
				} else {
					got[k * 256 + kp]++;
				}
			}
		}
		for (int i = 0; i < nnodes; i++) {
			if (nodes[i].type == IB_NODE_SWITCH)
				continue;
			for (int p = 1; p <= nodes[i].nports && p < 256; p++) {
				int g = got[i * 256 + p], is_member = 0;
				for (int m = 0; m < nm; m++)
					is_member |= member[m][0] == i && member[m][1] == p;
				delivered += g;
				if (i == src && p == sp)
					dups += g;
				else if (is_member) {
					expected++;
					if (g > 1)
						dups += g - 1;
					if (g == 1)
						continue;
					if (verbose && !g)
						printf("mftcheck: %s port %d never gets what %s sends\n", name(&nodes[i]),
						       p, name(&nodes[src]));
				} else if (g) {
					strays += g;
					if (verbose)
						printf("mftcheck: %s port %d, no member, gets what %s sends\n",
						       name(&nodes[i]), p, name(&nodes[src]));
				}
			}
		}
	}
	printf("mftcheck: mlid 0x%04x members %d sends %d delivered %ld expected %ld duplicates %ld "
	       "strays %ld\n", mlid, nm, nm, delivered, expected, dups, strays);
	free(got);
	free(seen);
	free(queue);
	return delivered == expected && !dups && !strays ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: lftcheck [-lLDASv] [-t TIMEOUT_MS] [-X GUID/PORT] "
		"[-m MLID=GUID[/PORT],...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	int loads = 0, lids = 0, dump = 0, dump_all = 0, all_sw = 0, c;
	const char *mcast = NULL, *cable = NULL;

	while ((c = getopt(argc, argv, "lLDASvt:m:X:h")) != -1) {
		switch (c) {
		case 'm': mcast = optarg; break;
		case 'S': all_sw = 1; break;
		case 'X': cable = optarg; break;
		case 'l': loads = 1; break;
		case 'L': lids = 1; break;
		case 'D': dump = 1; break;
		case 'A': dump_all = 1; break;
		case 'v': verbose = 1; break;
		case 't':
			timeout_ms = atoi(optarg);
			if (timeout_ms <= 0)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp)
		die_io("cannot open the umad port");

	discover();
	if (mcast) {
		int rc = mft_check(mcast);
		mad_rpc_close_port(mp);
		return rc;
	}
	mad_rpc_close_port(mp);

	/* LIDs: every switch (port 0) and every CA port with a link. */
	int ncas = 0, nlinks = 0, nactive = 0;
	size_t dcap = 0;
	for (int i = 0; i < nnodes; i++)
		for (int p = 0; p <= nodes[i].nports; p++)
			dcap += 1u << nodes[i].port[p].lmc;
	dests = xcalloc(dcap, sizeof(*dests));
	lid_owner = xcalloc(LID_UNICAST_END, sizeof(int));
	memset(lid_owner, 0xff, LID_UNICAST_END * sizeof(int));
	for (int i = 0; i < nnodes; i++) {
		struct node *n = &nodes[i];
		for (int p = 1; p <= n->nports; p++) {
			if (n->port[p].peer < 0)
				continue;
			/* each cable once: from its end with the lower (node, port) */
			int j = n->port[p].peer, q = n->port[p].peer_port;
			if (i < j || (i == j && p < q)) {
				nlinks++;
				nactive += link_active(i, p);
			}
		}
		if (n->type == IB_NODE_SWITCH) {
			add_lids(i, 0);
			continue;
		}
		for (int p = 1; p <= n->nports; p++) {
			if (n->port[p].peer < 0 || !n->port[p].read)
				continue;
			ncas++;
			add_lids(i, p);
		}
	}

	/* Every source CA port to every LID. */
	long pairs = 0, routed = 0, unreachable = 0, loops = 0;
	int maxhops = 0, reported = 0;
	stamp = xcalloc((size_t)nnodes, sizeof(int));
	for (int i = 0; i < nnodes; i++) {
		if (nodes[i].type == IB_NODE_SWITCH)
			continue;
		for (int p = 1; p <= nodes[i].nports; p++) {
			if (nodes[i].port[p].peer < 0 || !nodes[i].port[p].read)
				continue;
			for (int d = 0; d < ndests; d++) {
				struct walk w = walk(i, p, dests[d].lid);
				pairs++;
				if (w.res == WALK_OK) {
					routed++;
					if (w.hops > maxhops)
						maxhops = w.hops;
					continue;
				}
				if (w.res == WALK_LOOP)
					loops++;
				else
					unreachable++;
				if (verbose && reported++ < MAX_REPORTS)
					explain(i, p, &dests[d], w);
			}
		}
	}
	/* switches with a CA port attached: where traffic enters the fabric
	 * (with -S: every switch) */
	uint8_t *has_ca = xcalloc((size_t)nnodes, 1);
	for (int i = 0; i < nnodes; i++)
		if (all_sw && nodes[i].type == IB_NODE_SWITCH)
			has_ca[i] = 1;
		else if (nodes[i].type != IB_NODE_SWITCH)
			for (int p = 1; p <= nodes[i].nports; p++)
				if (nodes[i].port[p].peer >= 0 && nodes[i].port[p].read &&
				    nodes[nodes[i].port[p].peer].type == IB_NODE_SWITCH)
					has_ca[nodes[i].port[p].peer] = 1;
	int acyclic = cdg_acyclic(has_ca);
	free(has_ca);

	if (loads)
		print_loads();
	if (lids)
		print_lids();
	if (dump)
		print_lfts();
	if (dump_all)
		print_all_lfts();
	if (cable) {
		unsigned long long g;
		int cp, ci;

		if (sscanf(cable, "%lli/%d", &g, &cp) != 2 || (ci = guid_find(g)) < 0 ||
		    cp < 1 || cp > nodes[ci].nports || nodes[ci].port[cp].peer < 0) {
			fprintf(stderr, "lftcheck: -X %s: no such cable\n", cable);
			return 2;
		}
		print_uses(ci, cp);
	}
	printf("lftcheck: switches %d cas %d lids %d badlids %d links %d active %d pairs %ld "
	       "routed %ld unreachable %ld loops %ld maxhops %d cdg %s\n",
	       nswitches, ncas, ndests, badlids, nlinks, nactive, pairs, routed, unreachable,
	       loops, maxhops, acyclic ? "acyclic" : "cyclic");

	int ok = routed == pairs && badlids == 0 && acyclic && pairs > 0;
	for (int i = 0; i < nnodes; i++) {
		free(nodes[i].port);
		free(nodes[i].lft);
	}
	free(nodes);
	free(gtab);
	free(dests);
	free(lid_owner);
	free(stamp);
	return ok ? 0 : 1;
}
