/* pkey: P_Key tables planned (pure): which keys a port gets from the
 * partitions, where each goes in its table (OpenSM's placement, so a
 * failover either way moves no key), what the switch port facing a CA
 * holds, and the memory of what was written. */
#ifndef SMD_PKEY_H
#define SMD_PKEY_H

#include <stdint.h>
#include "fabric.h"
#include "hmap.h"
#include "prtn_conf.h"

#define PKEY_FULL 0x8000u
#define PKEY_BLOCK 32           /* entries in one P_KeyTable block */
#define PKEY_MAX_BLOCKS 4       /* smd programs at most the first 128 entries */
#define PKEY_MAX (PKEY_BLOCK * PKEY_MAX_BLOCKS)

static inline uint16_t pkey_base(uint16_t k) { return k & 0x7fff; }

/* The P_Keys of a port (full bit by membership), in the order OpenSM
 * processes its partitions; returns how many (at most max). */
unsigned pkey_want(const struct prtn_conf *c, uint64_t guid, int is_switch, uint64_t sm_guid,
		   uint16_t *out, unsigned max);

/* The key port p holds for partition pkey (full bit by membership), 0 when
 * it is not a member. c NULL: the default partition only, all full. */
uint16_t pkey_port_key(const struct prtn_conf *c, uint64_t sm_guid, const struct fab_port *p,
		       uint16_t pkey);
/* The P_Key a and b share, as a's key: of partition pkey (0: the first in
 * OpenSM's order), of which both are members and one at least a full one
 * (two limited members cannot talk). 0 when none. */
uint16_t pkey_shared(const struct prtn_conf *c, uint64_t sm_guid, const struct fab_port *a,
		     const struct fab_port *b, uint16_t pkey);

/*
 * Place want[0..nwant) into a table of cap entries that holds cur[0..cap)
 * now, as OpenSM (keep_pkey_indexes, its default) does: a key the port
 * already holds keeps its index; the default partition's key goes to index
 * 0; the others follow the highest index in use, in order; when the end is
 * reached, the first free entry. "In use": by the keys kept, and when own
 * (cur is what this SM wrote) by every entry of cur, so a key just removed
 * leaves its index empty rather than handing it to another partition at
 * once (as a running OpenSM remembers its indexes). out gets cap entries
 * (0 = empty). Returns how many keys did not fit.
 */
unsigned pkey_place(const uint16_t *cur, const uint16_t *want, unsigned nwant, unsigned cap,
		    int own, uint16_t *out);

/* The table of a switch port facing a CA whose table is ca[0..nca): its
 * keys packed from index 0, in order. out gets cap entries. Returns how
 * many keys did not fit (then partition enforcement must stay off). */
unsigned pkey_peer(const uint16_t *ca, unsigned nca, unsigned cap, uint16_t *out);

/* Blocks of a table of cap entries smd reads and writes. */
static inline unsigned pkey_nblocks(unsigned cap)
{
	unsigned nb = (cap + PKEY_BLOCK - 1) / PKEY_BLOCK;
	return nb > PKEY_MAX_BLOCKS ? PKEY_MAX_BLOCKS : nb;
}

/* What a port's table holds (as written or read): end ports by port GUID,
 * switch external ports by node GUID and port. */
struct pkey_memory {
	struct hmap ends;      /* port GUID -> struct pkey_shadow */
	struct hmap swports;   /* switch node GUID -> struct pkey_swshadow */
};
struct pkey_shadow {
	unsigned n;            /* entries known (nblocks * 32) */
	int enforced;          /* switch port: enforcement bits written on */
	uint16_t keys[];
};

void pkey_memory_init(struct pkey_memory *m);
void pkey_memory_clear(struct pkey_memory *m);
/* The shadow of a port (num 0 or a CA port: by guid; else by node guid
 * and num); NULL when nothing is known. */
struct pkey_shadow *pkey_shadow_get(const struct pkey_memory *m, uint64_t guid, unsigned num,
				    int swport);
/* Remember n entries (replacing what was known). */
struct pkey_shadow *pkey_shadow_put(struct pkey_memory *m, uint64_t guid, unsigned num, int swport,
				    const uint16_t *keys, unsigned n);
void pkey_shadow_forget(struct pkey_memory *m, uint64_t guid, unsigned num, int swport);

#endif
