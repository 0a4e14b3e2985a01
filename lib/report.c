#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "link.h"
#include "mcast.h"
#include "metrics.h"
#include "rate.h"
#include "report.h"
#include "xalloc.h"

static uint16_t own_lid(const struct sm *sm)
{
	if (!sm->fab || !sm->fab->local)
		return 0;
	return fab_port_cur_lid(fab_lid_port(sm->fab->local));
}

static uint16_t lid_of(const struct sm *sm, uint64_t guid)
{
	const struct fab_port *p = sm->fab ? fab_port_by_guid(sm->fab, guid) : NULL;
	return p ? fab_port_lid(p) : 0;
}

/* Ports with a physical link, and how many of them are Active (switch
 * port 0 is neither). */
static unsigned ports_count(const struct sm *sm, unsigned *linked)
{
	unsigned n = 0, l = 0;
	for (struct fab_node *nd = sm->fab ? sm->fab->nodes : NULL; nd; nd = nd->next)
		for (unsigned i = 1; i <= nd->nports; i++) {
			const struct fab_port *p = &nd->ports[i];
			if (!p->have_info || !fab_port_linked(p))
				continue;
			l++;
			n += fab_port_state(p) == PORT_ACTIVE;
		}
	if (linked)
		*linked = l;
	return n;
}

static unsigned ports_active(const struct sm *sm)
{
	return ports_count(sm, NULL);
}

/* A peer as last seen; the master a standby follows as its polls see it. */
static const struct sm_info *peer_info(const struct sm *sm, unsigned i)
{
	const struct sm_info *si = &sm->el.peers[i].info;
	if (sm->el.state == SM_STANDBY && si->guid == sm->el.master.info.guid)
		return &sm->el.master.info;
	return si;
}

void report_status(const struct sm *sm, int json, struct sbuf *b)
{
	uint64_t mguid = 0;
	uint16_t mlid = 0;
	char when[32] = "";

	if (sm->el.state == SM_MASTER) {
		mguid = sm->el.guid;
		mlid = own_lid(sm);
	} else if (sm->el.state == SM_STANDBY) {
		mguid = sm->el.master.info.guid;
		mlid = lid_of(sm, mguid);
	}
	if (sm->last_sweep.when) {
		struct tm tm;
		localtime_r(&sm->last_sweep.when, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	}
	unsigned nodes = sm->fab ? sm->fab->nnodes : 0, sws = sm->fab ? sm->fab->nswitches : 0;
	const struct lft_report *r = &sm->last_route;
	char rwhen[32] = "";

	if (r->when) {
		struct tm tm;
		localtime_r(&r->when, &tm);
		strftime(rwhen, sizeof(rwhen), "%Y-%m-%dT%H:%M:%S", &tm);
	}
	if (json) {
		sb_printf(b, "{\"state\":\"%s\",\"priority\":%u,\"guid\":\"0x%016llx\",\"lid\":%u,"
			  "\"master_guid\":\"0x%016llx\",\"master_lid\":%u,\"sm_key\":\"0x%016llx\","
			  "\"preempt\":%s,\"peers\":[",
			  elect_state_name(sm->el.state), sm_priority(sm), (unsigned long long)sm->el.guid,
			  own_lid(sm), (unsigned long long)mguid, mlid,
			  (unsigned long long)sm->cfg.sm_key, sm->cfg.preempt ? "true" : "false");
		for (unsigned i = 0; i < sm->el.npeers; i++)
			sb_printf(b, "%s{\"guid\":\"0x%016llx\",\"priority\":%u,\"state\":\"%s\",\"lid\":%u}",
				  i ? "," : "", (unsigned long long)peer_info(sm, i)->guid,
				  peer_info(sm, i)->priority, elect_state_name(peer_info(sm, i)->state),
				  lid_of(sm, peer_info(sm, i)->guid));
		sb_printf(b, "],\"nodes\":%u,\"switches\":%u,\"ports_active\":%u,\"subnet_up\":%s,"
			  "\"last_sweep\":", nodes, sws, ports_active(sm), sm->subnet_up ? "true" : "false");
		if (sm->last_sweep.when)
			sb_printf(b, "{\"time\":\"%s\",\"ms\":%.1f}", when, sm->last_sweep.ms);
		else
			sb_printf(b, "null");
		sb_printf(b, ",\"malformed_replies\":%lu,\"malformed_mads\":%llu", sm->malformed,
			  mad_malformed_count(sm->mad));
		sb_printf(b, ",\"lids_saved\":%s", lidmap_unsaved(sm->lids) ? "false" : "true");
		/* whether there is an M_Key, never the key */
		sb_printf(b, ",\"m_key\":\"%s\",\"m_key_protect_bits\":%u,\"m_key_lease_period\":%u",
			  sm->cfg.m_key ? "set" : "none", sm->cfg.m_key ? sm->cfg.m_key_protect_bits : 0,
			  sm->cfg.m_key ? sm->cfg.m_key_lease_period : 0);
		if (lidmap_unsaved(sm->lids)) {
			sb_printf(b, ",\"lids_unsaved_why\":");
			sb_json_str(b, lidmap_unsaved(sm->lids));
		}
		sb_printf(b, ",\"last_reroute\":");
		if (r->when) {
			sb_printf(b, "{\"time\":\"%s\",\"why\":", rwhen);
			sb_json_str(b, r->why);
			sb_printf(b, ",\"entries\":%u,\"switches\":%u,\"blocks\":%u,\"failed\":%u,"
				  "\"ms\":%.1f}", r->entries, r->switches, r->blocks, r->failed, r->ms);
		} else {
			sb_printf(b, "null");
		}
		sb_printf(b, ",\"trouble\":[");
		for (unsigned i = 0; i < sm->trouble.n; i++) {
			const struct trb_entry *e = &sm->trouble.v[i];
			sb_printf(b, "%s{\"guid\":\"0x%016llx\",\"port\":%u,\"kind\":\"%s\","
				  "\"since\":%lld}", i ? "," : "", (unsigned long long)e->guid, e->port,
				  trb_kind_name(e->kind), (long long)e->since);
		}
		sb_printf(b, "]}\n");
		return;
	}
	sb_printf(b, "state       %s%s\n", elect_state_name(sm->el.state),
		  sm->el.state == SM_MASTER && sm->subnet_up ? ", subnet up" : "");
	sb_printf(b, "priority    %u%s\n", sm_priority(sm), sm->cfg.preempt ? "" : " (preempt = no)");
	sb_printf(b, "port        0x%016llx, LID %u\n", (unsigned long long)sm->el.guid, own_lid(sm));
	if (mguid)
		sb_printf(b, "master      0x%016llx, LID %u%s\n", (unsigned long long)mguid, mlid,
			  mguid == sm->el.guid ? " (this SM)" : "");
	else
		sb_printf(b, "master      none known\n");
	if (!sm->el.npeers)
		sb_printf(b, "peers       none\n");
	for (unsigned i = 0; i < sm->el.npeers; i++)
		sb_printf(b, "%s0x%016llx priority %u %s\n", i ? "            " : "peers       ",
			  (unsigned long long)peer_info(sm, i)->guid, peer_info(sm, i)->priority,
			  elect_state_name(peer_info(sm, i)->state));
	sb_printf(b, "fabric      %u nodes, %u switches, %u ports Active\n", nodes, sws, ports_active(sm));
	if (sm->last_sweep.when)
		sb_printf(b, "last sweep  %s, %.1f ms, %u of %u linked ports Active\n", when,
			  sm->last_sweep.ms, sm->last_sweep.active, sm->last_sweep.linked);
	else
		sb_printf(b, "last sweep  none as master\n");
	if (sm->malformed || mad_malformed_count(sm->mad))
		sb_printf(b, "malformed   %lu SMP replies not believed (see trouble), %llu MADs dropped "
			  "unread\n", sm->malformed, mad_malformed_count(sm->mad));
	if (lidmap_unsaved(sm->lids))
		sb_printf(b, "LIDs        NOT SAVED: %s\n", lidmap_unsaved(sm->lids));
	if (sm->cfg.m_key)
		sb_printf(b, "M_Key       set (not shown), protect bits %u, lease %u s%s\n",
			  sm->cfg.m_key_protect_bits, sm->cfg.m_key_lease_period,
			  sm->cfg.m_key_lease_period ? "" : " (never lapses)");
	if (r->when)
		sb_printf(b, "last re-route %s, %s: %u entries on %u switches, %u LFT blocks in "
			  "%.0f ms%s\n", rwhen, r->why, r->entries, r->switches, r->blocks, r->ms,
			  r->failed ? ", some Sets failed" : "");
	else
		sb_printf(b, "last re-route none\n");
	for (unsigned i = 0; i < sm->trouble.n; i++)
		sb_printf(b, "%s%s: %s\n", i ? "            " : "trouble     ",
			  sm->trouble.v[i].name, sm->trouble.v[i].why);
}

void report_lids(const struct sm *sm, int json, struct sbuf *b)
{
	int first = 1;

	if (json)
		sb_printf(b, "[");
	if (sm->fab) {
		FOR_LID_PORTS(sm->fab, n, p) {
			uint16_t lid = fab_port_lid(p);
			if (!lid)
				continue;
			if (json) {
				sb_printf(b, "%s{\"guid\":\"0x%016llx\",\"lid\":%u,\"port\":%u,\"node\":",
					  first ? "" : ",", (unsigned long long)p->guid, lid, p->num);
				sb_json_str(b, n->desc);
				sb_printf(b, "}");
			} else {
				sb_printf(b, "0x%016llx %5u  %s port %u\n", (unsigned long long)p->guid, lid,
					  n->desc, p->num);
			}
			first = 0;
		}
	}
	if (json)
		sb_printf(b, "]\n");
}

void report_groups(const struct sm *sm, int json, struct sbuf *b)
{
	char mg[48];

	if (json)
		sb_printf(b, "[");
	for (struct mc_group *g = sm->mc.groups; g; g = g->next) {
		struct mc_member **mb = xcalloc(g->nmembers + 1, sizeof(*mb));
		unsigned n = mc_members(g, mb, g->nmembers);
		mc_gid_str(g->mgid, mg, sizeof(mg));
		if (json) {
			sb_printf(b, "%s{\"mgid\":\"%s\",\"mlid\":\"0x%04x\",\"qkey\":\"0x%08x\","
				  "\"pkey\":\"0x%04x\",\"mtu\":%u,\"rate_gbps\":%.1f,\"members\":[",
				  g == sm->mc.groups ? "" : ",", mg, g->mlid, g->qkey, g->pkey,
				  rate_mtu_bytes(g->mtu), rate_tenths(g->rate) / 10.0);
			for (unsigned i = 0; i < n; i++)
				sb_printf(b, "%s{\"guid\":\"0x%016llx\",\"join_state\":%u}", i ? "," : "",
					  (unsigned long long)mb[i]->guid, mb[i]->join_state);
			sb_printf(b, "]}");
		} else {
			sb_printf(b, "%s  MLID 0x%04x  Q_Key 0x%08x  MTU %u  rate %.1f Gb/s  %u member%s\n",
				  mg, g->mlid, g->qkey, rate_mtu_bytes(g->mtu), rate_tenths(g->rate) / 10.0, n,
				  n == 1 ? "" : "s");
			for (unsigned i = 0; i < n; i++)
				sb_printf(b, "    0x%016llx  %s%s%s%s\n", (unsigned long long)mb[i]->guid,
					  mb[i]->join_state & MC_JOIN_FULL ? "full " : "",
					  mb[i]->join_state & MC_JOIN_NON ? "non-member " : "",
					  mb[i]->join_state & MC_JOIN_SENDONLY_NON ? "send-only " : "",
					  mb[i]->join_state & MC_JOIN_SENDONLY_FULL ? "send-only-full " : "");
		}
		free(mb);
	}
	if (json)
		sb_printf(b, "]\n");
	else if (!sm->mc.groups)
		sb_printf(b, "no multicast groups%s\n", sm->el.state == SM_MASTER ? "" : " (groups are the master's)");
}

/* ---- metrics ------------------------------------------------------------- */

/* The SM's own GUID and LID, or the master's, as an info metric (the
 * value 1, the identity in labels: a GUID does not fit a float). */
static void info(struct sbuf *b, const char *name, uint64_t guid, uint16_t lid)
{
	char g[24], l[96], ls[16];
	if (!guid)
		return;
	snprintf(g, sizeof(g), "0x%016llx", (unsigned long long)guid);
	snprintf(ls, sizeof(ls), "%u", lid);
	int n = snprintf(l, sizeof(l), "guid=\"%s\",", g);
	mx_label(l + n, sizeof(l) - (size_t)n, "lid", ls);
	mx_u64(b, name, l, 1);
}

static void report_mad_metrics(const struct sm *sm, struct sbuf *b)
{
	struct mad_stats st = { 0 };

	if (sm->mad)
		mad_get_stats(sm->mad, &st);
	mx_counter(b, "smd_mads_sent_total", "MADs sent: requests, their resends and responses.",
		st.sent);
	mx_counter(b, "smd_mads_resent_total", "Requests sent again after a timeout or an "
		"undeliverable return.", st.resent);
	mx_counter(b, "smd_mads_timed_out_total", "Requests given up with no answer after every "
		"retry.", st.timeouts);
	mx_family(b, "smd_mads_failed_total", "counter", "Requests that ended in an error other "
		  "than a timeout: undeliverable (every attempt returned by the device), or a MAD "
		  "status in the reply.");
	mx_u64(b, "smd_mads_failed_total", "reason=\"undeliverable\"", st.undeliverable);
	mx_u64(b, "smd_mads_failed_total", "reason=\"status\"", st.status);
	mx_counter(b, "smd_mad_send_errors_total", "Sends the umad device refused (retried).",
		st.send_errors);
	mx_family(b, "smd_mads_dropped_total", "counter", "Received MADs dropped: malformed, "
		  "replies to nothing outstanding (stray), or while the event loop was busy "
		  "(overflow).");
	mx_u64(b, "smd_mads_dropped_total", "reason=\"malformed\"", st.malformed);
	mx_u64(b, "smd_mads_dropped_total", "reason=\"stray\"", st.stray);
	mx_u64(b, "smd_mads_dropped_total", "reason=\"overflow\"", st.overflow);
}

void report_metrics(const struct sm *sm, struct sbuf *b)
{
	const struct elect_counts *c = &sm->el.counts;
	unsigned linked, active = ports_count(sm, &linked), groups = 0, members = 0;
	uint64_t mguid = elect_master_guid(&sm->el);
	char l[64];

	for (const struct mc_group *g = sm->mc.groups; g; g = g->next) {
		groups++;
		members += g->nmembers;
	}
	mx_family(b, "smd_build_info", "gauge", "The smd version running (value 1).");
	mx_label(l, sizeof(l), "version", SMD_VERSION);
	mx_u64(b, "smd_build_info", l, 1);
	mx_gauge(b, "smd_sm_state", "SM state as SMInfo has it: 0 NOTACTIVE, 1 DISCOVERING, "
	      "2 STANDBY, 3 MASTER.", sm->el.state);
	mx_gauge(b, "smd_sm_priority", "SM priority in the election (0-15).", sm_priority(sm));
	mx_family(b, "smd_sm_info", "gauge", "This SM's port GUID and LID (value 1).");
	info(b, "smd_sm_info", sm->el.guid, own_lid(sm));
	mx_family(b, "smd_master_info", "gauge", "The master SM this SM knows, itself included: "
		  "its port GUID and LID (value 1; absent while none is known).");
	info(b, "smd_master_info", mguid,
	     mguid == sm->el.guid ? own_lid(sm) : lid_of(sm, mguid));
	mx_counter(b, "smd_master_changes_total", "Times the master this SM knows became another "
		"SM (the first one known after start included).", c->master_changes);
	double when = 0;
	if (c->master_changes) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		uint64_t ago_ms = sm->el.ops->now_ms(sm->el.arg) - c->master_changed_ms;
		when = (double)rt.tv_sec + rt.tv_nsec / 1e9 - ago_ms / 1000.0;
	}
	mx_gauge(b, "smd_master_change_timestamp_seconds", "Unix time of the last master change "
	      "(0: none yet).", when);
	mx_counter(b, "smd_failovers_total", "Times this SM found its master gone (or slow past "
		"master_timeout) and took over.", c->failovers);
	mx_family(b, "smd_handovers_total", "counter", "Mastership handed over to a better SM "
		  "(given) or received from the master (taken).");
	mx_u64(b, "smd_handovers_total", "direction=\"given\"", c->handovers_given);
	mx_u64(b, "smd_handovers_total", "direction=\"taken\"", c->handovers_taken);
	mx_gauge(b, "smd_subnet_up", "1 when this SM is master and its last sweep brought every "
	      "linked port Active.", sm->el.state == SM_MASTER && sm->subnet_up);
	mx_gauge(b, "smd_nodes", "Nodes (switches and CAs) in the last fabric model.",
	      sm->fab ? sm->fab->nnodes : 0);
	mx_gauge(b, "smd_switches", "Switches in the last fabric model.",
	      sm->fab ? sm->fab->nswitches : 0);
	mx_gauge(b, "smd_ports_linked", "Ports with a physical link (switch port 0 not counted).",
	      linked);
	mx_gauge(b, "smd_ports_active", "Linked ports in state Active.", active);
	mx_gauge(b, "smd_ports_in_trouble", "Ports the last master sweep could not configure.",
	      sm->trouble.n);
	mx_gauge(b, "smd_multicast_groups", "Multicast groups (the master's).", groups);
	mx_gauge(b, "smd_multicast_members", "Members of the multicast groups, summed over groups.",
	      members);
	report_mad_metrics(sm, b);
	mx_render(&sm->mx, b);
}

static const char *const who_name[] = {
	[PW_ALL] = "ALL", [PW_ALL_CAS] = "ALL_CAS", [PW_ALL_SWITCHES] = "ALL_SWITCHES",
	[PW_SELF] = "SELF", [PW_GUID] = "",
};

/* The partitions, their rules as the file gives them, and the ports of the
 * fabric each has (the members, full or limited, by the rules). */
void report_partitions(const struct sm *sm, int json, struct sbuf *b)
{
	const struct prtn_conf *c = &sm->prtn;
	uint64_t self = sm->fab && sm->fab->local ? fab_lid_port(sm->fab->local)->guid : 0;

	if (json) {
		sb_printf(b, "{\"file\":");
		sb_json_str(b, c->from_file ? sm->cfg.partitions_file : "");
		sb_printf(b, ",\"partitions\":[");
	} else {
		sb_printf(b, "partitions from %s\n", c->from_file ? sm->cfg.partitions_file :
			  "no file: the default partition, every port a full member");
	}
	for (unsigned i = 0; i < c->n; i++) {
		const struct prtn *p = &c->p[i];
		if (json) {
			sb_printf(b, "%s{\"name\":", i ? "," : "");
			sb_json_str(b, p->name);
			sb_printf(b, ",\"pkey\":\"0x%04x\",\"ipoib\":%s,\"mtu\":%u,\"rate\":%u,"
				  "\"line\":%d,\"rules\":[", p->pkey, p->ipoib ? "true" : "false",
				  p->mtu ? rate_mtu_bytes(p->mtu) : 0, p->rate, p->line);
			for (unsigned r = 0; r < p->nrules; r++) {
				const struct prtn_rule *ru = &p->rules[r];
				sb_printf(b, "%s{\"who\":\"", r ? "," : "");
				if (ru->who == PW_GUID)
					sb_printf(b, "0x%016llx", (unsigned long long)ru->guid);
				else
					sb_printf(b, "%s", who_name[ru->who]);
				sb_printf(b, "\",\"membership\":\"%s\"}", prtn_mship_name(ru->mship));
			}
			sb_printf(b, "],\"members\":[");
		} else {
			sb_printf(b, "%s  P_Key 0x%04x%s", p->name[0] ? p->name : "(no name)", p->pkey,
				  p->ipoib ? "  ipoib" : "");
			if (p->mtu)
				sb_printf(b, " mtu %u", rate_mtu_bytes(p->mtu));
			if (p->rate)
				sb_printf(b, " rate %.1f Gb/s", rate_tenths(p->rate) / 10.0);
			sb_printf(b, "%s\n", p->line ? "" : "  (OpenSM's implicit rules)");
		}
		int first = 1;
		for (struct fab_node *n = sm->fab ? sm->fab->nodes : NULL; n; n = n->next) {
			for (unsigned k = fab_is_switch(n) ? 0 : 1; k <= (fab_is_switch(n) ? 0 : n->nports);
			     k++) {
				const struct fab_port *pt = &n->ports[k];
				if (!pt->have_info || !pt->guid)
					continue;
				enum prtn_mship m = prtn_conf_member(p, pt->guid, fab_is_switch(n), self);
				if (m == PM_NONE)
					continue;
				if (json) {
					sb_printf(b, "%s{\"guid\":\"0x%016llx\",\"lid\":%u,\"node\":",
						  first ? "" : ",", (unsigned long long)pt->guid, fab_port_lid(pt));
					sb_json_str(b, n->desc);
					sb_printf(b, ",\"membership\":\"%s\"}", prtn_mship_name(m));
				} else {
					sb_printf(b, "    0x%016llx %5u  %-8s %s port %u\n",
						  (unsigned long long)pt->guid, fab_port_lid(pt), prtn_mship_name(m),
						  n->desc, pt->num);
				}
				first = 0;
			}
		}
		if (json)
			sb_printf(b, "]}");
	}
	if (json)
		sb_printf(b, "]}\n");
}
