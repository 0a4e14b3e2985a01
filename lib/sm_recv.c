/* sm_recv: what other nodes send the SM unasked: SMInfo Gets and Sets (the
 * election decides, elect.c), traps, SA requests (sa.c), and a status for
 * what is not served. */
#include <stdio.h>
#include <time.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "rank.h"
#include "sa.h"
#include "sm.h"


static void sm_respond(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from,
		       unsigned status, const uint8_t *data)
{
	smp_make_response(mad, status, data, data ? 64 : 0, SMP_DATA_OFFS);
	mad_send_response(sm->mad, mad, len, from);
}

/* Our SMInfo as the answer to an SMInfo Get or Set, with status; our
 * SM_Key only to a requester that holds the M_Key (when there is one). */
static void sm_respond_sminfo(struct sm *sm, uint8_t *mad, size_t len,
			      const struct mad_from *from, unsigned status)
{
	struct sm_info us;
	uint8_t data[64];

	elect_fill_info(&sm->el, &us);
	if (sm->cfg.m_key && smp_hdr_mkey(mad) != sm->cfg.m_key)
		us.key = 0;
	peer_sminfo_encode(data, &us);
	sm_respond(sm, mad, len, from, status, data);
}

/* Kinds of unsolicited input the rate limiter tells apart. */
enum { RL_SMINFO_REFUSED = 1, RL_TRAP128, RL_TRAP128_NOT_SWITCH, RL_TRAP144, RL_TRAP_OTHER,
       RL_SA_BUSY, RL_MKEY, RL_TRAP256, RL_TRAP144_NOTHING };

static double sm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether to log an event of this kind and source now (one line a
 * window): NULL not, else " (and N more like it before this line)" or "". */
static const char *sm_say(struct sm *sm, unsigned kind, uint64_t src, char *buf, size_t len)
{
	struct rl_verdict v = rl_event(&sm->rl_log, kind, src, sm_now());

	if (!v.log)
		return NULL;
	buf[0] = 0;
	if (v.unsaid)
		snprintf(buf, len, " (and %u more like it before this line)", v.unsaid);
	return buf;
}

/* With an M_Key, an SMInfo Set, or a Get at protect bits 2 and 3, that
 * does not carry it gets no answer, as from a port protected at that level
 * (IBA, OpenSM); a Get at 0 and 1 is answered without the SM_Key. 1 when
 * the MAD is to be dropped. */
static int sm_sminfo_mkey_drop(struct sm *sm, const uint8_t *mad, const struct mad_from *from)
{
	char more[64];
	const char *m;

	if (!sm->cfg.m_key || smp_hdr_mkey(mad) == sm->cfg.m_key)
		return 0;
	if (smp_hdr_method(mad) == IB_MAD_METHOD_GET && sm->cfg.m_key_protect_bits < 2)
		return 0;
	if ((m = sm_say(sm, RL_MKEY, mad_from_lid(from), more, sizeof(more))))
		log_warnx("dropping an SMInfo %s from LID %u: it does not carry our M_Key%s",
			  smp_hdr_method(mad) == IB_MAD_METHOD_GET ? "Get" : "Set",
			  mad_from_lid(from), m);
	return 1;
}

static void sm_sminfo_set(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sm_info them;
	int locate;
	char g[24], more[64];

	peer_sminfo_decode(smp_data(mad), &them);
	/* The commanding master's route, as the model has it. */
	struct fab_port *mp = sm->fab ? fab_port_by_guid(sm->fab, them.guid) : NULL;
	struct sm_peer where = { .info = them };
	if (mp) {
		where.path = mp->path;
		where.lid = fab_port_cur_lid(mp);
	}
	unsigned status = elect_sminfo_set(&sm->el, smp_hdr_mod(mad), &them, mp ? &where : NULL,
					   &locate);
	if (status) {
		/* one line per sending LID (the permissive LID for all directed
		 * routes: a GUID in the Set is the sender's to choose) and 10 s */
		const char *m = sm_say(sm, RL_SMINFO_REFUSED, mad_from_lid(from), more,
				       sizeof(more));
		if (m)
			log_warnx("refusing SMInfo Set %u from SM %s in state %s, LID %u: %s%s",
				  smp_hdr_mod(mad), rank_guid_str(them.guid, g),
				  elect_state_name(them.state), mad_from_lid(from),
				  them.key != sm->el.cfg.key ? "its SM_Key is not ours" :
							       "not from the right state", m);
	}
	if (locate && sm->el.state == SM_STANDBY)
		sm_force_sweep(sm);  /* a standby's look finds the master's route */
	sm_respond_sminfo(sm, mad, len, from, status);
}

/* Trap 128 comes from switches only (a port's state changed there): from
 * anything else it is ignored, and no switch may keep the master sweeping. */
static void sm_trap128(struct sm *sm, uint16_t src)
{
	const struct fab_port *p = sm->fab ? fab_port_by_lid(sm->fab, src) : NULL;
	const char *m;
	char more[64];

	if (!p || !fab_is_switch(p->node) || p->num != 0) {
		if ((m = sm_say(sm, RL_TRAP128_NOT_SWITCH, src, more, sizeof(more))))
			log_warnx("ignoring trap 128 from LID %u: only a switch sends it%s", src, m);
		return;
	}
	if (!rl_event(&sm->rl_act, RL_TRAP128, src, sm_now()).act) {
		if (sm_say(sm, RL_TRAP128, src, more, sizeof(more)))
			log_warnx("holding back traps 128 from %s (LID %u): more than %u in %.0f s; "
				  "the next light sweep looks at it once", p->node->desc, src,
				  sm->rl_act.cap, sm->rl_act.interval);
		if (sm_lid_note(sm->held_lids, &sm->nheld, src) < 0)
			sm->held_full = 1;
		return;
	}
	sm_request_quick(sm, src);
}

static void sm_lease_renewed(void *arg, const struct mad_reply *r)
{
	(void)arg;
	(void)r;  /* the Get itself was the point: a port that answers it is ours */
}

/* Trap 256, Bad M_Key: a port refused a request without our key, and its
 * lease (if any) now runs. A Get with the key stops it (IBA 14.2.4.2), so
 * the protection never lapses while smd lives, however seldom it sweeps
 * that port; said once a window per port. */
static void sm_trap256(struct sm *sm, const uint8_t *notice, uint16_t issuer)
{
	unsigned from = mad_get_field(smp_ro(notice), 0, IB_NOTICE_DATA_LID_F);
	/* DataDetails of 256: requester LID, DR SLID, then Method and AttributeID */
	unsigned method = notice[14], attr = (unsigned)notice[16] << 8 | notice[17];
	char more[64];
	const char *m;

	if ((m = sm_say(sm, RL_TRAP256, issuer, more, sizeof(more))))
		log_warnx("bad M_Key: the port at LID %u refused a request (method 0x%02x, attribute "
			  "0x%04x) from LID %u that did not carry its key%s", issuer, method, attr, from,
			  m);
	if (!sm->cfg.m_key || !sm->cfg.m_key_lease_period || !issuer || issuer >= 0xc000 ||
	    !rl_event(&sm->rl_act, RL_TRAP256, issuer, sm_now()).act)
		return;
	struct smp_req q = { .dlid = issuer, .method = IB_MAD_METHOD_GET,
			     .attr = IB_ATTR_PORT_INFO, .timeout_ms = -1, .retries = -1 };
	mad_smp(sm->mad, &q, sm_lease_renewed, NULL);
}

static void sm_trap(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	unsigned trap = mad_get_field(smp_data(mad), 0, IB_NOTICE_TRAP_NUMBER_F);
	unsigned lid = mad_get_field(smp_data(mad), 0, IB_NOTICE_ISSUER_LID_F);
	uint16_t src = mad_from_lid(from);
	const char *m;
	char more[64];

	unsigned flags = trap == 144 ? peer_trap144_flags(smp_data(mad)) : 0;

	sm_respond(sm, mad, len, from, 0, NULL);  /* TrapRepress: stop repeating */
	if (sm->el.state != SM_MASTER || sm->el.leaving)
		return;
	if (trap == 128) {
		sm_trap128(sm, src);
		return;
	}
	if (trap == 256) {
		sm_trap256(sm, smp_data(mad), (uint16_t)lid);
		return;
	}
	if (trap != 144) {
		if ((m = sm_say(sm, RL_TRAP_OTHER, src, more, sizeof(more))))
			log_info("trap %u from LID %u ignored%s", trap, lid, m);
		return;
	}
	/* 144 (an SM's priority, a port's capabilities): an SM's priority
	 * only from an SM's port, a capability change only when the mask
	 * differs from what the last sweep read (or comes with other changes);
	 * then acted on a few times a window per source */
	const struct fab_port *p = sm->fab ? fab_port_by_lid(sm->fab, src) : NULL;
	uint32_t caps = mad_get_field(smp_data(mad), 0, IB_NOTICE_DATA_144_CAPMASK_F);
	int nothing = (flags & TRAP144_SM_PRIORITY) ?
			      p && !p->is_sm && !(caps & CAPMASK_IS_SM) && p->have_info &&
				      !(fab_port_capmask(p) & CAPMASK_IS_SM) :
			      !flags && p && p->have_info && caps == fab_port_capmask(p);
	if (nothing) {
		if ((m = sm_say(sm, RL_TRAP144_NOTHING, src, more, sizeof(more))))
			log_info("trap 144 from LID %u ignored: %s%s", src,
				 (flags & TRAP144_SM_PRIORITY) ? "an SM priority change from a port "
				 "that is no SM" : "its capabilities are what they were", m);
		return;
	}
	if (!rl_event(&sm->rl_act, RL_TRAP144, src, sm_now()).act) {
		if (sm_say(sm, RL_TRAP144, src, more, sizeof(more)))
			log_warnx("ignoring traps 144 from LID %u for now: more than %u in %.0f s", src,
				  sm->rl_act.cap, sm->rl_act.interval);
		return;
	}
	if (flags & TRAP144_SM_PRIORITY) {
		log_debug("trap 144 (SM priority) from LID %u", lid);
		elect_priority_trap(&sm->el);
	} else {
		sm_request_sweep(sm, "trap 144 (capability change)");
	}
}

/* What GetTables one port may cost a second: four times the largest table
 * (PortInfoRecord, 64 bytes a port) of this fabric, at least 1 MiB; all
 * ports together sixteen times that. saquery or an MPI start reading
 * tables is never refused; a port asking for them in a loop is answered
 * BUSY (retry later) and costs the master nothing more. Per-request bounds
 * are the records' own: no query makes more than one row of pairs. */
static void sm_sa_budget(struct sm *sm)
{
	if (sm->sa_budget_gen == sm->fab_gen + 1 || !sm->fab)
		return;
	double ports = 0;
	for (const struct fab_node *n = sm->fab->nodes; n; n = n->next)
		ports += n->nports + 1;
	double rate = 4 * 64 * ports;
	if (rate < SM_SA_BUDGET_MIN)
		rate = SM_SA_BUDGET_MIN;
	budget_set(&sm->sa_budget, rate, 16 * rate);
	sm->sa_budget_gen = sm->fab_gen + 1;
}

/* The SA answers only while MASTER (a standby says BUSY). */
static void sm_sa(struct sm *sm, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sa_resp r = { 0 };
	struct sa_ctx c = {
		.fab = sm->el.state == SM_MASTER && !sm->el.leaving ? sm->fab : NULL,
		.lfts = &sm->lfts, .mc = &sm->mc, .prefix = LINK_SUBNET_PREFIX,
		.pkt_life = SA_PKT_LIFE, .prtn = &sm->prtn, .pkeys = &sm->pkeys,
		.sm_guid = sm->fab && sm->fab->local ? fab_lid_port(sm->fab->local)->guid : 0,
	};
	/* Groups a join creates get the broadcast group's MTU and rate (the
	 * fabric's are worked out only when there is none, and only when the
	 * query will be answered: not per query, not on a standby). */
	const struct mc_group *b = mc_ipoib_broadcast(&sm->mc);
	if (b) {
		c.new_group_mtu = b->mtu;
		c.new_group_rate = b->rate;
	} else if (c.fab) {
		sm_mcast_ipoib_params(sm, &c.new_group_mtu, &c.new_group_rate);
	}
	uint16_t slid = mad_from_lid(from);
	uint64_t src = (uint64_t)slid | 1u << 16;  /* LID 0 too (never a key 0) */
	int table = len >= 24 && smp_hdr_method(mad) == IB_MAD_METHOD_GET_TABLE && c.fab;
	if (table) {
		sm_sa_budget(sm);
		if (!budget_may(&sm->sa_budget, src, sm_now())) {
			char more[64];
			const char *m = sm_say(sm, RL_SA_BUSY, src, more, sizeof(more));
			if (m)
				log_warnx("SA: LID %u asks for more tables than the SA serves (%.0f KiB/s a "
					  "port, %.0f KiB/s all ports): answered BUSY for now%s", slid,
					  sm->sa_budget.rate / 1024, sm->sa_budget.total / 1024, m);
			c.fab = NULL;  /* the SA's BUSY, nothing computed */
			table = 0;
		}
	}
	if (!sa_answer(&c, mad, len, slid, &r))
		return;
	if (table)
		budget_charge(&sm->sa_budget, src, (double)r.len, sm_now());
	mx_sa(&sm->mx, smp_hdr_attr(mad), smp_hdr_method(mad), smp_hdr_status(r.buf));
	if (smp_hdr_status(r.buf))
		log_debug("SA %s method 0x%02x: status 0x%04x",
			  sa_attr_name(smp_hdr_attr(mad)) ? sa_attr_name(smp_hdr_attr(mad)) : "?",
			  smp_hdr_method(mad), smp_hdr_status(r.buf));
	mad_send_response(sm->mad, r.buf, r.len, from);
	sa_resp_free(&r);
	/* a join or leave: forwarding follows, once the burst is gathered */
	if (sm->mc.changes != sm->mft_synced && !evtimer_pending(sm->mft_ev, NULL))
		sm_timer(sm, sm->mft_ev, SM_MFT_GATHER_MS);
}

/* Every unsolicited MAD: one check of what it is, then its receiver. */
void sm_recv(void *arg, uint8_t *mad, size_t len, const struct mad_from *from)
{
	struct sm *sm = arg;
	unsigned mclass = smp_hdr_class(mad), method = smp_hdr_method(mad);
	unsigned attr = smp_hdr_attr(mad);

	if (mclass == MCLASS_SMI || mclass == MCLASS_SMI_DR) {
		if ((method == IB_MAD_METHOD_GET || method == IB_MAD_METHOD_SET) &&
		    attr == IB_ATTR_SMINFO && sm_sminfo_mkey_drop(sm, mad, from))
			return;
		if (method == IB_MAD_METHOD_GET && attr == IB_ATTR_SMINFO) {
			sm_respond_sminfo(sm, mad, len, from, 0);
			log_debug("answered an SMInfo Get (%s)", elect_state_name(sm->el.state));
			return;
		}
		if (method == IB_MAD_METHOD_SET && attr == IB_ATTR_SMINFO) {
			sm_sminfo_set(sm, mad, len, from);
			return;
		}
		if (method == IB_MAD_METHOD_TRAP) {
			sm_trap(sm, mad, len, from);
			return;
		}
	}
	if (mclass == MCLASS_SA) {
		sm_sa(sm, mad, len, from);
		return;
	}
	if (method == IB_MAD_METHOD_GET || method == IB_MAD_METHOD_SET ||
	    method == IB_MAD_METHOD_GET_TABLE || method == IB_MAD_METHOD_DELETE) {
		/* Not served: say so rather than stay silent. */
		log_debug("unsupported request class 0x%02x method 0x%02x attr 0x%04x", mclass,
			  method, attr);
		sm_respond(sm, mad, len, from, MAD_STATUS_UNSUP_METHOD_ATTR, NULL);
	}
}
