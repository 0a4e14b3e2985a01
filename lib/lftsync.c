#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/mad.h>
#include "fabdiff.h"
#include "lftsync.h"
#include "log.h"
#include "xalloc.h"

/* Sets handed to the engine at a time: it queues what its window cannot
 * send yet, and 25,000 queued blocks (8,000 nodes) would cost 7 MB. */
#define LFTSYNC_AHEAD 256

struct lftsync {
	struct mad_engine *mad;
	struct lft_memory *mem;
	const struct mft_memory *mft;
	unsigned pending, sent, failed;
	unsigned refused;             /* could not be sent (start's *failed) */
	unsigned blocks;              /* LFT blocks sent */
	unsigned moved, moved_sw;     /* entries that change, switches they are on */
	struct timespec t0;
	char why[160];
	struct lft_report *report;
	struct lft_plan plan;         /* what is being written */
	uint8_t *swinfo_due;          /* [plan.g.nsw] SwitchInfo not sent yet */
	unsigned next_sw, next_block; /* where the pump goes on */
	int all;                      /* every block, whatever the shadow says */
	int canceled;
	lftsync_trouble_fn trouble;
	lftsync_done_fn done;
	void *arg;
	struct metrics *mx;
};

struct lft_req {                  /* one Set */
	struct lftsync *s;
	struct fab_port *port;        /* switch port 0: named when the Set fails */
	uint64_t guid;
	int swinfo;                   /* SwitchInfo, else LFT block `block` */
	unsigned block;
	uint8_t data[64];
};

/* One line per re-route that changed something, and smctl's copy of it. */
static void lftsync_report(struct lftsync *s)
{
	double ms = log_ms_since(&s->t0);

	if (!s->moved && !s->blocks)
		return;
	if (s->moved)
		log_notice("routing: %s: %u entries on %u switches re-routed, %u LFT blocks "
			   "written in %.0f ms%s", s->why, s->moved, s->moved_sw, s->blocks, ms,
			   s->failed ? " (some Sets failed, sent again next sweep)" : "");
	else
		log_notice("routing: %s: %u LFT blocks written in %.0f ms%s", s->why, s->blocks, ms,
			   s->failed ? " (some Sets failed, sent again next sweep)" : "");
	if (s->report) {
		s->report->when = time(NULL);
		snprintf(s->report->why, sizeof(s->report->why), "%s", s->why);
		s->report->entries = s->moved;
		s->report->switches = s->moved_sw;
		s->report->blocks = s->blocks;
		s->report->failed = s->failed;
		s->report->ms = ms;
	}
}

static void lftsync_pump(struct lftsync *s);

static void lftsync_free(struct lftsync *s)
{
	lft_plan_free(&s->plan);
	free(s->swinfo_due);
	free(s);
}

static void lftsync_reply(void *arg, const struct mad_reply *r)
{
	struct lft_req *q = arg;
	struct lftsync *s = q->s;

	/* The memory follows what the switch holds even after a cancel (the
	 * SM outlives its syncs); the model and the callbacks only before. */
	if (s->mx && !q->swinfo && r->err != MAD_ECANCELED) {
		if (r->err == MAD_OK)
			s->mx->lft_written++;
		else
			s->mx->lft_failed++;
	}
	if (r->err != MAD_OK) {
		/* Unknown now: rewritten next time. */
		if (q->swinfo)
			lft_top_forget(s->mem, q->guid);
		else
			lft_block_forget(s->mem, q->guid, q->block);
		if (!s->canceled) {
			s->failed++;
			s->trouble(s->arg, q->port, q->swinfo ? "SwitchInfo Set failed" :
								"forwarding table Set failed");
		}
	} else if (!q->swinfo) {
		lft_block_done(s->mem, q->guid, q->block, q->data);
	} else if (!s->canceled && r->data) {
		/* The model holds what the switch now has (top written,
		 * PortStateChange cleared): a model copied for a quick sweep
		 * must not carry the values read before this Set. */
		memcpy(q->port->node->swinfo, r->data, 64);
	}
	free(q);
	s->pending--;
	if (!s->canceled)
		lftsync_pump(s);
	if (s->pending)
		return;
	if (!s->canceled) {
		lftsync_report(s);
		s->done(s->arg, s->sent, s->failed);
	}
	lftsync_free(s);
}

/* A -1 from the engine (closing) leaves the switch as the shadow says. */
static int lftsync_send(struct lftsync *s, struct fab_node *n, uint16_t attr, unsigned block,
			const uint8_t data[64])
{
	struct lft_req *q = xcalloc(1, sizeof(*q));

	q->s = s;
	q->port = &n->ports[0];
	q->guid = n->guid;
	q->swinfo = attr == IB_ATTR_SWITCH_INFO;
	q->block = block;
	memcpy(q->data, data, 64);
	struct smp_req rq = { .dr = &n->ports[0].path, .method = IB_MAD_METHOD_SET, .attr = attr,
			      .mod = block, .data = q->data, .timeout_ms = -1, .retries = -1 };
	if (mad_smp(s->mad, &rq, lftsync_reply, q) < 0) {
		free(q);
		s->refused++;
		return -1;
	}
	s->pending++;
	s->sent++;
	s->blocks += !q->swinfo;
	return 0;
}

/* SwitchInfo: LinearFDBTop, and PortStateChange cleared by writing back the
 * 1 we read. Built from the fresh Get, so LifeTime and the rest stay. */
static void lftsync_swinfo(struct lftsync *s, struct fab_node *n, uint16_t top)
{
	uint8_t si[64];
	unsigned cur = mad_get_field(n->swinfo, 0, IB_SW_LINEAR_FDB_TOP_F);
	unsigned psc = mad_get_field(n->swinfo, 0, IB_SW_STATE_CHANGE_F);

	if (cur == top && !psc)
		return;
	memcpy(si, n->swinfo, 64);
	mad_set_field(si, 0, IB_SW_LINEAR_FDB_TOP_F, top);
	/* Not the multicast top read at discovery: one raised since stays. */
	uint16_t mtop = mft_top_written(s->mft, n->guid);
	if (mtop && mtop != MFT_TOP_REFUSED)
		mad_set_field(si, 0, IB_SW_MCAST_FDB_TOP_F, mtop);
	lftsync_send(s, n, IB_ATTR_SWITCH_INFO, 0, si);
}

/* Readies switch i's shadow and counts the blocks it needs (s->blocks);
 * lftsync_pump sends them. */
static void lftsync_switch(struct lftsync *s, unsigned i, const struct fabric *prev)
{
	const struct lft_plan *plan = &s->plan;
	struct fab_node *n = plan->sw[i];
	uint8_t blk[LFT_BLOCK];

	if (!n->have_swinfo) {
		s->refused++;  /* routed around nothing: programmed next sweep */
		return;
	}
	uint16_t top = lft_top(n, plan->g.max_lid);
	uint16_t cur = (uint16_t)mad_get_field(n->swinfo, 0, IB_SW_LINEAR_FDB_TOP_F);
	struct lft_shadow *sh = lft_shadow_prepare(s->mem, n->guid, top, cur,
						   prev && fab_node_by_guid(prev, n->guid));
	s->swinfo_due[i] = 1;
	for (unsigned b = 0; b <= top / LFT_BLOCK; b++) {
		lft_block(plan, i, top, b, blk);
		s->blocks += s->all || lft_block_differs(sh, b, blk);
	}
}

/* Keeps up to LFTSYNC_AHEAD Sets with the engine: per switch its
 * SwitchInfo, then the blocks that differ from its shadow (a block written
 * by this very sync no longer differs: each goes once). */
static void lftsync_pump(struct lftsync *s)
{
	const struct lft_plan *plan = &s->plan;
	uint8_t blk[LFT_BLOCK];

	while (s->pending < LFTSYNC_AHEAD && s->next_sw < plan->g.nsw) {
		unsigned i = s->next_sw, b = s->next_block;
		struct fab_node *n = plan->sw[i];
		uint16_t top = lft_top(n, plan->g.max_lid);
		struct lft_shadow *sh;

		if (s->swinfo_due[i]) {
			s->swinfo_due[i] = 0;
			lftsync_swinfo(s, n, top);
			continue;
		}
		if (!n->have_swinfo || b > top / LFT_BLOCK) {
			s->next_sw++;
			s->next_block = 0;
			continue;
		}
		s->next_block++;
		sh = lft_shadow_get(s->mem, n->guid, (uint16_t)(top / LFT_BLOCK + 1));
		lft_block(plan, i, top, b, blk);
		if (s->all || lft_block_differs(sh, b, blk))
			lftsync_send(s, n, IB_ATTR_LINEARFORWTBL, b, blk);
	}
}

/* Entries whose port differs from what the switch is known to hold (the
 * memory, before this plan touches it), and on how many switches. */
static void lftsync_moved(struct lftsync *s, const struct lft_plan *plan)
{
	for (unsigned i = 0; i < plan->g.nsw; i++) {
		const struct lft_shadow *sh = hmap_get(&s->mem->by_guid, plan->sw[i]->guid);
		const uint8_t *want = plan->t.lft[i];
		unsigned before = s->moved;

		for (unsigned b = 0; sh && b < sh->nblocks; b++) {
			const uint8_t *have = sh->data + (size_t)b * LFT_BLOCK;

			if (!sh->valid[b])
				continue;
			for (unsigned k = 0; k < LFT_BLOCK; k++) {
				unsigned lid = b * LFT_BLOCK + k;

				if (lid && lid <= sh->top && have[k] != RT_NO_PORT &&
				    have[k] != (lid <= plan->t.max_lid ? want[lid] : RT_NO_PORT))
					s->moved++;
			}
		}
		s->moved_sw += s->moved != before;
	}
}

/* Why this re-route: the topology's change since the last sweep. */
static void lftsync_why(struct lftsync *s, const struct lftsync_params *p)
{
	struct fdiff d;

	if (p->rebalance) {
		snprintf(s->why, sizeof(s->why), "rebalance");
	} else if (!p->prev) {
		snprintf(s->why, sizeof(s->why), "first sweep");
	} else {
		fdiff_compare(p->prev, p->fab, &d);
		fdiff_describe(&d, s->why, sizeof(s->why));
	}
}

struct lftsync *lftsync_start(const struct lftsync_params *p, unsigned *failed)
{
	struct lftsync *s = xcalloc(1, sizeof(*s));
	struct timespec t0;

	s->mad = p->mad;
	s->mem = p->lfts;
	s->mft = p->mft;
	s->trouble = p->trouble;
	s->done = p->done;
	s->arg = p->arg;
	s->mx = p->mx;
	s->report = p->report;
	s->all = p->lfts->rewrite;
	p->lfts->rewrite = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->t0 = t0;
	if (lft_plan_build(&s->plan, p->fab, p->engine, p->roots, p->nroots,
			   p->rebalance ? NULL : p->lfts) < 0) {
		log_err("routing failed; forwarding tables left as they are");
		s->refused++;
		/* Still clear PortStateChange, or every light sweep ends heavy. */
		for (struct fab_node *n = p->fab->nodes; n; n = n->next)
			if (fab_is_switch(n) && n->have_swinfo)
				lftsync_swinfo(s, n, (uint16_t)mad_get_field(n->swinfo, 0,
									   IB_SW_LINEAR_FDB_TOP_F));
	} else if (s->plan.g.nsw) {
		lftsync_moved(s, &s->plan);
		lftsync_why(s, p);
		if (s->all) {
			size_t n = strlen(s->why);
			snprintf(s->why + n, sizeof(s->why) - n, "%s",
				 n + 40 < sizeof(s->why) ? " (forced: every block written again)" : "");
		}
		lft_order_remember(s->mem, &s->plan);
		lft_plan_drop_hints(&s->plan);
		s->swinfo_due = xcalloc(s->plan.g.nsw, 1);
		for (unsigned i = 0; i < s->plan.g.nsw; i++)
			lftsync_switch(s, i, p->prev);
		log_info("routing: %s for %u LIDs over %u switches in %.1f ms%s, %u entries changed, "
			 "%u LFT blocks to write", rt_engine_name(s->plan.used), s->plan.g.ndest,
			 s->plan.g.nsw, log_ms_since(&t0), p->rebalance ? " (rebalanced)" : "",
			 s->moved, s->blocks);
		s->blocks = 0;          /* from now on: sent */
		lftsync_pump(s);
	}
	*failed = s->refused;
	if (!s->pending) {
		/* Nothing to write, but the topology changed (a node replaced
		 * under the same LID, a cable no route used): still said once. */
		if (s->plan.g.nsw && !s->all && strcmp(s->why, "first sweep") &&
		    strcmp(s->why, "no change in the topology") && strcmp(s->why, "rebalance"))
			log_notice("routing: %s: no forwarding table changed", s->why);
		lftsync_free(s);
		return NULL;
	}
	return s;
}

void lftsync_cancel(struct lftsync *s)
{
	if (s)
		s->canceled = 1;
}
