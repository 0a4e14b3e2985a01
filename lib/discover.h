/* discover: the directed-route sweep from the local port that fills a fabric
 * model: NodeInfo hop by hop, NodeDescription, PortInfo of every port
 * (a CA: the port we entered by), SwitchInfo for switches, then NodeInfo
 * through every linked switch port. Replies arrive in any order and some
 * never do: nothing here assumes order or completeness. */
#ifndef SMD_DISCOVER_H
#define SMD_DISCOVER_H

#include "fabric.h"
#include "mad.h"

#define DISC_MAX_DUPS 16

/* A node that answered with the GUID of another one already found: left
 * out of the model (its links, and what only it reaches). */
struct disc_dup {
	struct fab_port *first;  /* the port of the node found first it collides with */
	struct dr_path path;     /* where the other one answered */
};

/* A reply not believed (smpcheck.c), or a node out of directed-route
 * reach: named at the port it was met from, the rest of the fabric goes on. */
struct disc_lie {
	struct fab_port *at;     /* the port we left by (NodeInfo), or the port asked */
	char why[128];
};

struct disc_result {
	struct fabric *fab;      /* owned by the caller from now on */
	unsigned mads;           /* SMPs this sweep sent */
	unsigned failed;         /* requests that got no usable answer */
	int local_ok;            /* the local node answered */
	struct disc_dup dup[DISC_MAX_DUPS];
	unsigned ndup;           /* may exceed DISC_MAX_DUPS: only those are kept */
	struct disc_lie lie[DISC_MAX_DUPS];
	unsigned nlie;           /* may exceed DISC_MAX_DUPS: only those are kept */
	unsigned malformed;      /* replies smpcheck refused */
};

typedef void (*disc_done_fn)(void *arg, struct disc_result *res);

struct disc;
/* Start a sweep; cb runs once from the loop when every request has ended.
 * NULL when the first request cannot be sent. */
struct disc *disc_start(struct mad_engine *e, disc_done_fn cb, void *arg);
/* Stop caring: cb will not run, the partial model is freed when the last
 * outstanding request ends. */
void disc_abort(struct disc *d);

#endif
