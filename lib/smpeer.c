#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "log.h"
#include "smpeer.h"
#include "xalloc.h"

#define WAIT_POLL_MS 50

/* Trap 144 Notice data details (IBA 14.2.5.1): LID at byte 12, LocalChanges
 * in bit 0 of byte 15, CapabilityMask at 16, ChangeFlags at 20. libibmad
 * names the LID and mask but not the flags. */
#define N144_LOCAL_CHANGES_BYTE 15
#define N144_CHANGE_FLAGS_BYTE 20

void peer_sminfo_encode(uint8_t data[64], const struct sm_info *si)
{
	memset(data, 0, 64);
	mad_set_field64(data, 0, IB_SMINFO_GUID_F, si->guid);
	mad_set_field64(data, 0, IB_SMINFO_KEY_F, si->key);
	mad_set_field(data, 0, IB_SMINFO_ACT_F, si->act_count);
	mad_set_field(data, 0, IB_SMINFO_PRIO_F, si->priority);
	mad_set_field(data, 0, IB_SMINFO_STATE_F, si->state);
}

void peer_sminfo_decode(const uint8_t data[64], struct sm_info *si)
{
	si->guid = mad_get_field64(smp_ro(data), 0, IB_SMINFO_GUID_F);
	si->key = mad_get_field64(smp_ro(data), 0, IB_SMINFO_KEY_F);
	si->act_count = mad_get_field(smp_ro(data), 0, IB_SMINFO_ACT_F);
	si->priority = (uint8_t)mad_get_field(smp_ro(data), 0, IB_SMINFO_PRIO_F);
	si->state = (uint8_t)mad_get_field(smp_ro(data), 0, IB_SMINFO_STATE_F);
}

/* ---- one SM: SMInfo poll, node check ------------------------------------- */

struct poll_ctx {
	peer_poll_fn poll_cb;
	peer_probe_fn probe_cb;
	void *arg;
};

static void poll_reply(void *arg, const struct mad_reply *r)
{
	struct poll_ctx c = *(struct poll_ctx *)arg;
	struct sm_info si;

	free(arg);
	if (r->err == MAD_ECANCELED)
		return;
	if (r->err == MAD_OK) {
		peer_sminfo_decode(r->data, &si);
		c.poll_cb(c.arg, MW_ANSWERED, &si);
		return;
	}
	/* An error or undeliverable reply means no SM listens there any more;
	 * silence may only mean a busy one. */
	c.poll_cb(c.arg, r->err == MAD_ETIMEDOUT ? MW_TIMEOUT : MW_ERROR, NULL);
}

int peer_poll(struct mad_engine *mad, const struct sm_peer *p, unsigned timeout_ms,
	      peer_poll_fn cb, void *arg)
{
	struct poll_ctx *c = xmalloc(sizeof(*c));
	*c = (struct poll_ctx){ .poll_cb = cb, .arg = arg };
	struct smp_req q = { .dr = &p->path, .method = IB_MAD_METHOD_GET, .attr = IB_ATTR_SMINFO,
			     .timeout_ms = (int)timeout_ms, .retries = 0 };
	if (mad_smp(mad, &q, poll_reply, c) == 0)
		return 0;
	free(c);
	return -1;
}

static void probe_reply(void *arg, const struct mad_reply *r)
{
	struct poll_ctx c = *(struct poll_ctx *)arg;

	free(arg);
	if (r->err == MAD_ECANCELED)
		return;
	c.probe_cb(c.arg, r->err == MAD_OK ?
			  mad_get_field64(smp_ro(r->data), 0, IB_NODE_PORT_GUID_F) : 0);
}

int peer_probe(struct mad_engine *mad, const struct sm_peer *p, unsigned timeout_ms,
	       peer_probe_fn cb, void *arg)
{
	struct poll_ctx *c = xmalloc(sizeof(*c));
	*c = (struct poll_ctx){ .probe_cb = cb, .arg = arg };
	struct smp_req q = { .dr = &p->path, .method = IB_MAD_METHOD_GET,
			     .attr = IB_ATTR_NODE_INFO, .timeout_ms = (int)timeout_ms, .retries = 0 };
	if (mad_smp(mad, &q, probe_reply, c) == 0)
		return 0;
	free(c);
	return -1;
}

/* ---- operations ---------------------------------------------------------- */


struct peer_op {
	struct mad_engine *mad;
	unsigned pending;          /* MADs in flight */
	int canceled;              /* free when the last MAD returns, no callback */
	struct sm_peer *peers;     /* OP_QUERY: answers so far */
	unsigned npeers;
	peer_list_fn list_cb;
	peer_done_fn done_cb;
	void *arg;
	struct sm_peer to;         /* OP_HANDOVER, OP_WAIT */
	struct event *timer;       /* OP_WAIT */
	unsigned left_ms;
};

struct query_ctx {                 /* one SMInfo Get of OP_QUERY */
	struct peer_op *op;
	struct sm_peer peer;
};

static struct peer_op *op_new(struct mad_engine *mad, void *arg)
{
	struct peer_op *op = xcalloc(1, sizeof(*op));

	op->mad = mad;
	op->arg = arg;
	return op;
}

static void op_free(struct peer_op *op)
{
	if (op->timer)
		event_free(op->timer);
	free(op->peers);
	free(op);
}

void peer_op_cancel(struct peer_op *op)
{
	if (!op)
		return;
	if (op->timer)
		evtimer_del(op->timer);
	if (op->pending)
		op->canceled = 1;
	else
		op_free(op);
}

/* A MAD of op came back: 1 when op was canceled meanwhile (and is freed). */
static int op_returned(struct peer_op *op)
{
	op->pending--;
	if (!op->canceled)
		return 0;
	if (!op->pending)
		op_free(op);
	return 1;
}

static void query_reply(void *arg, const struct mad_reply *r)
{
	struct query_ctx *q = arg;
	struct peer_op *op = q->op;

	if (op_returned(op)) {
		free(q);
		return;
	}
	if (r->err == MAD_OK) {
		op->peers = xreallocarray(op->peers, op->npeers + 1, sizeof(*op->peers));
		peer_sminfo_decode(r->data, &q->peer.info);
		op->peers[op->npeers++] = q->peer;
	}
	free(q);
	if (!op->pending) {
		op->list_cb(op->arg, op->peers, op->npeers);
		op_free(op);
	}
}

struct peer_op *peer_query_all(struct mad_engine *mad, const struct fabric *f,
			       uint64_t skip, peer_list_fn cb, void *arg)
{
	struct peer_op *op = op_new(mad, arg);
	struct fab_port *own = f && f->local ? fab_lid_port(f->local) : NULL;

	op->list_cb = cb;
	if (f) {
		FOR_LID_PORTS(f, n, p) {
			if (!p->is_sm || p == own || (skip && p->guid == skip))
				continue;
			struct query_ctx *q = xcalloc(1, sizeof(*q));
			q->op = op;
			q->peer.path = p->path;
			q->peer.port_guid = p->guid;
			q->peer.lid = fab_port_lid(p);
			struct smp_req rq = { .dr = &p->path, .method = IB_MAD_METHOD_GET,
					      .attr = IB_ATTR_SMINFO, .timeout_ms = -1, .retries = 1 };
			if (mad_smp(mad, &rq, query_reply, q) == 0)
				op->pending++;
			else
				free(q);
		}
	}
	if (!op->pending) {
		op_free(op);  /* nobody to ask (or the engine is closing) */
		return NULL;
	}
	return op;
}

/* A handover or a wait ends: tell the owner, then the op is gone. */
static void op_done(struct peer_op *op, enum elect_ho res)
{
	op->done_cb(op->arg, res);
	op_free(op);
}

static void handover_reply(void *arg, const struct mad_reply *r)
{
	struct peer_op *op = arg;

	if (op_returned(op))
		return;
	enum elect_ho res = r->err == MAD_OK ? HO_OK :
			     r->err == MAD_ESTATUS ? HO_REFUSED : HO_NO_ANSWER;
	op_done(op, res);
}

struct peer_op *peer_handover(struct mad_engine *mad, const struct sm_peer *to,
			      const struct sm_info *ours, peer_done_fn cb, void *arg)
{
	struct peer_op *op = op_new(mad, arg);
	uint8_t data[64];

	op->done_cb = cb;
	op->to = *to;
	peer_sminfo_encode(data, ours);
	struct smp_req rq = { .dr = &op->to.path, .method = IB_MAD_METHOD_SET,
			      .attr = IB_ATTR_SMINFO, .mod = SMINFO_HANDOVER, .data = data,
			      .timeout_ms = -1, .retries = -1 };
	if (mad_smp(mad, &rq, handover_reply, op) < 0) {
		free(op);
		return NULL;
	}
	op->pending = 1;
	return op;
}

static void wait_poll(evutil_socket_t fd, short what, void *arg);

static void wait_reply(void *arg, const struct mad_reply *r)
{
	struct peer_op *op = arg;
	struct sm_info si;

	if (op_returned(op))
		return;
	if (r->err == MAD_ECANCELED) {
		/* The engine is closing: never poll again. */
		op_done(op, HO_NOT_MASTER);
		return;
	}
	if (r->err == MAD_OK) {
		peer_sminfo_decode(r->data, &si);
		if (si.state == SM_MASTER) {
			op_done(op, HO_OK);
			return;
		}
	}
	if (op->left_ms < WAIT_POLL_MS) {
		op_done(op, HO_NOT_MASTER);
		return;
	}
	op->left_ms -= WAIT_POLL_MS;
	evtimer_add(op->timer, &(struct timeval){ .tv_usec = WAIT_POLL_MS * 1000 });
}

static void wait_poll(evutil_socket_t fd, short what, void *arg)
{
	struct peer_op *op = arg;
	(void)fd; (void)what;
	struct smp_req rq = { .dr = &op->to.path, .method = IB_MAD_METHOD_GET,
			      .attr = IB_ATTR_SMINFO, .timeout_ms = WAIT_POLL_MS, .retries = 0 };

	if (mad_smp(op->mad, &rq, wait_reply, op) == 0) {
		op->pending++;
		return;
	}
	/* The engine is closing: end here. */
	op_done(op, HO_NOT_MASTER);
}

struct peer_op *peer_wait_master(struct mad_engine *mad, struct event_base *base,
				 const struct sm_peer *p, unsigned limit_ms,
				 peer_done_fn cb, void *arg)
{
	struct peer_op *op = op_new(mad, arg);

	op->done_cb = cb;
	op->to = *p;
	op->left_ms = limit_ms;
	/* libevent fails here only for memory: fatal, like xalloc. */
	op->timer = evtimer_new(base, wait_poll, op);
	if (!op->timer)
		fatalx("out of memory (a timer)");
	evtimer_add(op->timer, &(struct timeval){ 0 });
	return op;
}

/* ---- trap 144 ------------------------------------------------------------ */

void peer_trap144_notice(uint8_t data[64], uint16_t our_lid, uint32_t capmask)
{
	memset(data, 0, 64);
	mad_set_field(data, 0, IB_NOTICE_IS_GENERIC_F, 1);
	mad_set_field(data, 0, IB_NOTICE_TYPE_F, 4);       /* informational */
	mad_set_field(data, 0, IB_NOTICE_PRODUCER_F, 1);   /* a CA */
	mad_set_field(data, 0, IB_NOTICE_TRAP_NUMBER_F, 144);
	mad_set_field(data, 0, IB_NOTICE_ISSUER_LID_F, our_lid);
	mad_set_field(data, 0, IB_NOTICE_DATA_144_LID_F, our_lid);
	mad_set_field(data, 0, IB_NOTICE_DATA_144_CAPMASK_F, capmask);
	data[N144_LOCAL_CHANGES_BYTE] = 0x01;
	data[N144_CHANGE_FLAGS_BYTE] = (uint8_t)(TRAP144_SM_PRIORITY >> 8);
	data[N144_CHANGE_FLAGS_BYTE + 1] = (uint8_t)TRAP144_SM_PRIORITY;
}

unsigned peer_trap144_flags(const uint8_t data[64])
{
	return (unsigned)data[N144_CHANGE_FLAGS_BYTE] << 8 | data[N144_CHANGE_FLAGS_BYTE + 1];
}

static void trap_reply(void *arg, const struct mad_reply *r)
{
	(void)arg;
	if (r->err != MAD_OK && r->err != MAD_ECANCELED)
		log_debug("trap 144 to the master could not be sent");
}

int peer_trap144(struct mad_engine *mad, uint16_t master_lid, uint16_t our_lid, uint32_t capmask)
{
	uint8_t data[64];

	peer_trap144_notice(data, our_lid, capmask);
	struct smp_req rq = { .dlid = master_lid, .method = IB_MAD_METHOD_TRAP,
			      .attr = IB_ATTR_NOTICE, .data = data, .timeout_ms = -1, .retries = 0 };
	return mad_smp(mad, &rq, trap_reply, NULL);
}
