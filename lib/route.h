/* route: routing engines. Pure functions: the routing graph (rtgraph.h) in,
 * one linear forwarding table per switch out. */
#ifndef SMD_ROUTE_H
#define SMD_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "rtgraph.h"

enum rt_engine { RT_AUTO = 0, RT_MINHOP, RT_UPDN };

/* Shortest paths; among equal-cost output ports the one carrying the fewest
 * destinations so far (spreads LIDs over parallel links). Returns 0, -1 when
 * the tables do not match the graph. */
int route_minhop(const struct rt_graph *g, struct rt_tables *out);

/* Up/down: switches ranked by distance from the roots (roots: the given
 * GUIDs, or chosen automatically when nroots == 0); a route never turns
 * up after going down, so the channel dependency graph has no cycle on any
 * topology, and among such routes it takes the shortest. Returns 0, -1 on failure (a root GUID not in the graph, tables
 * that do not match it). */
int route_updn(const struct rt_graph *g, const uint64_t *roots, size_t nroots,
	       struct rt_tables *out);

/* 1 when the channel dependency graph of the tables has no cycle (no
 * credit loop is possible), 0 when it has one, -1 when the tables do not
 * match the graph. */
int route_cdg_acyclic(const struct rt_graph *g, const struct rt_tables *t);

/* engine RT_AUTO: updn (minimal legal paths: minhop's own on trees and
 * fat-trees). *used tells which ran. */
int route_compute(const struct rt_graph *g, enum rt_engine engine, const uint64_t *roots,
		  size_t nroots, struct rt_tables *out, enum rt_engine *used);

const char *rt_engine_name(enum rt_engine e);
int rt_engine_parse(const char *s, enum rt_engine *out);

#endif
