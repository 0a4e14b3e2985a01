#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "link.h"
#include "mcast.h"
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

static unsigned ports_active(const struct sm *sm)
{
	unsigned n = 0;
	for (struct fab_node *nd = sm->fab ? sm->fab->nodes : NULL; nd; nd = nd->next)
		for (unsigned i = 1; i <= nd->nports; i++)
			n += nd->ports[i].have_info && fab_port_linked(&nd->ports[i]) &&
			     fab_port_state(&nd->ports[i]) == PORT_ACTIVE;
	return n;
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
		sb_printf(b, ",\"lids_saved\":%s", lidmap_unsaved(sm->lids) ? "false" : "true");
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
	if (lidmap_unsaved(sm->lids))
		sb_printf(b, "LIDs        NOT SAVED: %s\n", lidmap_unsaved(sm->lids));
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
