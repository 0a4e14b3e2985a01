/* sweep: the heavy sweep as a chain of asynchronous stages over the fabric
 * model (see sweep.h). Each stage sends its SMPs through the MAD engine's
 * window and the next stage starts when the last of them has ended (reply
 * or final timeout):
 *   DISCOVER -> PEERS (SMInfo of other SMs) -> DECIDE (the caller's verdict)
 *   -> CONFIG (LIDs, routes (lftsync.c), PortInfo with Armed) -> ACTIVE
 * (P_Key tables come after the sweep: pkeysync.c)
 */
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "discover.h"
#include "fablid.h"
#include "quick.h"
#include "lftsync.h"
#include "lid.h"
#include "link.h"
#include "log.h"
#include "rate.h"
#include "smpcheck.h"
#include "smpeer.h"
#include "sweep.h"
#include "xalloc.h"

#define SUBNET_TIMEOUT 18

enum stage { ST_DISCOVER, ST_PEERS, ST_DECIDE, ST_CONFIG, ST_ACTIVE, ST_DONE };

struct sweep {
	struct sweep_params p;    /* p.mode is this sweep's, p.roots its own copy */
	uint16_t own_lid;         /* our port's LID once assigned */
	enum stage stage;
	unsigned pending;
	int aborted;
	struct disc *disc;
	struct quick *quick;      /* the quick update in flight (sweep_params.quick_lids) */
	int quick_done;           /* the model came from it: no ports to configure */
	uint16_t quick_lids[QUICK_MAX_LIDS];
	struct fabric *fab;
	struct timespec t0;
	struct peer_op *peer_op;  /* the PEERS stage's SMInfo queries */
	struct sm_peer *peers;
	unsigned npeers;
	unsigned mads, sets, errors;
	struct lftsync *lft;      /* routing Sets in flight: no early activation */
	unsigned unanswered;      /* discovery requests that got no answer */
	struct disc_dup dup[DISC_MAX_DUPS];   /* nodes left out: a GUID seen twice */
	unsigned ndup;
	struct disc_lie lie[DISC_MAX_DUPS];   /* replies not believed, nodes out of reach */
	unsigned nlie;
	unsigned malformed;
	/* the ports still to configure, and to look at for activation: a
	 * few at a time, as replies come (sw_pump) */
	struct fab_node *cfg_node, *act_node;
	unsigned cfg_port, act_port;
};

/* SMPs of a sweep handed to the engine at a time by the configuration and
 * activation passes: the engine queues what its window cannot send yet, and
 * a pass over 30,000 ports queued at once costs megabytes. */
#define SW_AHEAD 256

struct swq;
typedef void (*swq_fn)(struct sweep *sw, struct swq *q, const struct mad_reply *r);
struct swq {
	struct sweep *sw;
	swq_fn fn;
	struct fab_port *port;
};

static void sw_advance(struct sweep *sw);
static void sw_pump(struct sweep *sw);

static void sw_free(struct sweep *sw)
{
	free((void *)sw->p.roots);
	fab_free(sw->fab);
	free(sw->peers);
	free(sw);
}

static void sw_reply(void *arg, const struct mad_reply *r)
{
	struct swq *q = arg;
	struct sweep *sw = q->sw;

	sw->pending--;
	if (!sw->aborted) {
		q->fn(sw, q, r);
		sw_pump(sw);
	}
	free(q);
	if (!sw->pending)
		sw_advance(sw);
}

/* Queue one SMP of this sweep, with the M_Key *mkey (NULL: the subnet's);
 * 0 when queued, -1 (counted as an error) when the engine refuses it
 * (closing), so callers mark nothing as in flight. */
static int sw_send_key(struct sweep *sw, const struct dr_path *path, uint8_t method,
		       uint16_t attr, uint32_t mod, const uint8_t *data, struct fab_port *port,
		       swq_fn fn, const uint64_t *mkey)
{
	struct swq *q = xcalloc(1, sizeof(*q));

	q->sw = sw;
	q->fn = fn;
	q->port = port;
	/* the engine keeps its own copy of data */
	struct smp_req req = { .dr = path, .method = method, .attr = attr, .mod = mod,
			       .data = data, .timeout_ms = -1, .retries = -1,
			       .own_mkey = mkey != NULL, .m_key = mkey ? *mkey : 0 };
	if (mad_smp(sw->p.mad, &req, sw_reply, q) < 0) {
		free(q);
		sw->errors++;
		return -1;
	}
	sw->pending++;
	sw->mads++;
	if (method == IB_MAD_METHOD_SET)
		sw->sets++;
	return 0;
}

static int sw_send(struct sweep *sw, const struct dr_path *path, uint8_t method, uint16_t attr,
		   uint32_t mod, const uint8_t *data, struct fab_port *port, swq_fn fn)
{
	return sw_send_key(sw, path, method, attr, mod, data, port, fn, NULL);
}

static const char *port_name(const struct fab_port *p, char *buf, size_t len)
{
	const char *desc = p->node->desc[0] ? p->node->desc : "?";
	snprintf(buf, len, "%s port %u (0x%016llx)", desc, p->num,
		 (unsigned long long)p->node->guid);
	return buf;
}

/* A port this master sweep could not configure: named once (trouble.c
 * remembers it across sweeps), retried by the SM with back-off. */
static void sw_trouble(struct sweep *sw, const struct fab_port *p, enum trb_kind kind,
		       const char *why, const struct dr_path *far)
{
	char buf[112];

	if (sw->p.mode != SWEEP_MASTER)
		return;
	if (trb_note(sw->p.trouble, p->node->guid, p->num, kind,
		     port_name(p, buf, sizeof(buf)), why, far))
		log_event(LOG_LVL_WARN, EVT_PORT_FAILED, (const struct log_field[]){
				  LF_GUID("SMD_NODE_GUID", p->node->guid), LF_UINT("SMD_PORT", p->num),
				  LF_STR("SMD_NODE_DESC", p->node->desc),
				  LF_STR("SMD_TROUBLE", trb_kind_name(kind)), LF_STR("SMD_REASON", why),
				  LF_END },
			  "%s: %s; serving the rest of the fabric, retrying with back-off", buf, why);
}

/* The end: the result goes to the caller, then the sweep is gone. */
static void sw_finish(struct sweep *sw, enum sweep_go how, struct sweep_result *r)
{
	r->quick = sw->quick_done;
	if (how != SWEEP_END) {
		r->fab = sw->fab;
		sw->fab = NULL;
	}
	void (*done)(void *, struct sweep_result *) = sw->p.done;
	void *arg = sw->p.arg;
	r->malformed = sw->malformed;
	sw_free(sw);
	done(arg, r);
}

/* ---- peers and the election -------------------------------------------- */

static void sw_peers_found(void *arg, struct sm_peer *peers, unsigned n)
{
	struct sweep *sw = arg;

	sw->peer_op = NULL;
	sw->pending--;
	if (n) {
		sw->peers = xcalloc(n, sizeof(*peers));
		memcpy(sw->peers, peers, n * sizeof(*peers));
		sw->npeers = n;
	}
	for (unsigned i = 0; i < sw->npeers; i++)
		log_debug("found SM 0x%016llx priority %u state %s",
			  (unsigned long long)sw->peers[i].info.guid, sw->peers[i].info.priority,
			  elect_state_name(sw->peers[i].info.state));
	sw_advance(sw);
}

static void sw_stage_peers(struct sweep *sw)
{
	/* A standby that only records asks the master nothing: its polls do
	 * that, and the master's load must not grow with the standbys. */
	sw->peer_op = peer_query_all(sw->p.mad, sw->fab, sw->p.skip_peer, sw_peers_found, sw);
	if (sw->peer_op)
		sw->pending++;
}

/* The caller's verdict on the SMs found. Returns 1 when the sweep has
 * ended (we follow, hand over, or only looked). */
static int sw_decide(struct sweep *sw)
{
	enum sweep_go go = sw->p.decide(sw->p.arg, sw, sw->fab, sw->peers, sw->npeers);
	struct sweep_result r = { 0 };

	if (go == SWEEP_CONFIGURE && sw->p.mode == SWEEP_MASTER)
		return 0;
	if (go == SWEEP_CONFIGURE)
		go = SWEEP_END;  /* the election went elsewhere meanwhile */
	if (go == SWEEP_END_RECORD)
		fablid_record(sw->fab, sw->p.lids);
	sw_finish(sw, go, &r);
	return 1;
}

/* ---- configuration ----------------------------------------------------- */

static void sw_update_info(struct sweep *sw, struct swq *q, const struct mad_reply *r,
			   const char *what)
{
	char buf[160], why[112], bad[64];
	if (r->err == MAD_OK &&
	    smpck_portinfo(r->data, fab_is_switch(q->port->node) && !q->port->num, bad,
			   sizeof(bad)) == 0) {
		memcpy(q->port->info, r->data, 64);
		return;
	}
	sw->errors++;
	if (r->err == MAD_OK) {      /* what it said is not kept */
		sw->malformed++;
		snprintf(why, sizeof(why), "%.14s: its PortInfo reply says %.30s: not believed", what,
			 bad);
	} else if (r->err == MAD_ETIMEDOUT && link_mkey_foreign(q->port->info, sw->p.mkey.key)) {
		/* A port that drops our Sets while its PortInfo shows another
		 * key's protection is not broken: it belongs to a key we were
		 * not given. */
		snprintf(why, sizeof(why), "protected by an M_Key we do not have (M_KeyProtectBits "
			 "%u), not configured", mad_get_field(smp_ro(q->port->info), 0,
							      IB_PORT_MKEY_PROT_BITS_F));
	} else {
		snprintf(why, sizeof(why), "%s failed (%s 0x%x)", what,
			 r->err == MAD_ESTATUS ? "status" :
			 r->err == MAD_EUMAD ? "umad status" : "timeout",
			 r->err == MAD_EUMAD ? (unsigned)r->umad_status : r->mad_status);
	}
	log_debug("%s: %s", port_name(q->port, buf, sizeof(buf)), why);
	sw_trouble(sw, q->port, TRB_FAILED, why, NULL);
}

static void sw_state_reply(struct sweep *sw, struct swq *q, const struct mad_reply *r)
{
	sw_update_info(sw, q, r, "activating");
}

/* Active needs the neighbour at least Armed. */
static int sw_armed_or_active(const struct fab_port *p)
{
	unsigned st = p ? fab_port_state(p) : 0;
	return st == PORT_ARMED || st == PORT_ACTIVE;
}

static void sw_activate(struct sweep *sw, struct fab_port *p)
{
	uint8_t set[64];
	char buf[160];

	log_debug("activating %s", port_name(p, buf, sizeof(buf)));
	link_build_state_set(set, p->info, PORT_ACTIVE, &sw->p.mkey);
	if (sw_send(sw, &p->path, IB_MAD_METHOD_SET, IB_ATTR_PORT_INFO, rate_portinfo_mod(p), set, p,
		    sw_state_reply) == 0)
		p->activating = 1;
}

/* Activate a link as soon as both its ends are Armed, rather than after the
 * whole fabric is: Active needs only the neighbour to be at least Armed. */
static void sw_link_armed(struct sweep *sw, struct fab_port *p)
{
	struct fab_port *r = p->remote;

	/* Not before the routes are in (hosts may talk as soon as they are
	 * Active), nor over a Set of the far end still in flight (an Active
	 * Set built from its old PortInfo would undo that Set). */
	if (sw->lft || !r || r->set_pending || fab_port_state(p) != PORT_ARMED ||
	    !sw_armed_or_active(r))
		return;
	/* Nor while the configuration pass is still handing out Sets: r may
	 * be one it has not reached (an Active Set echoing r's old LID and SM
	 * LID could land after it). The activation pass comes after it. */
	if (sw->cfg_node)
		return;
	if (!p->activating)
		sw_activate(sw, p);
	if (fab_port_state(r) == PORT_ARMED && !r->activating)
		sw_activate(sw, r);
}

static void sw_portinfo_set_reply(struct sweep *sw, struct swq *q, const struct mad_reply *r)
{
	q->port->set_pending = 0;
	sw_update_info(sw, q, r, "PortInfo Set");
	if (r->err == MAD_OK)
		sw_link_armed(sw, q->port);
}

/* The Set that took a port over from another key (sw_config_port). */
static void sw_takeover_reply(struct sweep *sw, struct swq *q, const struct mad_reply *r)
{
	char buf[160];

	if (r->err == MAD_OK)
		log_notice("%s: held another SM's M_Key at protect bits 0 (readable by any "
			   "node): taken over, it now holds %s", port_name(q->port, buf, sizeof(buf)),
			   sw->p.mkey.key ? "ours" : "none");
	sw_portinfo_set_reply(sw, q, r);
}

/* Every link whose ends are ready goes Active (those not sent already),
 * through the pump. */
static void sw_activate_ready(struct sweep *sw)
{
	sw->act_node = sw->fab->nodes;
	sw->act_port = 1;
	sw_pump(sw);
}

static int sw_rereg_due(struct sweep *sw, const struct fab_port *p)
{
	uint16_t smlid = (uint16_t)mad_get_field(smp_ro(p->info), 0, IB_PORT_SMLID_F);

	/* First sweep as master, a port we did not know, or a new master LID:
	 * hosts must rejoin their multicast groups. */
	return sw->p.rereg_all || !sw->p.prev || !fab_port_by_guid(sw->p.prev, p->guid) ||
	       smlid != sw->own_lid;
}

static void sw_config_port(struct sweep *sw, struct fab_port *p, int is_switch_port)
{
	struct link_params lp = {
		.lid = is_switch_port ? 0 : p->lid,
		.sm_lid = sw->own_lid,
		.sm_sl = 0,
		.subnet_prefix = LINK_SUBNET_PREFIX,
		.subnet_timeout = SUBNET_TIMEOUT,
		.client_rereg = !is_switch_port && sw_rereg_due(sw, p),
		.is_switch_port = is_switch_port,
		.is_switch_port0 = !p->num && fab_is_switch(p->node),
		.mkey = sw->p.mkey,
	};
	const uint8_t *peer = p->remote && p->remote->have_info ? p->remote->info : NULL;
	uint8_t set[64];
	int need_set = !link_config_ok(p->info, peer, &lp);
	/* A linked port in Init is armed by the same Set that configures it
	 * (as OpenSM's arm pass carries the whole PortInfo): one SMP, not two. */
	int arm = p->num && fab_port_linked(p) &&
		  link_next_state((int)fab_port_state(p), (int)fab_port_phys(p)) == PORT_ARMED;

	if (need_set || arm) {
		char buf[160];
		log_debug("%s %s", need_set && arm ? "configuring and arming" :
				   need_set ? "configuring" : "arming",
			  port_name(p, buf, sizeof(buf)));
		if (!need_set)
			link_build_state_set(set, p->info, PORT_ARMED, &sw->p.mkey);
		else {
			link_build_set(set, p->info, peer, &lp);
			if (arm)
				mad_set_field(set, 0, IB_PORT_STATE_F, PORT_ARMED);
		}
		/* A port whose Get shows a key that is not ours (only protect
		 * bits 0 show it: what an SM gone for longer than the lease
		 * leaves) accepts a Set only with that key: it carries it, and
		 * writes ours. (A switch's external ports go by port 0's key,
		 * whatever theirs reads.) */
		uint64_t held = mad_get_field64(smp_ro(p->info), 0, IB_PORT_MKEY_F);
		int takeover = need_set && !is_switch_port && held && held != sw->p.mkey.key;
		if (sw_send_key(sw, &p->path, IB_MAD_METHOD_SET, IB_ATTR_PORT_INFO,
				rate_portinfo_mod(p), set, p,
				takeover ? sw_takeover_reply : sw_portinfo_set_reply,
				takeover ? &held : NULL) == 0)
			p->set_pending = 1;
	}
}

/* ---- routing ----------------------------------------------------------- */

static void sw_routes_trouble(void *arg, const struct fab_port *p, const char *why)
{
	sw_trouble(arg, p, TRB_FAILED, why, NULL);
}

/* The last routing Set is back: links armed meanwhile may go Active now. */
static void sw_routes_done(void *arg, unsigned sent, unsigned failed)
{
	struct sweep *sw = arg;

	sw->lft = NULL;
	sw->pending--;
	sw->mads += sent;
	sw->sets += sent;
	sw->errors += failed;
	sw_activate_ready(sw);
	if (!sw->pending)
		sw_advance(sw);
}

static void sw_stage_routes(struct sweep *sw)
{
	struct lftsync_params lp = {
		.mad = sw->p.mad, .lfts = sw->p.lfts, .mft = sw->p.mft, .fab = sw->fab,
		.prev = sw->p.prev, .engine = sw->p.engine, .roots = sw->p.roots,
		.nroots = sw->p.nroots, .rebalance = sw->p.rebalance, .report = sw->p.route_report,
		.trouble = sw_routes_trouble, .done = sw_routes_done, .arg = sw, .mx = sw->p.mx,
	};
	unsigned failed;

	sw->lft = lftsync_start(&lp, &failed);
	sw->errors += failed;
	if (sw->lft)
		sw->pending++;
}

/* Configures the next ports in discovery order (switch port 0 and linked
 * external ports, CA ports), then looks at the next ports for activation,
 * while fewer than SW_AHEAD SMPs are with the engine. */
static void sw_pump(struct sweep *sw)
{
	while (sw->cfg_node && sw->pending < SW_AHEAD) {
		struct fab_node *n = sw->cfg_node;
		unsigned i = sw->cfg_port++;
		struct fab_port *p = &n->ports[i];

		if (i > n->nports) {
			sw->cfg_node = n->next;
			sw->cfg_port = 0;
		} else if (fab_is_switch(n)) {
			if (p->have_info && (i == 0 || fab_port_linked(p)))
				sw_config_port(sw, p, i != 0);
		} else if (i > 0 && p->have_info && p->guid) {
			sw_config_port(sw, p, 0);
		}
	}
	while (sw->act_node && sw->pending < SW_AHEAD) {
		struct fab_node *n = sw->act_node;
		unsigned i = sw->act_port++;
		struct fab_port *p = &n->ports[i];

		if (i > n->nports) {
			sw->act_node = n->next;
			sw->act_port = 1;
		} else if (p->have_info && fab_port_linked(p) && !p->set_pending && !p->activating) {
			sw_link_armed(sw, p);
		}
	}
}

static void sw_stage_config(struct sweep *sw)
{
	trb_begin(sw->p.trouble);
	for (unsigned i = 0; i < sw->ndup; i++) {
		char why[80], path[48];

		snprintf(why, sizeof(why), "duplicate GUID: another node answers with it at %s",
			 dr_path_str(&sw->dup[i].path, path, sizeof(path)));
		sw_trouble(sw, sw->dup[i].first, TRB_FAILED, why, NULL);
	}
	for (unsigned i = 0; i < sw->nlie; i++)
		sw_trouble(sw, sw->lie[i].at, TRB_FAILED, sw->lie[i].why, NULL);
	fablid_assign(sw->fab, sw->p.lids);
	if (sw->fab->local)
		sw->own_lid = fab_lid_port(sw->fab->local)->lid;
	sw_stage_routes(sw);
	if (!sw->quick_done) {       /* after a quick update nothing else changed */
		sw->cfg_node = sw->fab->nodes;
		sw->cfg_port = 0;
	}
	sw_pump(sw);
}

static void sw_trouble_fixed(void *arg, const struct trb_entry *e)
{
	const struct fabric *f = arg;
	const struct log_field fields[] = {
		LF_GUID("SMD_NODE_GUID", e->guid), LF_UINT("SMD_PORT", e->port),
		LF_STR("SMD_TROUBLE", trb_kind_name(e->kind)), LF_STR("SMD_REASON", e->why), LF_END,
	};
	if (fab_node_by_guid(f, e->guid))
		log_event(LOG_LVL_NOTICE, EVT_PORT_FIXED, fields, "%s: fixed (was: %s)", e->name,
			  e->why);
	else
		log_event(LOG_LVL_NOTICE, EVT_PORT_GONE, fields,
			  "%s: no longer in the fabric (was: %s)", e->name, e->why);
}

/* Already named by this sweep (a lie, a duplicate): what follows from it
 * (no answer behind the port, a link not Active) is not news. */
static int sw_noted(struct sweep *sw, const struct fab_port *p)
{
	const struct trb_entry *e = p ? trb_find(sw->p.trouble, p->node->guid, p->num) : NULL;
	return e && e->seen;
}

static void sw_stage_done(struct sweep *sw)
{
	unsigned linked = 0, active = 0, unknown = 0;

	for (struct fab_node *n = sw->fab->nodes; n; n = n->next)
		for (unsigned i = 1; i <= n->nports; i++) {
			struct fab_port *p = &n->ports[i], *r = p->remote;
			if (!p->have_info || !fab_port_linked(p))
				continue;
			linked++;
			if (fab_port_state(p) == PORT_ACTIVE)
				active++;
			/* The far end of a link we could not read is not known to be up. */
			if (!r || !r->have_info) {
				struct dr_path far;
				unknown++;
				if (!sw_noted(sw, p) && !sw_noted(sw, r) &&
				    dr_path_extend(&far, &p->path, p->num) == 0)
					sw_trouble(sw, p, TRB_SILENT, "the node behind it does not answer",
						   &far);
			} else if (fab_port_state(p) != PORT_ACTIVE &&
				   (fab_port_state(r) == PORT_ACTIVE || p->node->guid < r->node->guid ||
				    (p->node == r->node && p->num < r->num)) &&
				   !sw_noted(sw, p) && !sw_noted(sw, r)) {
				sw_trouble(sw, p, TRB_DOWN, "linked but not Active", NULL);
			}
		}
	double ms = log_ms_since(&sw->t0);
	unsigned fresh = trb_end(sw->p.trouble, sw_trouble_fixed, sw->fab);
	/* A failed Set (a forwarding block, a P_Key table...) is retried by
	 * the re-sweeps, with back-off, that a subnet not fully up gets. */
	int all = linked && active == linked && !unknown && !sw->unanswered && !sw->errors;
	if (all && !sw->p.was_up)
		log_event(LOG_LVL_NOTICE, EVT_SUBNET_UP, (const struct log_field[]){
				  LF_UINT("SMD_NODES", sw->fab->nnodes),
				  LF_UINT("SMD_SWITCHES", sw->fab->nswitches),
				  LF_UINT("SMD_PORTS_ACTIVE", active), LF_END },
			  "subnet up: %u nodes (%u switches), %u ports Active in %.0f ms",
			  sw->fab->nnodes, sw->fab->nswitches, active, ms);
	else if (!all && (fresh || sw->p.was_up || !sw->p.was_served))
		log_event(LOG_LVL_WARN, EVT_SUBNET_DOWN, (const struct log_field[]){
				  LF_UINT("SMD_PORTS_ACTIVE", active), LF_UINT("SMD_PORTS_LINKED", linked),
				  LF_UINT("SMD_PORTS_TROUBLE", sw->p.trouble->n), LF_END },
			  "subnet not fully up: %u of %u linked ports Active after %.0f ms "
			  "(%u requests failed, %u ports not read, %u ports in trouble)", active,
			  linked, ms, sw->errors + sw->unanswered, unknown, sw->p.trouble->n);
	log_debug("sweep%s: %u SMPs (%u Sets), %u failed, %u of %u linked ports Active, %.1f ms",
		  sw->quick_done ? " (quick)" : "", sw->mads, sw->sets, sw->errors, active, linked,
		  ms);
	struct sweep_result r = { .configured = 1, .all_active = all, .ms = ms, .active = active,
				  .linked = linked };
	sw_finish(sw, SWEEP_END_KEEP, &r);
}

/* ---- the chain --------------------------------------------------------- */

static void sw_advance(struct sweep *sw)
{
	if (sw->aborted) {
		sw_free(sw);
		return;
	}
	while (!sw->pending) {
		switch (sw->stage) {
		case ST_DISCOVER:
			return;  /* disc_done moves on */
		case ST_PEERS:
			sw->stage = ST_DECIDE;
			sw_stage_peers(sw);
			break;
		case ST_DECIDE:
			if (sw_decide(sw))
				return;  /* sweep ended */
			sw->stage = ST_CONFIG;
			break;
		case ST_CONFIG:
			sw->stage = ST_ACTIVE;
			sw_stage_config(sw);  /* configures and arms */
			break;
		case ST_ACTIVE:
			sw->stage = ST_DONE;
			/* links whose ends were not both armed by this sweep's Sets */
			if (!sw->quick_done)
				sw_activate_ready(sw);
			break;
		case ST_DONE:
			sw_stage_done(sw);
			return;
		}
	}
}

static void sw_disc_done(void *arg, struct disc_result *res)
{
	struct sweep *sw = arg;

	sw->disc = NULL;
	sw->fab = res->fab;
	sw->mads += res->mads;
	sw->ndup = res->ndup < DISC_MAX_DUPS ? res->ndup : DISC_MAX_DUPS;
	memcpy(sw->dup, res->dup, sw->ndup * sizeof(*sw->dup));
	sw->nlie = res->nlie < DISC_MAX_DUPS ? res->nlie : DISC_MAX_DUPS;
	memcpy(sw->lie, res->lie, sw->nlie * sizeof(*sw->lie));
	sw->malformed += res->malformed;
	sw->unanswered = res->failed;
	if (!res->local_ok || !sw->fab->local) {
		log_warnx("sweep failed: the local port does not answer");
		sw_finish(sw, SWEEP_END, &(struct sweep_result){ .failed = 1 });
		return;
	}
	log_debug("discovered %u nodes (%u switches) with %u SMPs, %u unanswered",
		  sw->fab->nnodes, sw->fab->nswitches, res->mads, res->failed);
	sw->stage = ST_PEERS;
	sw_advance(sw);
}

static void sw_quick_done(void *arg, struct fabric *fab, unsigned mads, const char *why)
{
	struct sweep *sw = arg;

	sw->quick = NULL;
	sw->mads += mads;
	if (!fab) {
		log_info("sweep: full discovery (%s)", why);
		sw->disc = disc_start(sw->p.mad, sw_disc_done, sw);
		if (!sw->disc) {
			log_warnx("sweep failed: discovery could not start");
			sw_finish(sw, SWEEP_END, &(struct sweep_result){ .failed = 1 });
		}
		return;
	}
	sw->quick_done = 1;
	sw->fab = fab;
	sw->stage = ST_PEERS;
	sw_advance(sw);
}

struct sweep *sweep_start(const struct sweep_params *p)
{
	struct sweep *sw = xcalloc(1, sizeof(*sw));

	sw->p = *p;
	/* Its own roots: a reload may rewrite the configuration meanwhile. */
	uint64_t *roots = p->nroots ? xmalloc(p->nroots * sizeof(*roots)) : NULL;
	if (roots)
		memcpy(roots, p->roots, p->nroots * sizeof(*roots));
	sw->p.roots = roots;
	sw->stage = ST_DISCOVER;
	clock_gettime(CLOCK_MONOTONIC, &sw->t0);
	if (p->nquick && p->nquick <= QUICK_MAX_LIDS && p->prev && p->mode == SWEEP_MASTER) {
		memcpy(sw->quick_lids, p->quick_lids, p->nquick * sizeof(*p->quick_lids));
		sw->p.quick_lids = sw->quick_lids;
		sw->quick = quick_start(p->mad, p->prev, sw->quick_lids, p->nquick, sw_quick_done,
					sw);
		if (sw->quick)
			return sw;
	}
	sw->p.quick_lids = NULL;
	sw->p.nquick = 0;
	sw->disc = disc_start(p->mad, sw_disc_done, sw);
	if (!sw->disc) {
		sw_free(sw);
		return NULL;
	}
	return sw;
}

void sweep_abort(struct sweep *sw)
{
	if (sw->quick) {
		quick_abort(sw->quick);
		sw_free(sw);
		return;
	}
	if (sw->disc) {
		disc_abort(sw->disc);
		sw_free(sw);
		return;
	}
	sw->aborted = 1;
	if (sw->peer_op) {
		peer_op_cancel(sw->peer_op);
		sw->peer_op = NULL;
		sw->pending--;
	}
	if (sw->lft) {
		lftsync_cancel(sw->lft);
		sw->lft = NULL;
		sw->pending--;
	}
	if (!sw->pending)
		sw_free(sw);
}

void sweep_continue_as_master(struct sweep *sw)
{
	sw->p.mode = SWEEP_MASTER;
	sw->p.rereg_all = 1;
}

enum sweep_mode sweep_mode(const struct sweep *sw)
{
	return sw->p.mode;
}
