/* standby: how a standby follows its master: polls it at its place in the
 * line of standbys, tells a gone master from a slow one (mwatch), and
 * announces with trap 144 that it outranks the master. Called by elect.c
 * only; it reaches the world through e->ops and never calls back into the
 * election: a takeover is returned, and elect.c carries it out. */
#include <stdio.h>
#include "log.h"
#include "standby.h"

#define POLL_CONFIRM_MS 100    /* after a miss, the next check comes this soon */
#define SLOW_POLL_FACTOR 10    /* standbys behind the first poll this much slower, times their number */
#define SLOW_POLL_MAX_MS 120000
#define TRAP144_REPEAT_MS 10000 /* a standby that outranks the master says so this often */
#define SLOW_POLL_RENEW_MS 1000 /* a slow master's one outstanding poll is sent anew this often */

static unsigned line_period(const struct elect *e)
{
	unsigned iv = e->cfg.poll_interval_ms;
	if (!e->line_pos)
		return iv;
	/* Behind the first in line: together the slow ones cost the master
	 * one poll per SLOW_POLL_FACTOR intervals, however many they are. */
	uint64_t ms = (uint64_t)iv * SLOW_POLL_FACTOR * (e->nstandby > 1 ? e->nstandby - 1 : 1);
	return ms > SLOW_POLL_MAX_MS ? SLOW_POLL_MAX_MS : (unsigned)ms;
}

unsigned standby_poll_period(const struct elect *e)
{
	unsigned iv = e->cfg.poll_interval_ms;
	/* A miss is confirmed (or cleared) at once: failover is quick. */
	if (e->mw.misses)
		return iv < POLL_CONFIRM_MS ? iv : POLL_CONFIRM_MS;
	/* A slow master: its port is checked at the first in line's pace. */
	if (mw_slow(&e->mw))
		return iv;
	return line_period(e);
}

void standby_set_line(struct elect *e, const struct sm_peer *peers, unsigned n)
{
	unsigned pos, nsb;
	struct peer_self me = elect_self(e);

	rank_line(peers, n, &me, e->master.info.guid, &pos, &nsb);
	if (pos == e->line_pos && nsb == e->nstandby)
		return;
	e->line_pos = pos;
	e->nstandby = nsb;
	if (!pos)
		log_info("next in line of %u standby SM%s: polling the master every %u ms", nsb,
			 nsb == 1 ? "" : "s", line_period(e));
	else
		log_info("standby %u of %u in line: polling the master every %u ms", pos + 1, nsb,
			 line_period(e));
}

/* A standby that outranks its master says so with trap 144, as OpenSM's
 * standbys do; the master hands over unless it runs with preempt = no. */
void standby_announce(struct elect *e)
{
	struct sm_info *m = &e->master.info;
	char g[24];

	if (!rank_key_trusted(e->cfg.key, m->key) || !e->guid ||
	    rank_cmp(e->cfg.priority, e->guid, m->priority, m->guid) <= 0)
		return;
	if (!e->trap144_due && e->trap144_at && e->ops->now_ms(e->arg) - e->trap144_at < TRAP144_REPEAT_MS)
		return;
	if (e->trap144_due)
		log_notice("this SM (priority %u) outranks master SM %s (priority %u): "
			   "announcing it with trap 144", e->cfg.priority,
			   rank_guid_str(m->guid, g), m->priority);
	e->trap144_due = 0;
	e->trap144_at = e->ops->now_ms(e->arg);
	if (e->ops->trap144(e->arg, &e->master) < 0)
		log_warnx("cannot send trap 144 to the master");
}

static void poll_send(struct elect *e, unsigned timeout_ms)
{
	if (e->ops->poll(e->arg, &e->master, timeout_ms, 0) == 0) {
		e->poll_busy = 1;
		e->poll_epoch = e->epoch;
	}
}

static void probe_send(struct elect *e)
{
	if (e->probe_busy)
		return;
	if (e->ops->probe(e->arg, &e->master, e->cfg.poll_timeout_ms) == 0) {
		e->probe_busy = 1;
		e->probe_epoch = e->epoch;
	} else {
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
	}
}

/* Carry out what the master watch decided. */
static int poll_act(struct elect *e, enum mw_action a)
{
	char g[24];

	rank_guid_str(e->master.info.guid, g);
	switch (a) {
	case MW_POLL:
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		break;
	case MW_CONFIRM:
		log_info("master SM %s missed a %s (%u of %u)", g,
			 e->mw.probe ? "port check" : "poll", e->mw.misses, e->mw.retries);
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		break;
	case MW_PROBE:
		probe_send(e);
		break;
	case MW_WAIT:
		if (!e->slow_noted) {
			e->slow_noted = 1;
			log_notice("master SM %s is slow: its port answers but its SM does not; "
				   "waiting up to %u s before taking over", g,
				   e->cfg.master_timeout_ms / 1000);
		}
		/* One SMInfo poll stays outstanding (a stopped master must not
		 * find a queue of them); its port is checked meanwhile. It is
		 * sent anew every second: one sent to a stopped SM that then
		 * dies is never answered, and only a new one gets the error
		 * that says the SM is gone (sim.kill_bringup). */
		if (!e->poll_busy) {
			unsigned to = mw_wait_ms(&e->mw, e->ops->now_ms(e->arg));
			poll_send(e, to < SLOW_POLL_RENEW_MS ? to : SLOW_POLL_RENEW_MS);
		}
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		break;
	case MW_TAKEOVER:
		if (mw_slow(&e->mw) && !e->mw.misses)
			log_event(LOG_LVL_NOTICE, EVT_TAKEOVER, (const struct log_field[]){
					  LF_GUID("SMD_PEER_GUID", e->master.info.guid),
					  LF_STR("SMD_REASON", "slow"), LF_END },
				  "master SM %s has not answered for %u s; taking over", g,
				  e->cfg.master_timeout_ms / 1000);
		else
			log_event(LOG_LVL_NOTICE, EVT_TAKEOVER, (const struct log_field[]){
					  LF_GUID("SMD_PEER_GUID", e->master.info.guid),
					  LF_STR("SMD_REASON", "gone"), LF_END },
				  "master SM %s is gone; taking over", g);
		return 1;
	}
	return 0;
}

static int poll_judge(struct elect *e, enum mw_outcome o)
{
	/* A standby whose own port is down cannot tell, and must not take over. */
	if (!e->own_linkup && o != MW_ANSWERED) {
		mw_reset(&e->mw);
		e->slow_noted = 0;
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		return 0;
	}
	int was_missing = e->mw.misses || mw_slow(&e->mw);
	uint64_t slow_since = e->mw.slow_since;
	enum mw_action a = mw_judge(&e->mw, o, e->ops->now_ms(e->arg));
	if (o == MW_ANSWERED) {
		e->epoch++;  /* a port check still out says nothing new */
		if (was_missing && slow_since)
			log_notice("master SM answers again after %.1f s",
				   (double)(e->ops->now_ms(e->arg) - slow_since) / 1000);
		else if (was_missing)
			log_info("master SM answers again");
		e->slow_noted = 0;
	}
	return poll_act(e, a);
}

int standby_watching(const struct elect *e)
{
	return e->state == SM_STANDBY || (e->state == SM_NOTACTIVE && !e->leaving);
}

int standby_on_poll(struct elect *e, enum mw_outcome o, const struct sm_info *si)
{
	e->poll_busy = 0;
	if (!standby_watching(e))
		return 0;
	if (e->poll_epoch != e->epoch) {  /* about a master of before */
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		return 0;
	}
	if (o == MW_ANSWERED) {
		/* A better SM still discovering is on its way to MASTER: alive. */
		if ((si->state == SM_MASTER || si->state == SM_DISCOVERING) &&
		    si->guid == e->master.info.guid) {
			if (si->priority != e->master.info.priority)
				e->trap144_due = 1;
			e->master.info = *si;
			if (si->state == SM_MASTER && e->state == SM_STANDBY)
				standby_announce(e);
			return poll_judge(e, MW_ANSWERED);
		}
		o = MW_ERROR;  /* another SM there, or it no longer claims mastership */
	}
	return poll_judge(e, o);
}

int standby_on_probe(struct elect *e, uint64_t port_guid)
{
	e->probe_busy = 0;
	if (!standby_watching(e))
		return 0;
	if (e->probe_epoch != e->epoch) {
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		return 0;
	}
	return poll_judge(e, port_guid && port_guid == e->master.info.guid ? MW_PORT_UP :
									      MW_PORT_GONE);
}

void standby_tick(struct elect *e)
{
	if (mw_slow(&e->mw)) {
		(void)poll_act(e, MW_WAIT);
		probe_send(e);
		return;
	}
	if (e->poll_busy || e->probe_busy) {  /* its reply re-arms; this is a backstop */
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
		return;
	}
	if (e->mw.probe) {
		probe_send(e);
		return;
	}
	unsigned to = e->cfg.poll_timeout_ms < e->cfg.poll_interval_ms ? e->cfg.poll_timeout_ms :
									    e->cfg.poll_interval_ms;
	poll_send(e, to);
	if (!e->poll_busy)
		e->ops->timer(e->arg, ET_POLL, standby_poll_period(e));
}
