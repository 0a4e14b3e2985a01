/* mft: multicast forwarding. One shortest-path tree from a central switch
 * spans the switches; a group's tree is the part of it that joins the
 * switches its members hang off, so a packet from any member reaches every
 * other receiving member exactly once (no loops) and no other CA. Pure:
 * the plan and the shadows of what was programmed; mftsync sends it. */
#ifndef SMD_MFT_H
#define SMD_MFT_H

#include <stdint.h>
#include "fabric.h"
#include "hmap.h"
#include "mcast.h"

#define MFT_BLOCK 32              /* MLIDs per MulticastForwardingTable block */
#define MFT_POS_PORTS 16          /* ports per position (16-bit masks) */

/* Positions of a switch's MFT: ports 0..nports in 16-port masks. */
static inline unsigned mft_npos(unsigned nports) { return nports / MFT_POS_PORTS + 1u; }

/* Port masks of one switch for MLIDs 0xC000 + [0, plan nmlid). */
struct mft_masks {
	uint8_t npos;                 /* positions: nports / 16 + 1 */
	uint16_t *mask;               /* [nmlid * npos]: mlid-major */
};

/* What smd last programmed into one switch. */
struct mft_shadow {
	uint16_t nblocks;
	uint8_t npos;
	uint16_t *mask;               /* [nblocks * 32 * npos], mlid-major */
	uint8_t *known;               /* [nblocks * npos]: block/pos written */
};

/* All switches, by node GUID. */
struct mft_memory {
	struct hmap by_guid;          /* -> struct mft_shadow */
	struct hmap tops;             /* -> MulticastFDBTop written, as (void *)(uintptr_t) */
	struct hmap small;            /* -> the MulticastFDBCap already said to be too
				       * small, + 1: said once per switch and cap */
};

void mft_memory_init(struct mft_memory *m);
void mft_memory_clear(struct mft_memory *m);

/* The wanted masks of every switch of f for the groups of mc. Kept by the
 * master between changes: a join or leave recomputes that one group's tree
 * (mft_plan_update), a new model of the fabric rebuilds it all. */
#define MFT_MAX_BLOCKS ((MC_MAX_GROUPS + MFT_BLOCK - 1) / MFT_BLOCK)
struct mft_plan {
	struct fab_node **sw;
	struct mft_masks *want;       /* [nsw] */
	unsigned nsw;
	uint16_t nmlid;               /* highest MLID in use - 0xC000 + 1 */
	unsigned rows;                /* MLID rows allocated in every want[].mask */
	struct fab_node *root;
	/* the tree every group's tree is part of */
	struct hmap idx;              /* switch GUID -> index + 1 */
	int *parent;                  /* switch index, -1 root, -2 unreached */
	uint8_t *up_port, *down_port; /* ours toward the parent, the parent's toward us */
	uint8_t *in_tree, *is_member; /* scratch of one group's tree */
	unsigned *children, *child;
	/* blocks (32 MLIDs each) the last mft_plan_update changed */
	uint64_t dirty[(MFT_MAX_BLOCKS + 63) / 64];
};
void mft_plan_build(struct mft_plan *p, const struct fabric *f, const struct mc_table *mc);
/* The groups mc marks dirty (mc->dirty) recomputed on the same fabric;
 * p->dirty says which blocks they are in. The caller clears mc's marks. */
void mft_plan_update(struct mft_plan *p, const struct fabric *f, const struct mc_table *mc);
void mft_plan_free(struct mft_plan *p);

/* The block (32 MLIDs) at position pos of switch i as wanted: 32 masks. */
void mft_block(const struct mft_plan *p, unsigned i, unsigned block, unsigned pos,
	       uint16_t out[MFT_BLOCK]);
/* Does switch i need block/pos written (differs from, or unknown to, the
 * memory)? Blocks beyond what the plan needs count when the memory holds
 * non-zero masks there (a group went away). */
int mft_block_due(const struct mft_memory *m, const struct mft_plan *p, unsigned i,
		  unsigned block, unsigned pos);
/* The same for a block already built with mft_block(). */
int mft_block_differs(const struct mft_memory *m, uint64_t guid, unsigned block, unsigned pos,
		      const uint16_t want[MFT_BLOCK]);
/* Record a block as programmed. */
void mft_block_done(struct mft_memory *m, uint64_t guid, unsigned nports, unsigned block,
		    unsigned pos, const uint16_t masks[MFT_BLOCK]);
/* Forget a block (its Set failed). */
void mft_block_forget(struct mft_memory *m, uint64_t guid, unsigned block, unsigned pos);
/* Blocks to consider for switch i: the plan's, or the memory's if more. */
unsigned mft_nblocks(const struct mft_memory *m, const struct mft_plan *p, unsigned i);

/* SwitchInfo.MulticastFDBTop for a switch whose groups use the first
 * nblocks blocks of MLIDs: the last MLID of the last block, or 0xBFFF (no
 * multicast LID valid) for none. A switch drops packets to MLIDs above its
 * top, so one left low by another SM must be raised. */
uint16_t mft_top(unsigned nblocks);
/* The top last written to a switch (0: none known; MFT_TOP_REFUSED: the
 * switch refused it, not asked again by this master), and recording one. */
#define MFT_TOP_REFUSED 1
uint16_t mft_top_written(const struct mft_memory *m, uint64_t guid);
void mft_top_done(struct mft_memory *m, uint64_t guid, uint16_t top);

#endif
