/* fabdiff: see fabdiff.h. A cable is counted once, from the end with the
 * lower (node GUID, port); a cable to a node that came or went is that
 * node's change, not a cable's. */
#include "fabdiff.h"

#include <stdio.h>
#include <string.h>

static void fdiff_name(const struct fab_node *n, char *buf, size_t len)
{
	if (n->desc[0])
		snprintf(buf, len, "%.40s", n->desc);
	else
		snprintf(buf, len, "0x%016llx", (unsigned long long)n->guid);
}

static void fdiff_first_node(struct fdiff *d, const struct fab_node *n, const char *what)
{
	char name[48];

	if (d->first[0])
		return;
	fdiff_name(n, name, sizeof(name));
	snprintf(d->first, sizeof(d->first), "node %s %s", name, what);
}

static void fdiff_first_cable(struct fdiff *d, const struct fab_port *a, const struct fab_port *b,
			      const char *what)
{
	char na[48], nb[48];

	if (d->first[0])
		return;
	fdiff_name(a->node, na, sizeof(na));
	fdiff_name(b->node, nb, sizeof(nb));
	snprintf(d->first, sizeof(d->first), "cable %.40s/%u - %.40s/%u %s", na, a->num, nb, b->num,
		 what);
}

/* Is (a, its remote) counted from a's end? */
static int fdiff_lower_end(const struct fab_port *a)
{
	const struct fab_port *b = a->remote;

	return a->node->guid < b->node->guid ||
	       (a->node->guid == b->node->guid && a->num < b->num);
}

/* The port of `other`'s copy of p's node, with p's number; NULL if none. */
static const struct fab_port *fdiff_same(const struct fabric *other, const struct fab_port *p)
{
	const struct fab_node *n = fab_node_by_guid(other, p->node->guid);

	return n && p->num <= n->nports ? &n->ports[p->num] : NULL;
}

/* Cables of `from` whose both ends are in `to` but not cabled alike there. */
static unsigned fdiff_cables(const struct fabric *from, const struct fabric *to, struct fdiff *d,
			     const char *what)
{
	unsigned n = 0;

	for (const struct fab_node *x = from->nodes; x; x = x->next) {
		for (unsigned i = 1; i <= x->nports; i++) {
			const struct fab_port *a = &x->ports[i], *b = a->remote, *ta, *tb;

			if (!b || !fdiff_lower_end(a) || !fab_node_by_guid(to, b->node->guid) ||
			    !(ta = fdiff_same(to, a)))
				continue;
			tb = ta->remote;
			if (tb && tb->node->guid == b->node->guid && tb->num == b->num)
				continue;
			n++;
			fdiff_first_cable(d, a, b, what);
		}
	}
	return n;
}

void fdiff_compare(const struct fabric *prev, const struct fabric *cur, struct fdiff *d)
{
	memset(d, 0, sizeof(*d));
	for (const struct fab_node *n = prev ? prev->nodes : NULL; n; n = n->next) {
		if (!fab_node_by_guid(cur, n->guid)) {
			d->nodes_gone++;
			fdiff_first_node(d, n, "gone");
		}
	}
	for (const struct fab_node *n = cur->nodes; n; n = n->next) {
		if (!prev || !fab_node_by_guid(prev, n->guid)) {
			d->nodes_new++;
			fdiff_first_node(d, n, "joined");
		}
	}
	if (!prev)
		return;
	d->cables_down = fdiff_cables(prev, cur, d, "down");
	d->cables_up = fdiff_cables(cur, prev, d, "up");
}

static void fdiff_count(char *buf, size_t len, size_t *at, unsigned n, const char *one,
			const char *many, const char *what)
{
	int k;

	if (!n || *at >= len)
		return;
	k = snprintf(buf + *at, len - *at, "%s%u %s %s", *at ? ", " : "", n, n == 1 ? one : many,
		     what);
	if (k > 0)
		*at += (size_t)k;
}

void fdiff_describe(const struct fdiff *d, char *buf, size_t len)
{
	unsigned total = d->cables_down + d->cables_up + d->nodes_gone + d->nodes_new;
	size_t at = 0;

	if (!len)
		return;
	if (total == 0) {
		snprintf(buf, len, "no change in the topology");
		return;
	}
	if (total == 1) {
		snprintf(buf, len, "%s", d->first);
		return;
	}
	buf[0] = 0;
	fdiff_count(buf, len, &at, d->cables_down, "cable", "cables", "down");
	fdiff_count(buf, len, &at, d->cables_up, "cable", "cables", "up");
	fdiff_count(buf, len, &at, d->nodes_gone, "node", "nodes", "gone");
	fdiff_count(buf, len, &at, d->nodes_new, "node", "nodes", "joined");
	if (at < len)
		snprintf(buf + at, len - at, " (first: %s)", d->first);
}
