/* route: routing engines. Pure functions: a compact graph of the switched
 * fabric in, one linear forwarding table per switch out. No I/O, no fabric
 * model: unit-testable on synthetic graphs. */
#ifndef SMD_ROUTE_H
#define SMD_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#define RT_NO_PORT 255          /* LFT entry: not routed (drop) */
#define RT_MAX_PORTS 254

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

struct rt_graph {
	struct rt_switch *sw;
	unsigned nsw;
	struct rt_dest *dest;
	unsigned ndest;
	uint16_t max_lid;            /* highest LID in dest[] */
};

/* One table per switch: lft[s][lid] = output port, RT_NO_PORT if none. */
struct rt_tables {
	unsigned nsw;
	uint16_t max_lid;
	uint8_t **lft;
};

enum rt_engine { RT_AUTO = 0, RT_MINHOP, RT_UPDN };

/* Graph building helpers (the graph owns its arrays). */
int rt_graph_init(struct rt_graph *g, unsigned nsw, unsigned ndest);
int rt_switch_init(struct rt_switch *s, uint64_t guid, uint8_t nports);
/* Cables switch a port pa to switch b port pb: both directions, always; a
 * port already linked keeps its first link (the graph stays symmetric). */
void rt_link(struct rt_graph *g, int32_t a, uint8_t pa, int32_t b, uint8_t pb);
void rt_graph_free(struct rt_graph *g);

int rt_tables_init(struct rt_tables *t, unsigned nsw, uint16_t max_lid);
void rt_tables_free(struct rt_tables *t);

/* Shortest paths; among equal-cost output ports the one carrying the fewest
 * destinations so far (spreads LIDs over parallel links). Returns 0, -1 on
 * allocation failure. */
int route_minhop(const struct rt_graph *g, struct rt_tables *out);

/* Up/down: switches ranked by distance from the roots (roots: the given
 * GUIDs, or chosen automatically when nroots == 0); a route never turns
 * up after going down, so the channel dependency graph has no cycle on any
 * topology. Returns 0, -1 on failure (e.g. a root GUID not in the graph). */
int route_updn(const struct rt_graph *g, const uint64_t *roots, size_t nroots,
	       struct rt_tables *out);

/* 1 when the channel dependency graph of the tables has no cycle (no
 * credit loop is possible), 0 when it has one, -1 on allocation failure. */
int route_cdg_acyclic(const struct rt_graph *g, const struct rt_tables *t);

/* engine RT_AUTO: minhop when its tables are free of credit loops (trees,
 * fat-trees), else updn. *used tells which ran. */
int route_compute(const struct rt_graph *g, enum rt_engine engine, const uint64_t *roots,
		  size_t nroots, struct rt_tables *out, enum rt_engine *used);

const char *rt_engine_name(enum rt_engine e);
int rt_engine_parse(const char *s, enum rt_engine *out);

#endif
