/* rtgraph: the routing graph. A compact graph of the switched fabric and the
 * linear forwarding tables the engines fill, plus what every engine shares:
 * the CSR copy of the links, BFS, and the least-loaded assignment of LIDs.
 * No I/O, no fabric model: unit-testable on synthetic graphs. The engines
 * (route.c, route_updn.c) call in here, never the reverse. */
#ifndef SMD_RTGRAPH_H
#define SMD_RTGRAPH_H

#include <stddef.h>
#include <stdint.h>

#define RT_NO_PORT 255          /* LFT entry: not routed (drop) */
#define RT_MAX_PORTS 254
#define RT_NO_POS UINT32_MAX    /* a switch without a place in an up/down order */

struct rt_switch {
	uint64_t guid;
	uint8_t nports;              /* external ports 1..nports */
	int32_t *peer;               /* [nports + 1]: switch index behind each port, -1 = none */
};

/* A LID to route and where it lives: a CA port attached to switch sw at
 * port (1..nports), or a switch's own LID (sw, port 0). */
struct rt_dest {
	uint16_t lid;
	int32_t sw;
	uint8_t port;
};

/* What a switch holds now (its LFT as last written, RT_NO_PORT where not
 * known): a LID keeps its output port when that port is still one of the
 * engine's candidates, so an event moves only the routes it breaks. */
struct rt_hint {
	const uint8_t *lft;          /* [n] by LID, or NULL */
	uint32_t n;
	uint32_t pos;                /* place in the last up/down order (rt_tables.pos),
				      * RT_NO_POS: none */
};

struct rt_graph {
	struct rt_switch *sw;
	unsigned nsw;
	struct rt_dest *dest;
	unsigned ndest;
	uint16_t max_lid;            /* highest LID in dest[] */
	const struct rt_hint *hint;  /* [nsw], or NULL: route from scratch (balanced) */
};

/* One table per switch: lft[s][lid] = output port, RT_NO_PORT if none. */
struct rt_tables {
	unsigned nsw;
	uint16_t max_lid;
	uint8_t **lft;
	uint32_t *pos;               /* [nsw] the up/down order used, RT_NO_POS for
				      * engines without one */
};

/* Graph building helpers (the graph owns its arrays). */
void rt_graph_init(struct rt_graph *g, unsigned nsw, unsigned ndest);
/* -1 when nports is above RT_MAX_PORTS. */
int rt_switch_init(struct rt_switch *s, uint64_t guid, uint8_t nports);
/* Cables switch a port pa to switch b port pb: both directions, always; a
 * port already linked keeps its first link (the graph stays symmetric). */
void rt_link(struct rt_graph *g, int32_t a, uint8_t pa, int32_t b, uint8_t pb);
void rt_graph_free(struct rt_graph *g);

void rt_tables_init(struct rt_tables *t, unsigned nsw, uint16_t max_lid);
void rt_tables_free(struct rt_tables *t);

/* ---- for the engines ---- */

struct rt_dref {                /* a valid destination, sorted by (sw, lid) */
	int32_t sw;
	uint16_t lid;
	uint8_t port;
};

struct rt_ctx {
	const struct rt_graph *g;
	unsigned n;
	/* [n+1] edges s -> t, in port order; rt_link() makes every link two
	 * of them, so the edges into s are these too */
	uint32_t *aoff;
	int32_t *ato;
	uint8_t *aport;
	uint32_t *pbase;        /* [n] index of (s, 0) in load[] */
	uint32_t *load;         /* CA LIDs routed through (s, p) */
	uint32_t *coff;         /* [n+1] candidate output ports for the current dest switch */
	uint8_t *cport;
	int32_t *dist;          /* [n] scratch */
	int32_t *queue;         /* [n] scratch */
	struct rt_dref *dr;     /* valid destinations */
	unsigned ndr;
};

/* Builds the CSR graph and the list of valid destinations, clears out.
 * -1 when out does not match the graph. */
int rt_ctx_init(struct rt_ctx *c, const struct rt_graph *g, struct rt_tables *out);
void rt_ctx_free(struct rt_ctx *c);

/* Multi-source BFS over the switch links (symmetric): dist[s] = hops from s
 * to the nearest source; returns the number of switches reached, which are
 * c->queue[0..n) in BFS order. With pos, only links that go down in that
 * numbering count (pos[s] < pos[x] for a step s -> x): from one
 * destination, the all-down distance of up/down. */
unsigned rt_bfs(struct rt_ctx *c, const int32_t *src, unsigned nsrc, int32_t *dist,
		const uint32_t *pos);

/* Calls fn for every destination switch; fn fills coff/cport, then every LID
 * of that switch is given, at every switch, the port it has now (g->hint)
 * when that is a candidate, else the least-loaded candidate. */
typedef void (*rt_cand_fn)(struct rt_ctx *c, int32_t d, void *arg);
void rt_route_all(struct rt_ctx *c, struct rt_tables *out, rt_cand_fn fn, void *arg);

#endif
