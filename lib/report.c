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
		sb_printf(b, ",\"malformed_replies\":%lu,\"malformed_mads\":%llu", sm->malformed,
			  mad_malformed_count(sm->mad));
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
	if (sm->malformed || mad_malformed_count(sm->mad))
		sb_printf(b, "malformed   %lu SMP replies not believed (see trouble), %llu MADs dropped "
			  "unread\n", sm->malformed, mad_malformed_count(sm->mad));
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
