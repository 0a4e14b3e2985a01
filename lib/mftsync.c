#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "log.h"
#include "mftsync.h"
#include "link.h"
#include "smp.h"
#include "xalloc.h"

struct mftsync {
	struct mad_engine *mad;
	struct mft_memory *mem;
	unsigned pending, sent, failed;
	int canceled;
	struct metrics *mx;
	mftsync_done_fn cb;
	void *arg;
};

struct mft_req {                  /* one block Set */
	struct mftsync *s;
	uint64_t guid;
	unsigned nports, block, pos;
	uint16_t masks[MFT_BLOCK];
};

struct mft_top_req {              /* MulticastFDBTop: Get, then Set */
	struct mftsync *s;
	uint64_t guid;
	uint16_t top;
	struct dr_path path;
	int set;                      /* the Set is out (else the Get) */
};

/* One request of this sync ended: the last one reports. */
static void mftsync_end_one(struct mftsync *s)
{
	if (--s->pending)
		return;
	if (!s->canceled)
		s->cb(s->arg, s->sent, s->failed);
	free(s);
}

static void mftsync_top_reply(void *arg, const struct mad_reply *r)
{
	struct mft_top_req *q = arg;
	struct mftsync *s = q->s;

	/* Not counted with the blocks: a refusal is remembered and named
	 * once, not retried at every light sweep. */
	if (!s->canceled && r->err != MAD_OK) {
		mft_top_done(s->mem, q->guid, MFT_TOP_REFUSED);
		log_warnx("switch 0x%016llx refuses its multicast table top 0x%04x: groups above "
			  "its old top may be dropped there", (unsigned long long)q->guid, q->top);
	} else if (!s->canceled && q->set) {
		mft_top_done(s->mem, q->guid, q->top);
		log_debug("switch 0x%016llx: multicast table top 0x%04x",
			  (unsigned long long)q->guid, q->top);
	} else if (!s->canceled) {
		/* Built from this fresh Get: LinearFDBTop and the rest stay as
		 * they are; PortStateChange 0 leaves a pending change for the
		 * light sweep to see. */
		uint8_t si[64];
		memcpy(si, r->data, 64);
		mad_set_field(si, 0, IB_SW_MCAST_FDB_TOP_F, q->top);
		mad_set_field(si, 0, IB_SW_STATE_CHANGE_F, 0);
		struct smp_req rq = { .dr = &q->path, .method = IB_MAD_METHOD_SET,
				      .attr = IB_ATTR_SWITCH_INFO, .data = si,
				      .timeout_ms = -1, .retries = -1 };
		q->set = 1;
		if (mad_smp(s->mad, &rq, mftsync_top_reply, q) == 0)
			return;  /* this request goes on */
	}
	free(q);
	mftsync_end_one(s);
}

/* Raise (or lower) a switch's MulticastFDBTop where it says it has one:
 * packets to MLIDs above it are dropped. */
static void mftsync_top(struct mftsync *s, const struct fab_node *n, unsigned nblocks)
{
	if (!n->have_swinfo || !(fab_port_capmask(&n->ports[0]) & CAPMASK_MCAST_FDB_TOP))
		return;
	uint16_t want = mft_top(nblocks), cur = mft_top_written(s->mem, n->guid);
	if (cur == MFT_TOP_REFUSED)
		return;
	if (!cur)
		cur = (uint16_t)mad_get_field(smp_ro(n->swinfo), 0, IB_SW_MCAST_FDB_TOP_F);
	if (cur == want)
		return;
	struct mft_top_req *q = xcalloc(1, sizeof(*q));
	q->s = s;
	q->guid = n->guid;
	q->top = want;
	q->path = n->ports[0].path;
	struct smp_req rq = { .dr = &q->path, .method = IB_MAD_METHOD_GET,
			      .attr = IB_ATTR_SWITCH_INFO, .timeout_ms = -1, .retries = -1 };
	if (mad_smp(s->mad, &rq, mftsync_top_reply, q) < 0) {
		free(q);
		return;
	}
	s->pending++;
}

static void mftsync_reply(void *arg, const struct mad_reply *r)
{
	struct mft_req *q = arg;
	struct mftsync *s = q->s;

	if (s->mx && r->err != MAD_ECANCELED) {
		if (r->err == MAD_OK)
			s->mx->mft_written++;
		else
			s->mx->mft_failed++;
	}
	if (!s->canceled) {
		if (r->err == MAD_OK) {
			mft_block_done(s->mem, q->guid, q->nports, q->block, q->pos, q->masks);
		} else {
			s->failed++;
			mft_block_forget(s->mem, q->guid, q->block, q->pos);
		}
	}
	free(q);
	mftsync_end_one(s);
}

struct mftsync *mftsync_start(struct mad_engine *mad, struct mft_memory *mem,
			      const struct mft_plan *plan, const uint64_t *blocks,
			      struct metrics *mx, mftsync_done_fn cb, void *arg)
{
	struct mftsync *s = xcalloc(1, sizeof(*s));

	s->mad = mad;
	s->mem = mem;
	s->mx = mx;
	s->cb = cb;
	s->arg = arg;
	/* The blocks to compare on every switch: those given, or all. */
	unsigned list[MFT_MAX_BLOCKS], nlist = 0;
	for (unsigned w = 0; blocks && w < (MFT_MAX_BLOCKS + 63) / 64; w++)
		for (uint64_t bits = blocks[w]; bits; bits &= bits - 1)
			list[nlist++] = w * 64 + (unsigned)__builtin_ctzll(bits);
	for (unsigned i = 0; i < plan->nsw; i++) {
		struct fab_node *n = plan->sw[i];
		unsigned cap = n->have_swinfo ? mad_get_field(n->swinfo, 0, IB_SW_MCAST_FDB_CAP_F) : 0;
		unsigned nblocks = mft_nblocks(mem, plan, i), npos = mft_npos(n->nports);
		unsigned used = (plan->nmlid + MFT_BLOCK - 1) / MFT_BLOCK;
		if (cap && nblocks > (cap + MFT_BLOCK - 1) / MFT_BLOCK) {
			if ((uintptr_t)hmap_get(&mem->small, n->guid) != cap + 1u) {
				log_warnx("switch %s (0x%016llx) holds %u multicast LIDs, fewer than "
					  "the groups need", n->desc, (unsigned long long)n->guid, cap);
				hmap_put(&mem->small, n->guid, (void *)(uintptr_t)(cap + 1u));
			}
			nblocks = (cap + MFT_BLOCK - 1) / MFT_BLOCK;
		}
		mftsync_top(s, n, used < nblocks ? used : nblocks);
		for (unsigned k = 0; k < (blocks ? nlist : nblocks); k++) {
			unsigned b = blocks ? list[k] : k;
			if (b >= nblocks)
				break;  /* the list is in order */
			for (unsigned pos = 0; pos < npos; pos++) {
				uint16_t want[MFT_BLOCK];
				mft_block(plan, i, b, pos, want);
				if (!mft_block_differs(mem, n->guid, b, pos, want))
					continue;
				struct mft_req *q = xcalloc(1, sizeof(*q));
				q->s = s;
				q->guid = n->guid;
				q->nports = n->nports;
				q->block = b;
				q->pos = pos;
				memcpy(q->masks, want, sizeof(want));
				uint8_t data[64];
				for (unsigned e = 0; e < MFT_BLOCK; e++) {
					data[2 * e] = (uint8_t)(q->masks[e] >> 8);
					data[2 * e + 1] = (uint8_t)q->masks[e];
				}
				struct smp_req rq = { .dr = &n->ports[0].path, .method = IB_MAD_METHOD_SET,
						      .attr = IB_ATTR_MULTICASTFORWTBL,
						      .mod = pos << 28 | b, .data = data,
						      .timeout_ms = -1, .retries = -1 };
				if (mad_smp(mad, &rq, mftsync_reply, q) < 0) {
					free(q);
					continue;
				}
				s->pending++;
				s->sent++;
			}
		}
	}
	if (!s->pending) {
		free(s);
		return NULL;
	}
	return s;
}

void mftsync_cancel(struct mftsync *s)
{
	if (s)
		s->canceled = 1;
}
