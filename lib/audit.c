#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/mad.h>
#include "audit.h"
#include "link.h"
#include "log.h"
#include "xalloc.h"

#define AUDIT_AHEAD 256       /* the forced pass's requests with the engine at once */
#define AUDIT_WATCH_MAX 256   /* lost links watched; the oldest goes first */

enum aq_kind {
	AQ_PORT,      /* PortInfo of a port smd configured */
	AQ_FAR,       /* its switch's port, the port not answering */
	AQ_WATCH,     /* a switch port whose link a sweep lost */
	AQ_LFT,       /* an LFT block the shadow holds */
	AQ_LFT_SET,   /* that block written again */
	AQ_ENABLE,    /* a Disabled port set to Polling */
	AQ_MFT,       /* an MFT block (32 MLIDs, 16 ports) the shadow holds */
	AQ_MFT_SET,   /* that block written again */
};

/* A switch port whose link was lost: is it Disabled? */
struct watch {
	uint64_t sw_guid;
	uint8_t port;
	int said;                 /* left disabled (reenable off), or failed: said once */
	int up_asked;             /* found up with no sweep seeing it: one sweep asked */
	char sw_name[96];         /* "leaf0 (GUID 0x...)" */
	char far[128];            /* "host h5 (GUID 0x..., LID 7)" */
};

struct audit {
	struct mad_engine *mad;
	struct lft_memory *lfts;
	struct mft_memory *mfts;
	int mcast_busy;           /* multicast tables being written: not read */
	unsigned mcast_epoch;
	struct trouble *trouble;
	audit_sweep_fn cb;
	void *arg;
	const struct fabric *fab;
	unsigned budget;
	int reenable;
	struct link_mkey mkey;    /* written by a re-enabling Set, as by every Set */
	unsigned epoch;           /* bumped when the model changes or a sweep starts */
	unsigned pending;         /* every request out */
	int dead;
	/* the rolling audit */
	unsigned cur_node, cur_sub;
	unsigned slice_pending;
	int drift;                /* this slice found ports for a heavy sweep */
	char why[200];
	unsigned round_reads, round_steps;
	struct timespec slice_t0;
	double slice_max_ms;      /* the round's slowest slice, sent to last reply */
	int round_over;           /* said when the slice that ended it is in */
	unsigned said_reads, said_steps;
	/* the forced pass */
	int pass;
	const struct fab_node *pass_n;
	unsigned pass_b, pass_pending, pass_read, pass_diff;
	struct timespec pass_t0;
	audit_pass_fn pass_cb;
	void *pass_arg;
	struct watch *w;
	unsigned nw;
};

struct aq {
	struct audit *a;
	enum aq_kind kind;
	unsigned epoch, mcast_epoch;
	int slice, pass;          /* counted in the slice, the pass */
	uint64_t guid;            /* the node */
	uint8_t port;             /* AQ_MFT*: the position (16 ports each) */
	unsigned block;           /* LFT/MFT block; AQ_WATCH/AQ_ENABLE: watch index */
	uint8_t data[64];
};

/* ---- pure ---------------------------------------------------------------- */

int audit_portinfo_drift(const uint8_t info[64], uint16_t lid, uint16_t sm_lid, int switch_port0,
			 char *buf, size_t len)
{
	void *pi = smp_ro(info);
	unsigned have_lid = mad_get_field(pi, 0, IB_PORT_LID_F);
	unsigned have_sm = mad_get_field(pi, 0, IB_PORT_SMLID_F);
	unsigned lmc = mad_get_field(pi, 0, IB_PORT_LMC_F);
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) (n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))
	if (lid && have_lid != lid)
		ADD("%sLID %u instead of %u", n ? ", " : "", have_lid, lid);
	if (have_sm != sm_lid)
		ADD("%sSM LID %u instead of %u", n ? ", " : "", have_sm, sm_lid);
	if (!switch_port0 && lmc)
		ADD("%sLMC %u instead of 0", n ? ", " : "", lmc);
#undef ADD
	return n != 0;
}

unsigned audit_lft_drift(const uint8_t have[LFT_BLOCK], const uint8_t want[LFT_BLOCK],
			 uint8_t idx[LFT_BLOCK])
{
	unsigned n = 0;

	for (unsigned k = 0; k < LFT_BLOCK; k++)
		if (have[k] != want[k])
			idx[n++] = (uint8_t)k;
	return n;
}

/* ---- names --------------------------------------------------------------- */

static const char *node_name(const struct fab_node *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s (GUID 0x%016" PRIx64 ")", n->desc[0] ? n->desc : "?", n->guid);
	return buf;
}

/* "host h5 port 1 (GUID 0x..., LID 7)" or "switch leaf1 (GUID 0x..., LID 3)" */
static const char *port_name(const struct fab_port *p, char *buf, size_t len)
{
	const struct fab_node *n = p->node;

	if (fab_is_switch(n))
		snprintf(buf, len, "switch %s (GUID 0x%016" PRIx64 ", LID %u)", n->desc, n->guid,
			 fab_port_lid(&n->ports[0]));
	else
		snprintf(buf, len, "host %s port %u (GUID 0x%016" PRIx64 ", LID %u)", n->desc,
			 p->num, p->guid, fab_port_lid(p));
	return buf;
}

/* ---- requests ------------------------------------------------------------ */

static void aq_reply(void *arg, const struct mad_reply *r);

static int aq_send(struct audit *a, const struct aq *tmpl, const struct dr_path *dr, uint8_t method,
		   uint16_t attr, uint32_t mod)
{
	struct aq *q = xmalloc(sizeof(*q));

	*q = *tmpl;
	q->a = a;
	q->epoch = a->epoch;
	q->mcast_epoch = a->mcast_epoch;
	struct smp_req rq = { .dr = dr, .method = method, .attr = attr, .mod = mod,
			      .data = method == IB_MAD_METHOD_SET ? q->data : NULL,
			      .timeout_ms = -1, .retries = -1 };
	if (mad_smp(a->mad, &rq, aq_reply, q) < 0) {
		free(q);
		return -1;
	}
	a->pending++;
	a->slice_pending += (unsigned)q->slice;
	a->pass_pending += (unsigned)q->pass;
	return 0;
}

/* ---- lost links ---------------------------------------------------------- */

static void watch_drop(struct audit *a, unsigned i)
{
	memmove(&a->w[i], &a->w[i + 1], (a->nw - i - 1) * sizeof(a->w[0]));
	a->nw--;
}

static int watch_find(const struct audit *a, uint64_t sw_guid, uint8_t port)
{
	for (unsigned i = 0; i < a->nw; i++)
		if (a->w[i].sw_guid == sw_guid && a->w[i].port == port)
			return (int)i;
	return -1;
}

/* Watch switch port sp (linked to far until now). */
static int watch_add(struct audit *a, const struct fab_port *sp, const struct fab_port *far)
{
	int i = watch_find(a, sp->node->guid, sp->num);

	if (i >= 0)
		return i;
	if (a->nw == AUDIT_WATCH_MAX)
		watch_drop(a, 0);
	if (!a->w)
		a->w = xcalloc(AUDIT_WATCH_MAX, sizeof(a->w[0]));
	struct watch *w = &a->w[a->nw];
	memset(w, 0, sizeof(*w));
	w->sw_guid = sp->node->guid;
	w->port = sp->num;
	node_name(sp->node, w->sw_name, sizeof(w->sw_name));
	port_name(fab_is_switch(far->node) ? &far->node->ports[0] : far, w->far, sizeof(w->far));
	return (int)a->nw++;
}

/* Watched port i reads Disabled (info: its fresh Get, on switch sw). */
static void watch_disabled(struct audit *a, unsigned i, const struct fab_node *sw,
			   const uint8_t info[64])
{
	struct watch *w = &a->w[i];

	if (!a->reenable) {
		if (!w->said)
			log_notice("audit: port %u of switch %s is disabled: %s cut off; left so "
				   "(reenable_ports = no)", w->port, w->sw_name, w->far);
		w->said = 1;
		return;
	}
	struct aq q = { .kind = AQ_ENABLE, .guid = w->sw_guid, .port = w->port, .block = i };
	/* Only the physical state moves (Polling: the link trains again);
	 * every other field is echoed or "no change". */
	link_build_state_set(q.data, info, PORT_NOP, &a->mkey);
	mad_set_field(q.data, 0, IB_PORT_PHYS_STATE_F, PHYS_POLLING);
	if (aq_send(a, &q, &sw->ports[0].path, IB_MAD_METHOD_SET, IB_ATTR_PORT_INFO, w->port) < 0)
		return;
}

static void watch_enabled(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	if ((unsigned)q->block >= a->nw || a->w[q->block].sw_guid != q->guid ||
	    a->w[q->block].port != q->port)
		return;
	struct watch *w = &a->w[q->block];
	if (r->err == MAD_OK) {
		log_notice("audit: port %u of switch %s was disabled behind our back: %s cut off; "
			   "re-enabled", w->port, w->sw_name, w->far);
		w->said = 0;
	} else if (!w->said) {
		log_warnx("audit: port %u of switch %s was disabled behind our back: %s cut off; "
			  "enabling it failed, tried again at the next light sweep", w->port,
			  w->sw_name, w->far);
		w->said = 1;
	}
}

unsigned audit_model(struct audit *a, const struct fabric *prev, const struct fabric *f)
{
	unsigned added = 0;

	a->epoch++;
	a->fab = f;
	a->pass_n = NULL;
	if (!f) {
		a->nw = 0;
		return 0;
	}
	/* The watch ends where the switch went or the link is back. */
	for (unsigned i = a->nw; i-- > 0;) {
		const struct fab_node *sw = fab_node_by_guid(f, a->w[i].sw_guid);
		if (!sw || a->w[i].port > sw->nports || sw->ports[a->w[i].port].remote)
			watch_drop(a, i);
	}
	for (const struct fab_node *n = prev ? prev->nodes : NULL; n; n = n->next) {
		if (!fab_is_switch(n))
			continue;
		const struct fab_node *now = fab_node_by_guid(f, n->guid);
		for (unsigned k = 1; now && k <= n->nports && k <= now->nports; k++)
			if (n->ports[k].remote && !now->ports[k].remote) {
				unsigned before = a->nw;
				watch_add(a, &n->ports[k], n->ports[k].remote);
				added += a->nw != before;
			}
	}
	return added;
}

void audit_mcast_busy(struct audit *a, int busy)
{
	a->mcast_busy = busy;
	a->mcast_epoch++;
}

void audit_hold(struct audit *a)
{
	a->epoch++;
	a->pass_n = NULL;
}

/* ---- judging ------------------------------------------------------------- */

static void judge_port(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	const struct fab_node *n = fab_node_by_guid(a->fab, q->guid);
	char who[160], what[120], other[160];

	if (!n || q->port > n->nports)
		return;
	const struct fab_port *p = &n->ports[q->port];
	if (r->err != MAD_OK) {
		/* Silent: did a node Disable the switch port in front of it? */
		const struct fab_port *sp = p->remote;
		if (!fab_is_switch(n) && sp && fab_is_switch(sp->node)) {
			struct aq f = { .kind = AQ_FAR, .slice = q->slice, .guid = sp->node->guid,
					.port = sp->num };
			aq_send(a, &f, &sp->node->ports[0].path, IB_MAD_METHOD_GET, IB_ATTR_PORT_INFO,
				sp->num);
		}
		return;
	}
	uint16_t sm_lid = fab_port_lid(fab_lid_port(a->fab->local));
	if (!audit_portinfo_drift(r->data, p->lid, sm_lid, fab_is_switch(n), what, sizeof(what)))
		return;
	unsigned have = mad_get_field(smp_ro(r->data), 0, IB_PORT_LID_F);
	const struct fab_port *owner = have != p->lid ? fab_port_by_lid(a->fab, (uint16_t)have) : NULL;
	other[0] = '\0';
	if (owner && fab_lid_port((struct fab_port *)owner) != p) {
		char on[160];
		snprintf(other, sizeof(other), " (the LID of %.140s)", port_name(owner, on, sizeof(on)));
	}
	port_name(p, who, sizeof(who));
	log_notice("audit: %s changed behind our back: %s%s; configured again by a heavy sweep", who,
		   what, other);
	if (!a->drift)
		snprintf(a->why, sizeof(a->why), "audit: %s changed behind our back", who);
	a->drift = 1;
}

static void judge_far(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	const struct fab_node *sw = fab_node_by_guid(a->fab, q->guid);

	if (r->err != MAD_OK || !sw || q->port > sw->nports || !sw->ports[q->port].remote ||
	    mad_get_field(smp_ro(r->data), 0, IB_PORT_PHYS_STATE_F) != PHYS_DISABLED)
		return;
	int i = watch_find(a, sw->guid, q->port);
	if (i < 0)
		i = watch_add(a, &sw->ports[q->port], sw->ports[q->port].remote);
	watch_disabled(a, (unsigned)i, sw, r->data);
}

static void judge_watch(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	const struct fab_node *sw = fab_node_by_guid(a->fab, q->guid);
	unsigned i = q->block;

	if (r->err != MAD_OK || !sw || i >= a->nw || a->w[i].sw_guid != q->guid ||
	    a->w[i].port != q->port)
		return;
	unsigned phys = mad_get_field(smp_ro(r->data), 0, IB_PORT_PHYS_STATE_F);
	if (phys == PHYS_DISABLED) {
		watch_disabled(a, i, sw, r->data);
		return;
	}
	if (!a->reenable)
		a->w[i].said = 0;  /* enabled by someone: a new disable is news */
	if (phys != PHYS_LINKUP) {
		a->w[i].up_asked = 0;
		return;
	}
	/* Up, and no sweep has put it back in the model: its trap was lost
	 * (or ignored) and its PortStateChange cleared. Once per episode. */
	if (a->w[i].up_asked)
		return;
	a->w[i].up_asked = 1;
	log_info("audit: port %u of switch %s is up again, no sweep saw it", a->w[i].port,
		 a->w[i].sw_name);
	if (!a->drift)
		snprintf(a->why, sizeof(a->why), "audit: port %u of switch %.100s is up again",
			 a->w[i].port, a->w[i].sw_name);
	a->drift = 1;
}

static void judge_lft(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	const struct lft_shadow *sh = hmap_get(&a->lfts->by_guid, q->guid);
	const struct fab_node *sw = fab_node_by_guid(a->fab, q->guid);
	uint8_t idx[LFT_BLOCK];
	char name[96], list[400];

	if (r->err != MAD_OK || !sh || !sw || q->block >= sh->nblocks || !sh->valid[q->block])
		return;
	a->pass_read += (unsigned)q->pass;
	const uint8_t *want = sh->data + (size_t)q->block * LFT_BLOCK;
	unsigned nd = audit_lft_drift(r->data, want, idx);
	if (!nd)
		return;
	a->pass_diff += (unsigned)q->pass;
	size_t n = 0;
	list[0] = '\0';
	for (unsigned k = 0; k < nd && k < 4; k++) {
		unsigned lid = q->block * LFT_BLOCK + idx[k];
		const struct fab_port *dst = fab_port_by_lid(a->fab, (uint16_t)lid);
		char dn[160];
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0,
				      "%sLID %u%s%s%s to port %u instead of %u", k ? "; " : "", lid,
				      dst ? " (" : "", dst ? port_name(dst, dn, sizeof(dn)) : "",
				      dst ? ")" : "", r->data[idx[k]], want[idx[k]]);
	}
	log_notice("audit: switch %s forwards %u LID%s otherwise than smd wrote: %s%s; block %u "
		   "written again", node_name(sw, name, sizeof(name)), nd, nd == 1 ? "" : "s", list,
		   nd > 4 ? " ..." : "", q->block);
	struct aq s = { .kind = AQ_LFT_SET, .slice = q->slice, .pass = q->pass, .guid = q->guid,
			.block = q->block };
	memcpy(s.data, want, LFT_BLOCK);
	aq_send(a, &s, &sw->ports[0].path, IB_MAD_METHOD_SET, IB_ATTR_LINEARFORWTBL, q->block);
}

/* The shadow's masks of MFT block b, position pos; NULL when not known. */
static const uint16_t *mft_known(const struct audit *a, uint64_t guid, unsigned b, unsigned pos,
				 uint16_t out[MFT_BLOCK])
{
	const struct mft_shadow *sh = hmap_get(&a->mfts->by_guid, guid);

	if (!sh || b >= sh->nblocks || pos >= sh->npos || !sh->known[b * sh->npos + pos])
		return NULL;
	for (unsigned e = 0; e < MFT_BLOCK; e++)
		out[e] = sh->mask[((size_t)b * MFT_BLOCK + e) * sh->npos + pos];
	return out;
}

static void judge_mft(struct audit *a, const struct aq *q, const struct mad_reply *r)
{
	const struct fab_node *sw = fab_node_by_guid(a->fab, q->guid);
	uint16_t want[MFT_BLOCK];
	char name[96], list[300];
	unsigned nd = 0;
	size_t n = 0;

	if (r->err != MAD_OK || !sw || a->mcast_busy || q->mcast_epoch != a->mcast_epoch ||
	    !mft_known(a, q->guid, q->block, q->port, want))
		return;
	a->pass_read += (unsigned)q->pass;
	list[0] = '\0';
	for (unsigned e = 0; e < MFT_BLOCK; e++) {
		unsigned have = (unsigned)r->data[2 * e] << 8 | r->data[2 * e + 1];
		if (have == want[e])
			continue;
		if (nd++ < 4)
			n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0,
					      "%sMLID 0x%04x to ports 0x%04x instead of 0x%04x",
					      nd > 1 ? "; " : "", 0xC000 + q->block * MFT_BLOCK + e, have,
					      want[e]);
	}
	if (!nd)
		return;
	a->pass_diff += (unsigned)q->pass;
	log_notice("audit: switch %s forwards %u multicast LID%s otherwise than smd wrote: %s%s "
		   "(ports %u-%u); block %u written again", node_name(sw, name, sizeof(name)), nd,
		   nd == 1 ? "" : "s", list, nd > 4 ? " ..." : "", q->port * MFT_POS_PORTS,
		   q->port * MFT_POS_PORTS + MFT_POS_PORTS - 1, q->block);
	struct aq s = { .kind = AQ_MFT_SET, .slice = q->slice, .pass = q->pass, .guid = q->guid,
			.port = q->port, .block = q->block };
	for (unsigned e = 0; e < MFT_BLOCK; e++) {
		s.data[2 * e] = (uint8_t)(want[e] >> 8);
		s.data[2 * e + 1] = (uint8_t)want[e];
	}
	aq_send(a, &s, &sw->ports[0].path, IB_MAD_METHOD_SET, IB_ATTR_MULTICASTFORWTBL,
		(uint32_t)q->port << 28 | q->block);
}

/* Per switch, the blocks the audit reads: LFT blocks, then MFT (block,
 * position) pairs; sub counts from 0 over both. 0 when sub is past them. */
static int table_item(const struct audit *a, const struct fab_node *n, unsigned sub,
		      struct aq *q)
{
	const struct lft_shadow *lsh = hmap_get(&a->lfts->by_guid, n->guid);
	unsigned nl = lsh ? lsh->nblocks : 0;

	if (sub < nl) {
		if (!lsh->valid[sub])
			return -1;
		q->kind = AQ_LFT;
		q->block = sub;
		return 1;
	}
	sub -= nl;
	const struct mft_shadow *msh = hmap_get(&a->mfts->by_guid, n->guid);
	if (!msh || sub >= (unsigned)msh->nblocks * msh->npos)
		return 0;
	if (a->mcast_busy || !msh->known[sub])
		return -1;
	q->kind = AQ_MFT;
	q->block = sub / msh->npos;
	q->port = (uint8_t)(sub % msh->npos);
	return 1;
}

static int table_send(struct audit *a, const struct fab_node *n, struct aq *q)
{
	uint32_t mod = q->kind == AQ_LFT ? q->block : (uint32_t)q->port << 28 | q->block;

	return aq_send(a, q, &n->ports[0].path, IB_MAD_METHOD_GET,
		       q->kind == AQ_LFT ? IB_ATTR_LINEARFORWTBL : IB_ATTR_MULTICASTFORWTBL, mod);
}

/* ---- the forced pass ----------------------------------------------------- */

static void pass_pump(struct audit *a)
{
	while (a->pass_n && a->pass_pending < AUDIT_AHEAD) {
		const struct fab_node *n = a->pass_n;
		struct aq q = { .pass = 1, .guid = n->guid };
		int k = fab_is_switch(n) ? table_item(a, n, a->pass_b++, &q) : 0;
		if (!k) {
			a->pass_n = n->next;
			a->pass_b = 0;
		} else if (k > 0) {
			table_send(a, n, &q);
		}
	}
}

static int pass_over(struct audit *a)
{
	if (!a->pass || a->pass_n || a->pass_pending)
		return 0;
	a->pass = 0;
	a->pass_cb(a->pass_arg, a->pass_read, a->pass_diff, log_ms_since(&a->pass_t0));
	return 1;
}

int audit_lft_pass(struct audit *a, audit_pass_fn cb, void *arg)
{
	if (a->pass)
		return 0;  /* the pass under way ends with its own callback */
	if (!a->fab)
		return -1;
	a->pass = 1;
	a->pass_n = a->fab->nodes;
	a->pass_b = 0;
	a->pass_read = a->pass_diff = 0;
	a->pass_cb = cb;
	a->pass_arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &a->pass_t0);
	pass_pump(a);
	if (!a->pass_pending) {  /* nothing to read: no callback */
		a->pass = 0;
		return -1;
	}
	return 0;
}

/* ---- replies ------------------------------------------------------------- */

/* A slice's last reply is in (or it sent nothing): its time counts; the
 * round it ended is said, with its slowest slice. */
static void slice_over(struct audit *a)
{
	double ms = log_ms_since(&a->slice_t0);

	if (ms > a->slice_max_ms)
		a->slice_max_ms = ms;
	if (!a->round_over)
		return;
	log_info("audit: the whole fabric read back: %u reads over %u light sweep%s (a slice "
		 "took at most %.1f ms)", a->said_reads, a->said_steps, a->said_steps == 1 ? "" : "s",
		 a->slice_max_ms);
	a->round_over = 0;
	a->slice_max_ms = 0;
}

static void audit_release(struct audit *a)
{
	free(a->w);
	free(a);
}

static void aq_reply(void *arg, const struct mad_reply *r)
{
	struct aq *q = arg;
	struct audit *a = q->a;
	int judge = !a->dead && r->err != MAD_ECANCELED && q->epoch == a->epoch && a->fab;

	a->pending--;
	a->slice_pending -= (unsigned)q->slice;
	a->pass_pending -= (unsigned)q->pass;
	if (q->kind == AQ_MFT_SET && (r->err != MAD_OK || q->epoch != a->epoch ||
				      q->mcast_epoch != a->mcast_epoch)) {
		mft_block_forget(a->mfts, q->guid, q->block, q->port);
	} else if (q->kind == AQ_MFT_SET) {
		uint16_t m[MFT_BLOCK];
		const struct fab_node *sw = a->fab ? fab_node_by_guid(a->fab, q->guid) : NULL;
		for (unsigned e = 0; e < MFT_BLOCK; e++)
			m[e] = (uint16_t)(q->data[2 * e] << 8 | q->data[2 * e + 1]);
		if (sw)
			mft_block_done(a->mfts, q->guid, sw->nports, q->block, q->port, m);
		else
			mft_block_forget(a->mfts, q->guid, q->block, q->port);
	}
	if (q->kind == AQ_LFT_SET) {
		/* The shadow follows what the switch holds: a block written
		 * while a sweep began, or not written, is unknown (rewritten). */
		if (r->err == MAD_OK && q->epoch == a->epoch)
			lft_block_done(a->lfts, q->guid, q->block, q->data);
		else
			lft_block_forget(a->lfts, q->guid, q->block);
	}
	if (judge) {
		switch (q->kind) {
		case AQ_PORT: judge_port(a, q, r); break;
		case AQ_FAR: judge_far(a, q, r); break;
		case AQ_WATCH: judge_watch(a, q, r); break;
		case AQ_LFT: judge_lft(a, q, r); break;
		case AQ_ENABLE: watch_enabled(a, q, r); break;
		case AQ_MFT: judge_mft(a, q, r); break;
		case AQ_LFT_SET: case AQ_MFT_SET: break;
		}
	}
	int slice_end = q->slice && !a->slice_pending;
	int in_pass = q->pass;
	free(q);
	if (a->dead) {
		if (!a->pending)
			audit_release(a);
		return;
	}
	if (r->err == MAD_ECANCELED)
		return;  /* the engine is closing: nothing more to start or say */
	if (in_pass) {
		pass_pump(a);
		if (pass_over(a))
			return;  /* its callback may have started anything */
	}
	if (slice_end)
		slice_over(a);
	if (slice_end && a->drift) {
		a->drift = 0;
		a->cb(a->arg, a->why);
	}
}

/* ---- the rolling audit --------------------------------------------------- */

/* Items of node n: a CA's ports; a switch's port 0 then its shadows'
 * blocks (table_item). */
static unsigned node_items(const struct audit *a, const struct fab_node *n)
{
	if (!fab_is_switch(n))
		return n->nports;
	const struct lft_shadow *l = hmap_get(&a->lfts->by_guid, n->guid);
	const struct mft_shadow *m = hmap_get(&a->mfts->by_guid, n->guid);
	return 1 + (l ? l->nblocks : 0) + (m ? (unsigned)m->nblocks * m->npos : 0);
}

/* 1 when a read went out. */
static int item_send(struct audit *a, const struct fab_node *n, unsigned sub)
{
	struct aq q = { .slice = 1, .guid = n->guid };

	if (fab_is_switch(n) && sub > 0)
		return table_item(a, n, sub - 1, &q) > 0 && table_send(a, n, &q) == 0;
	const struct fab_port *p = &n->ports[fab_is_switch(n) ? 0 : sub + 1];
	if (!p->have_info || (!fab_is_switch(n) && !fab_port_linked(p)) ||
	    trb_find(a->trouble, n->guid, p->num))
		return 0;  /* never configured, or known trouble: the sweeps' business */
	q.kind = AQ_PORT;
	q.port = p->num;
	return aq_send(a, &q, &p->path, IB_MAD_METHOD_GET, IB_ATTR_PORT_INFO, p->num) == 0;
}

static unsigned watch_step(struct audit *a)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < a->nw; i++) {
		const struct fab_node *sw = fab_node_by_guid(a->fab, a->w[i].sw_guid);
		struct aq q = { .kind = AQ_WATCH, .slice = 1, .guid = a->w[i].sw_guid,
				.port = a->w[i].port, .block = i };
		if (sw && aq_send(a, &q, &sw->ports[0].path, IB_MAD_METHOD_GET, IB_ATTR_PORT_INFO,
				  q.port) == 0)
			sent++;
	}
	return sent;
}

unsigned audit_step(struct audit *a)
{
	if (!a->fab || a->slice_pending || a->dead)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &a->slice_t0);
	unsigned sent = watch_step(a);
	if (!a->budget)
		return sent;
	const struct fab_node *n = a->fab->nodes;
	for (unsigned i = 0; n && i < a->cur_node; i++)
		n = n->next;
	unsigned round = 0;
	while (sent < a->budget) {
		if (!n) {
			/* Round over; the next slice starts the next one. */
			a->round_over = 1;
			a->said_reads = a->round_reads + round;
			a->said_steps = a->round_steps + (round ? 1 : 0);
			a->round_reads = a->round_steps = 0;
			a->cur_node = a->cur_sub = 0;
			if (!a->slice_pending)
				slice_over(a);
			return sent;
		}
		if (a->cur_sub >= node_items(a, n)) {
			n = n->next;
			a->cur_node++;
			a->cur_sub = 0;
			continue;
		}
		int one = item_send(a, n, a->cur_sub++);
		sent += (unsigned)one;
		round += (unsigned)one;
	}
	a->round_reads += round;
	a->round_steps++;
	return sent;
}

/* ---- life ---------------------------------------------------------------- */

struct audit *audit_new(struct mad_engine *mad, struct lft_memory *lfts, struct mft_memory *mfts,
			struct trouble *trouble, audit_sweep_fn cb, void *arg)
{
	struct audit *a = xcalloc(1, sizeof(*a));

	a->mad = mad;
	a->lfts = lfts;
	a->mfts = mfts;
	a->trouble = trouble;
	a->cb = cb;
	a->arg = arg;
	return a;
}

void audit_configure(struct audit *a, unsigned budget, int reenable)
{
	a->budget = budget;
	a->reenable = reenable;
}

void audit_set_mkey(struct audit *a, const struct link_mkey *mk)
{
	a->mkey = *mk;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	a->dead = 1;
	a->fab = NULL;
	if (!a->pending)
		audit_release(a);
}
