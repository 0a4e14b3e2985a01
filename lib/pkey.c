/* pkey: P_Key tables planned (see pkey.h). */
#include "pkey.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* OpenSM keeps its partitions in a map keyed by the P_Key in network byte
 * order and walks it in key order: on the little-endian hosts it runs on,
 * that is the order of the byte-swapped value. A port's new keys take
 * their indexes in that order, so smd sorts the same way. */
static unsigned pk_osm_rank(uint16_t k)
{
	k = pkey_base(k);
	return (unsigned)((k & 0xff) << 8 | k >> 8);
}

static int pk_cmp(const void *a, const void *b)
{
	unsigned x = pk_osm_rank(*(const uint16_t *)a), y = pk_osm_rank(*(const uint16_t *)b);
	return x < y ? -1 : x > y;
}

unsigned pkey_want(const struct prtn_conf *c, uint64_t guid, int is_switch, uint64_t sm_guid,
		   uint16_t *out, unsigned max)
{
	unsigned n = 0;

	/* the first max in that order (a port in more partitions than that
	 * keeps those, as a table too small for all keeps them) */
	for (unsigned i = 0; i < c->n && max; i++) {
		enum prtn_mship m = prtn_conf_member(&c->p[i], guid, is_switch, sm_guid);
		if (m == PM_NONE)
			continue;
		uint16_t k = (uint16_t)(c->p[i].pkey | (m == PM_FULL ? PKEY_FULL : 0));
		if (n == max && pk_cmp(&k, &out[n - 1]) >= 0)
			continue;
		unsigned at = n < max ? n++ : n - 1;
		while (at && pk_cmp(&k, &out[at - 1]) < 0) {
			out[at] = out[at - 1];
			at--;
		}
		out[at] = k;
	}
	return n;
}

uint16_t pkey_port_key(const struct prtn_conf *c, uint64_t sm_guid, const struct fab_port *p,
		       uint16_t pkey)
{
	if (!c || !c->n)
		return pkey_base(pkey) == PRTN_DEFAULT_PKEY ? 0xffff : 0;
	const struct prtn *pt = prtn_conf_find(c, pkey);
	if (!pt)
		return 0;
	enum prtn_mship m = prtn_conf_member(pt, p->guid, fab_is_switch(p->node), sm_guid);
	return m == PM_NONE ? 0 : (uint16_t)(pt->pkey | (m == PM_FULL ? PKEY_FULL : 0));
}

uint16_t pkey_shared(const struct prtn_conf *c, uint64_t sm_guid, const struct fab_port *a,
		     const struct fab_port *b, uint16_t pkey)
{
	if (pkey_base(pkey)) {
		uint16_t ka = pkey_port_key(c, sm_guid, a, pkey), kb = pkey_port_key(c, sm_guid, b, pkey);
		return ka && kb && ((ka | kb) & PKEY_FULL) ? ka : 0;
	}
	if (!c || !c->n)
		return 0xffff;
	uint16_t ka[PKEY_MAX];
	unsigned n = pkey_want(c, a->guid, fab_is_switch(a->node), sm_guid, ka, PKEY_MAX);
	for (unsigned i = 0; i < n; i++) {
		uint16_t kb = pkey_port_key(c, sm_guid, b, ka[i]);
		if (kb && ((ka[i] | kb) & PKEY_FULL))
			return ka[i];
	}
	return 0;
}

unsigned pkey_place(const uint16_t *cur, const uint16_t *want, unsigned nwant, unsigned cap,
		    int own, uint16_t *out)
{
	unsigned char placed[PKEY_MAX] = { 0 };
	unsigned last = 0, dropped = 0;   /* last: one past the highest index in use */

	if (cap > PKEY_MAX)
		cap = PKEY_MAX;
	memset(out, 0, cap * sizeof(*out));
	for (unsigned i = 0; own && i < cap; i++)
		if (pkey_base(cur[i]))
			last = i + 1;
	/* keys the port holds stay where they are; the default partition only
	 * at index 0 and nothing else there */
	for (unsigned w = 0; w < nwant && w < PKEY_MAX; w++) {
		int is_def = pkey_base(want[w]) == PRTN_DEFAULT_PKEY;
		int at = -1;
		for (unsigned i = 0; i < cap; i++) {
			if (!pkey_base(cur[i]) || pkey_base(cur[i]) != pkey_base(want[w]))
				continue;
			/* a full copy wins over a limited one, as OpenSM reads tables */
			if (at < 0 || (cur[i] & PKEY_FULL && !(cur[at] & PKEY_FULL)))
				at = (int)i;
		}
		if (at < 0 || (is_def != (at == 0)) || out[at])
			continue;
		out[at] = want[w];
		placed[w] = 1;
		if ((unsigned)at + 1 > last)
			last = (unsigned)at + 1;
	}
	for (unsigned w = 0; w < nwant; w++) {
		if (w < PKEY_MAX && placed[w])
			continue;
		unsigned at = pkey_base(want[w]) == PRTN_DEFAULT_PKEY ? 0 : last ? last : 1;
		if (at >= cap || out[at]) {
			/* the end of the table: the first free entry after 0 */
			for (at = 1; at < cap && out[at]; at++)
				;
			if (at >= cap) {
				dropped++;
				continue;
			}
		}
		out[at] = want[w];
		if (at + 1 > last)
			last = at + 1;
	}
	return dropped;
}

unsigned pkey_peer(const uint16_t *ca, unsigned nca, unsigned cap, uint16_t *out)
{
	unsigned n = 0, dropped = 0;

	if (cap > PKEY_MAX)
		cap = PKEY_MAX;
	memset(out, 0, cap * sizeof(*out));
	for (unsigned i = 0; i < nca; i++) {
		if (!pkey_base(ca[i]))
			continue;
		if (n < cap)
			out[n++] = ca[i];
		else
			dropped++;
	}
	return dropped;
}

/* ---- memory ------------------------------------------------------------ */

struct pkey_swshadow {
	unsigned nports;
	struct pkey_shadow *port[]; /* [0..nports] */
};

void pkey_memory_init(struct pkey_memory *m)
{
	hmap_init(&m->ends);
	hmap_init(&m->swports);
}

static void pk_free_sw(void *v)
{
	struct pkey_swshadow *s = v;
	for (unsigned i = 0; i <= s->nports; i++)
		free(s->port[i]);
	free(s);
}

void pkey_memory_clear(struct pkey_memory *m)
{
	hmap_free_values(&m->ends, free);
	hmap_free_values(&m->swports, pk_free_sw);
	pkey_memory_init(m);
}

struct pkey_shadow *pkey_shadow_get(const struct pkey_memory *m, uint64_t guid, unsigned num,
				    int swport)
{
	if (!swport)
		return hmap_get(&m->ends, guid);
	struct pkey_swshadow *s = hmap_get(&m->swports, guid);
	return s && num <= s->nports ? s->port[num] : NULL;
}

static struct pkey_shadow **pk_slot(struct pkey_memory *m, uint64_t guid, unsigned num, int swport)
{
	if (!swport)
		return NULL;
	struct pkey_swshadow *s = hmap_get(&m->swports, guid);
	if (!s || num > s->nports) {
		unsigned np = num > 36 ? num : 36;
		struct pkey_swshadow *g = xcalloc(1, sizeof(*g) + (np + 1) * sizeof(g->port[0]));
		g->nports = np;
		if (s) {
			memcpy(g->port, s->port, (s->nports + 1) * sizeof(s->port[0]));
			free(s);
		}
		s = g;
		hmap_put(&m->swports, guid, s);
	}
	return &s->port[num];
}

struct pkey_shadow *pkey_shadow_put(struct pkey_memory *m, uint64_t guid, unsigned num, int swport,
				    const uint16_t *keys, unsigned n)
{
	struct pkey_shadow *sh = xmalloc(sizeof(*sh) + n * sizeof(sh->keys[0]));
	struct pkey_shadow *old = pkey_shadow_get(m, guid, num, swport);

	sh->n = n;
	sh->enforced = old ? old->enforced : 0;
	memcpy(sh->keys, keys, n * sizeof(keys[0]));
	if (!swport) {
		free(old);
		hmap_put(&m->ends, guid, sh);
	} else {
		struct pkey_shadow **slot = pk_slot(m, guid, num, swport);
		free(*slot);
		*slot = sh;
	}
	return sh;
}

void pkey_shadow_forget(struct pkey_memory *m, uint64_t guid, unsigned num, int swport)
{
	if (!swport) {
		free(hmap_get(&m->ends, guid));
		hmap_del(&m->ends, guid);
		return;
	}
	struct pkey_swshadow *s = hmap_get(&m->swports, guid);
	if (s && num <= s->nports) {
		free(s->port[num]);
		s->port[num] = NULL;
	}
}
