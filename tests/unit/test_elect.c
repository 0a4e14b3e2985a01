/* elect: the election with its actions: the table, ranking, the line of
 * standbys, and every decision driven through recording stubs and a fake
 * clock (no fabric, no event loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "elect.h"
#include "peer_fixture.h"
#include "log.h"

struct step { enum sm_state from; enum elect_event ev; enum elect_action act; enum sm_state to; };

static void test_transitions(void **st)
{
	static const struct step steps[] = {
		{ SM_NOTACTIVE, EV_START, ACT_SWEEP, SM_DISCOVERING },
		{ SM_DISCOVERING, EV_SWEEP_WON, ACT_BECOME_MASTER, SM_MASTER },
		{ SM_DISCOVERING, EV_SWEEP_LOST, ACT_FOLLOW, SM_STANDBY },
		{ SM_STANDBY, EV_MASTER_LOST, ACT_SWEEP, SM_DISCOVERING },
		{ SM_STANDBY, EV_HANDOVER, ACT_BECOME_MASTER, SM_MASTER },
		{ SM_MASTER, EV_HANDED_OVER, ACT_FOLLOW, SM_STANDBY },
		{ SM_MASTER, EV_CMD_STANDBY, ACT_FOLLOW, SM_STANDBY },
		{ SM_STANDBY, EV_CMD_DISABLE, ACT_STOP, SM_NOTACTIVE },
		{ SM_MASTER, EV_CMD_DISABLE, ACT_STOP, SM_NOTACTIVE },
		{ SM_NOTACTIVE, EV_CMD_DISCOVER, ACT_SWEEP, SM_DISCOVERING },
		{ SM_STANDBY, EV_CMD_DISCOVER, ACT_SWEEP, SM_DISCOVERING },
		{ SM_MASTER, EV_LEAVE, ACT_STOP, SM_NOTACTIVE },
		{ SM_STANDBY, EV_LEAVE, ACT_STOP, SM_NOTACTIVE },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		enum sm_state s = steps[i].from;
		assert_int_equal(elect_step(&s, steps[i].ev), steps[i].act);
		assert_int_equal(s, steps[i].to);
	}
}

static void test_unexpected_events_ignored(void **st)
{
	static const struct { enum sm_state s; enum elect_event ev; } bad[] = {
		{ SM_MASTER, EV_MASTER_LOST },   /* a master polls nobody */
		{ SM_MASTER, EV_HANDOVER },      /* already master */
		{ SM_STANDBY, EV_SWEEP_WON },    /* a standby does not elect */
		{ SM_NOTACTIVE, EV_HANDOVER },   /* disabled: only DISCOVER wakes it */
		{ SM_MASTER, EV_CMD_DISCOVER },
		{ SM_NOTACTIVE, EV_CMD_DISABLE },
		{ SM_DISCOVERING, EV_HANDED_OVER },
		{ SM_NOTACTIVE, EV_LEAVE },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum sm_state s = bad[i].s;
		assert_int_equal(elect_step(&s, bad[i].ev), ACT_NONE);
		assert_int_equal(s, bad[i].s);
	}
}

static void test_names(void **st)
{
	(void)st;
	assert_string_equal(elect_state_name(SM_MASTER), "MASTER");
	assert_string_equal(elect_state_name(SM_STANDBY), "STANDBY");
	assert_string_equal(elect_state_name(SM_DISCOVERING), "DISCOVERING");
	assert_string_equal(elect_state_name(SM_NOTACTIVE), "NOTACTIVE");
	assert_string_equal(elect_state_name((enum sm_state)9), "UNKNOWN");
	for (int ev = 0; ev < EV_NEVENTS; ev++)
		assert_non_null(elect_event_name((enum elect_event)ev));
}



/* ---- the election with a fake world: recording stubs, a fake clock ------ */

struct fake {
	uint64_t now;
	unsigned timer_ms[ET_NTIMERS];
	int timer_on[ET_NTIMERS];
	int polls, formers, probes, queries, handovers, waits, traps, lefts, resweeps, stops;
	unsigned poll_timeout;
	struct sm_peer to;            /* the last peer a request went to */
	enum elect_action acts[32];
	int nacts;
	int sweeping, no_send;
};
static struct fake F;
static struct elect E;

static uint64_t f_now(void *a) { (void)a; return F.now; }
static void f_timer(void *a, enum elect_timer t, unsigned ms) { (void)a; F.timer_on[t] = 1; F.timer_ms[t] = ms; }
static void f_timer_stop(void *a, enum elect_timer t) { (void)a; F.timer_on[t] = 0; }
static int f_poll(void *a, const struct sm_peer *p, unsigned to, int former)
{
	(void)a;
	if (F.no_send)
		return -1;
	F.to = *p;
	F.poll_timeout = to;
	if (former)
		F.formers++;
	else
		F.polls++;
	return 0;
}
static int f_probe(void *a, const struct sm_peer *p, unsigned to) { (void)a; (void)to; F.to = *p; F.probes++; return 0; }
static int f_query(void *a, uint64_t skip) { (void)a; (void)skip; F.queries++; return 0; }
static int f_handover(void *a, const struct sm_peer *to, const struct sm_info *ours)
{
	(void)a; (void)ours;
	F.to = *to;
	F.handovers++;
	return 0;
}
static int f_wait(void *a, const struct sm_peer *p, unsigned limit) { (void)a; (void)p; (void)limit; F.waits++; return 0; }
static int f_trap(void *a, const struct sm_peer *m) { (void)a; (void)m; F.traps++; return 0; }
static void f_act(void *a, enum elect_action act, enum sm_state was)
{
	(void)a; (void)was;
	if (F.nacts < 32)
		F.acts[F.nacts++] = act;
}
static void f_left(void *a) { (void)a; F.lefts++; }
static int f_sweeping(void *a) { (void)a; return F.sweeping; }
static void f_stop(void *a) { (void)a; F.stops++; }
static void f_resweep(void *a, const char *why) { (void)a; (void)why; F.resweeps++; }

static const struct elect_ops fops = {
	.now_ms = f_now, .timer = f_timer, .timer_stop = f_timer_stop, .poll = f_poll,
	.probe = f_probe, .query_peers = f_query, .handover = f_handover, .wait_master = f_wait,
	.trap144 = f_trap, .act = f_act, .left = f_left, .sweeping = f_sweeping,
	.stop_sweep = f_stop, .resweep = f_resweep,
};

#define OURS 0x20
#define MGUID 0x90

static struct elect_cfg C(uint8_t prio, int preempt)
{
	return (struct elect_cfg){ .priority = prio, .key = 1, .preempt = preempt,
				   .poll_interval_ms = 300, .poll_timeout_ms = 200,
				   .poll_retries = 3, .master_timeout_ms = 10000 };
}

static int setup(void **st)
{
	(void)st;
	memset(&F, 0, sizeof(F));
	F.now = 1000;
	struct elect_cfg c = C(5, 1);
	elect_init(&E, &fops, NULL, &c);
	E.guid = OURS;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	elect_free(&E);
	return 0;
}

static enum elect_action last_act(void) { return F.nacts ? F.acts[F.nacts - 1] : ACT_NONE; }

/* Fire a timer: the clock moves on by what it was armed for. */
static void fire(enum elect_timer t)
{
	assert_true(F.timer_on[t]);
	F.now += F.timer_ms[t];
	F.timer_on[t] = 0;
	elect_on_timer(&E, t);
}

static struct sm_info I(uint64_t guid, uint8_t prio, uint8_t state)
{
	return (struct sm_info){ .guid = guid, .key = 1, .priority = prio, .state = state };
}

/* Start, find master MGUID (priority 9) in the election sweep, follow it. */
static void become_standby(void)
{
	struct sm_peer v[] = { P(MGUID, 9, SM_MASTER, 1) }, to;
	elect_event(&E, EV_START);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, v, 1, &to), ELECT_FOLLOW);
	elect_follow(&E, &to);
	assert_int_equal(E.state, SM_STANDBY);
}

/* Start and win alone. */
static void become_master(void)
{
	struct sm_peer to;
	elect_event(&E, EV_START);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, NULL, 0, &to), ELECT_GO_ON);
	assert_int_equal(E.state, SM_MASTER);
}

/* One poll of the master, answered with o. */
static void poll_once(enum mw_outcome o)
{
	int polls = F.polls;
	fire(ET_POLL);
	assert_int_equal(F.polls, polls + 1);
	struct sm_info si = I(MGUID, 9, SM_MASTER);
	elect_on_poll(&E, o, o == MW_ANSWERED ? &si : NULL);
}

/* Master, and a refresh finds a better standby (0x30, priority 9). */
static void master_meets_better_standby(void)
{
	struct sm_peer v[] = { P(0x30, 9, SM_STANDBY, 1) };
	become_master();
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
}

static void test_start_sweeps(void **st)
{
	(void)st;
	elect_event(&E, EV_START);
	assert_int_equal(E.state, SM_DISCOVERING);
	assert_int_equal(last_act(), ACT_SWEEP);
}

static void test_alone_becomes_master(void **st)
{
	(void)st;
	become_master();
	assert_int_equal(last_act(), ACT_BECOME_MASTER);
	assert_false(F.timer_on[ET_POLL]);  /* nobody to poll, nobody to watch */
}

/* IBA: a discovering SM that finds a master stands by, even a lower one. */
static void test_any_master_is_followed(void **st)
{
	(void)st;
	struct sm_peer v[] = { P(MGUID, 1, SM_MASTER, 1) }, to;
	elect_event(&E, EV_START);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, v, 1, &to), ELECT_FOLLOW);
	elect_follow(&E, &to);
	assert_int_equal(E.state, SM_STANDBY);
	assert_true(E.master.info.guid == MGUID);
	assert_int_equal(last_act(), ACT_FOLLOW);
	assert_true(F.timer_on[ET_POLL]);
	assert_int_equal(F.timer_ms[ET_POLL], 300);
}

static void test_better_standby_wins_worse_not(void **st)
{
	(void)st;
	struct sm_peer to, worse[] = { P(0x30, 2, SM_STANDBY, 1) },
			  better[] = { P(0x30, 7, SM_DISCOVERING, 1) };
	elect_event(&E, EV_START);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, better, 1, &to), ELECT_FOLLOW);
	assert_true(to.info.guid == 0x30);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, worse, 1, &to), ELECT_GO_ON);
	assert_int_equal(E.state, SM_MASTER);
}

/* A master with a foreign SM_Key is neither followed nor handed over to. */
static void test_foreign_key_ignored(void **st)
{
	(void)st;
	struct sm_peer to, v[] = { P(MGUID, 15, SM_MASTER, 7) };
	elect_event(&E, EV_START);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, v, 1, &to), ELECT_GO_ON);
	assert_int_equal(E.state, SM_MASTER);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_MASTER, v, 1, &to), ELECT_GO_ON);
	assert_int_equal(F.handovers, 0);
}

static void test_poll_answered(void **st)
{
	(void)st;
	become_standby();
	poll_once(MW_ANSWERED);
	assert_int_equal(F.poll_timeout, 200);
	assert_int_equal(F.timer_ms[ET_POLL], 300);
	assert_int_equal(E.state, SM_STANDBY);
}

/* Error replies: no SM listens there; taken over after three, quickly. */
static void test_gone_master_taken_over(void **st)
{
	(void)st;
	become_standby();
	uint64_t t0 = F.now;
	poll_once(MW_ERROR);
	assert_int_equal(F.timer_ms[ET_POLL], 100);  /* confirmed at once */
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	assert_int_equal(E.state, SM_DISCOVERING);
	assert_int_equal(last_act(), ACT_SWEEP);
	assert_true(F.now - t0 <= 500);
	assert_true(E.former.info.guid == MGUID);
}

/* Silence while the master's node answers: slow, not gone. One long poll,
 * port checks meanwhile, and no takeover before master_timeout. */
static void test_slow_master_waited_for(void **st)
{
	(void)st;
	become_standby();
	poll_once(MW_TIMEOUT);
	assert_int_equal(F.probes, 1);
	uint64_t t_slow = F.now;
	elect_on_probe(&E, MGUID);
	assert_int_equal(F.polls, 2);          /* the long poll is out */
	assert_int_equal(F.poll_timeout, 1000);
	for (int i = 0; i < 30; i++) {         /* 9 s of port checks */
		fire(ET_POLL);
		elect_on_probe(&E, MGUID);
		if (i % 4 == 3)                /* each long poll gives up after 1 s */
			elect_on_poll(&E, MW_TIMEOUT, NULL);
	}
	assert_int_equal(F.polls, 2 + 7);      /* one at a time, one a second */
	assert_int_equal(E.state, SM_STANDBY);
	F.now = t_slow + 10000;
	elect_on_poll(&E, MW_TIMEOUT, NULL);   /* the last one gives up */
	assert_int_equal(E.state, SM_DISCOVERING);
}

/* A slow master (stopped) that dies: its outstanding poll is never
 * answered, the next one gets an error; with the port checks still
 * answering, three errors are a master gone, not a 10 s wait. */
static void test_slow_master_then_dies(void **st)
{
	(void)st;
	become_standby();
	poll_once(MW_TIMEOUT);
	elect_on_probe(&E, MGUID);             /* slow: the long poll is out */
	uint64_t t_dead = F.now + 500;
	F.now += 1000;
	elect_on_poll(&E, MW_TIMEOUT, NULL);   /* lost with the process */
	assert_int_equal(F.polls, 3);          /* sent anew */
	for (int i = 0; i < 3; i++) {
		elect_on_poll(&E, MW_ERROR, NULL);
		if (E.state != SM_STANDBY)
			break;
		F.now += 100;
		elect_on_probe(&E, MGUID);     /* its node still answers */
		fire(ET_POLL);
	}
	assert_int_equal(E.state, SM_DISCOVERING);
	assert_true(F.now - t_dead < 2000);
}

static void test_slow_master_answers_again(void **st)
{
	(void)st;
	become_standby();
	poll_once(MW_TIMEOUT);
	elect_on_probe(&E, MGUID);
	F.now += 3000;
	struct sm_info si = I(MGUID, 9, SM_MASTER);
	elect_on_poll(&E, MW_ANSWERED, &si);
	assert_false(mw_slow(&E.mw));
	assert_int_equal(E.state, SM_STANDBY);
	/* a port check still out is stale now, and changes nothing */
	elect_on_probe(&E, 0);
	assert_int_equal(E.mw.misses, 0);
}

static void test_unreachable_port_taken_over(void **st)
{
	(void)st;
	become_standby();
	poll_once(MW_TIMEOUT);
	elect_on_probe(&E, 0);
	fire(ET_POLL);
	assert_int_equal(F.probes, 2);         /* confirmed by port checks */
	elect_on_probe(&E, 0);
	fire(ET_POLL);
	elect_on_probe(&E, 0);
	assert_int_equal(E.state, SM_DISCOVERING);
}

/* A standby whose own link is down cannot tell: it never takes over. */
static void test_own_link_down_never_takes_over(void **st)
{
	(void)st;
	become_standby();
	elect_own_link(&E, 0);
	for (int i = 0; i < 10; i++)
		poll_once(MW_ERROR);
	assert_int_equal(E.state, SM_STANDBY);
	elect_own_link(&E, 1);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	assert_int_equal(E.state, SM_DISCOVERING);
}

/* A reply about the master of before does not count against the new one. */
static void test_stale_poll_ignored(void **st)
{
	(void)st;
	become_standby();
	fire(ET_POLL);                         /* a poll is out to MGUID */
	struct sm_peer n = P(0x70, 12, SM_MASTER, 1);
	elect_follow(&E, &n);                  /* told to follow another */
	elect_on_poll(&E, MW_ERROR, NULL);     /* the old poll fails */
	assert_int_equal(E.mw.misses, 0);
	assert_true(F.timer_on[ET_POLL]);      /* and polling goes on */
}

/* A busy poll never leaves the standby without a timer. */
static void test_poll_timer_never_lost(void **st)
{
	(void)st;
	become_standby();
	fire(ET_POLL);
	assert_true(E.poll_busy);
	elect_on_timer(&E, ET_POLL);           /* a tick while the poll is out */
	assert_true(F.timer_on[ET_POLL]);
}

/* After a takeover the former master is watched; back and better: handed back. */
static void test_former_master_gets_it_back(void **st)
{
	(void)st;
	struct sm_peer to;
	become_standby();
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, NULL, 0, &to), ELECT_GO_ON);
	assert_int_equal(E.state, SM_MASTER);
	fire(ET_POLL);
	assert_int_equal(F.formers, 1);
	struct sm_info si = I(MGUID, 9, SM_MASTER);
	elect_on_former(&E, MW_ANSWERED, &si);
	assert_int_equal(F.handovers, 1);
	assert_true(F.to.info.guid == MGUID);
	assert_int_equal(E.former_until, 0);
}

static void test_former_worse_or_following_kept(void **st)
{
	(void)st;
	struct sm_peer to;
	struct elect_cfg c = C(12, 1);  /* we outrank the former master */
	elect_reload(&E, &c);
	become_standby();
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, NULL, 0, &to);
	fire(ET_POLL);
	struct sm_info si = I(MGUID, 9, SM_MASTER);
	elect_on_former(&E, MW_ANSWERED, &si);
	assert_int_equal(F.handovers, 0);
	assert_true(F.timer_on[ET_POLL]);      /* watched on */
	fire(ET_POLL);
	si.state = SM_STANDBY;                 /* it follows us now */
	elect_on_former(&E, MW_ANSWERED, &si);
	assert_int_equal(E.former_until, 0);
	assert_false(F.timer_on[ET_POLL]);
}

/* SMInfo Sets: only a trusted master commands; ACKNOWLEDGE only a standby. */
static void test_sminfo_set_trust(void **st)
{
	(void)st;
	int locate;
	become_standby();
	struct sm_info foreign = I(MGUID, 9, SM_MASTER), standby = I(0x30, 9, SM_STANDBY);
	foreign.key = 7;
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISABLE, &foreign, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISABLE, &standby, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(elect_sminfo_set(&E, 9, &standby, NULL, &locate), ELECT_STATUS_REFUSED);
	assert_int_equal(E.state, SM_STANDBY);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_ACKNOWLEDGE, &standby, NULL, &locate), 0);
	struct sm_info m = I(MGUID, 9, SM_MASTER);
	/* key 0 is no wildcard: any node can send it (two such DISABLEs
	 * left a fabric without any SM) */
	m.key = 0;
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISABLE, &m, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &m, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(E.state, SM_STANDBY);
	m.key = E.cfg.key;
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &m, NULL, &locate), 0);
	assert_int_equal(E.state, SM_MASTER);
	assert_int_equal(last_act(), ACT_BECOME_MASTER);
}

/* STANDBY from a master: we follow it; its route unknown: locate it. */
static void test_sminfo_set_standby(void **st)
{
	(void)st;
	int locate;
	become_master();
	struct sm_info m = I(0x70, 14, SM_MASTER);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_STANDBY, &m, NULL, &locate), 0);
	assert_int_equal(E.state, SM_STANDBY);
	assert_true(E.master.info.guid == 0x70);
	assert_true(locate);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISABLE, &m, NULL, &locate), 0);
	assert_int_equal(E.state, SM_NOTACTIVE);
	assert_true(F.timer_on[ET_POLL]);          /* it watches the master */
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISCOVER, &m, NULL, &locate), 0);
	assert_int_equal(E.state, SM_DISCOVERING);
}

/* Disabled by a master that then dies: back, or an SM on every node could
 * end in a fabric with none. While it lives, disabled it stays. */
static void test_disabled_until_master_gone(void **st)
{
	(void)st;
	int locate;
	become_standby();
	struct sm_info m = I(MGUID, 9, SM_MASTER);
	m.key = E.cfg.key;
	assert_int_equal(elect_sminfo_set(&E, SMINFO_DISABLE, &m, NULL, &locate), 0);
	assert_int_equal(E.state, SM_NOTACTIVE);
	assert_int_equal(last_act(), ACT_STOP);
	poll_once(MW_ANSWERED);
	poll_once(MW_ANSWERED);
	assert_int_equal(E.state, SM_NOTACTIVE);
	assert_int_equal(F.traps, 0);              /* no announcing while disabled */
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	assert_int_equal(E.state, SM_DISCOVERING);
	assert_int_equal(last_act(), ACT_SWEEP);
}

/* Nobody commands a leaving SM, nor one claiming our own GUID (fuzz_elect
 * found a leaving SM made master again by a HANDOVER). */
static void test_no_commands_while_leaving(void **st)
{
	int locate;
	struct sm_info self = I(OURS, 15, SM_MASTER), m = I(MGUID, 9, SM_MASTER);

	become_standby();
	self.key = m.key = E.cfg.key;
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &self, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(E.state, SM_STANDBY);
	teardown(st);
	setup(st);
	become_master();
	assert_int_equal(elect_leave(&E), 1);          /* handing over, on its way out */
	assert_int_equal(elect_sminfo_set(&E, SMINFO_STANDBY, &m, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &m, NULL, &locate),
			 ELECT_STATUS_REFUSED);
	assert_int_equal(E.state, SM_MASTER);
}

/* Leaving is NOTACTIVE for good: nobody is watched, a poll timer left
 * over does nothing. */
static void test_leaving_not_watching(void **st)
{
	(void)st;
	become_master();
	elect_leave(&E);
	struct sm_peer v[] = { P(0x30, 3, SM_STANDBY, 1) };
	elect_on_peers(&E, v, 1);
	elect_on_handover(&E, HO_OK);
	assert_int_equal(E.state, SM_NOTACTIVE);
	assert_false(F.timer_on[ET_POLL]);
	int polls = F.polls;
	elect_on_timer(&E, ET_POLL);
	assert_int_equal(F.polls, polls);
	assert_int_equal(E.state, SM_NOTACTIVE);
}

static void test_preempt_yes_hands_over(void **st)
{
	(void)st;
	become_master();
	struct sm_peer v[] = { P(0x30, 9, SM_STANDBY, 1) };
	elect_refresh(&E);
	assert_int_equal(F.queries, 1);
	elect_on_peers(&E, v, 1);
	assert_int_equal(F.handovers, 1);
	assert_int_equal(F.stops, 1);          /* the sweep stops first */
}

static void test_preempt_no_keeps_mastership(void **st)
{
	(void)st;
	struct elect_cfg c = C(5, 0);
	elect_reload(&E, &c);
	become_master();
	struct sm_peer to, v[] = { P(0x30, 9, SM_STANDBY, 1) };
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
	assert_int_equal(F.handovers, 0);
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_MASTER, v, 1, &to), ELECT_GO_ON);
	/* two masters: the lower one hands over whatever preempt says */
	struct sm_peer m[] = { P(0x30, 9, SM_MASTER, 1) };
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_MASTER, m, 1, &to), ELECT_HAND_OVER);
}

/* A refused handover: stay MASTER, sweep again, and skip that SM a minute. */
static void test_refused_handover_held_off(void **st)
{
	(void)st;
	become_master();
	struct sm_peer v[] = { P(0x30, 9, SM_STANDBY, 1) };
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
	elect_on_handover(&E, HO_REFUSED);
	assert_int_equal(E.state, SM_MASTER);
	assert_int_equal(F.resweeps, 1);
	F.now += 30000;
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
	assert_int_equal(F.handovers, 1);      /* not again within the minute */
	F.now += 31000;
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
	assert_int_equal(F.handovers, 2);
}

/* Accepted, but the new master never says MASTER: stay MASTER. */
static void test_handover_wait_times_out(void **st)
{
	(void)st;
	master_meets_better_standby();
	elect_on_handover(&E, HO_OK);
	assert_int_equal(F.waits, 1);
	assert_int_equal(E.state, SM_MASTER);  /* never without a master */
	elect_on_master_seen(&E, HO_NOT_MASTER);
	assert_int_equal(E.state, SM_MASTER);
	assert_int_equal(F.resweeps, 1);
}

static void test_handover_completes(void **st)
{
	(void)st;
	master_meets_better_standby();
	elect_on_handover(&E, HO_OK);
	elect_on_master_seen(&E, HO_OK);
	assert_int_equal(E.state, SM_STANDBY);
	assert_true(E.master.info.guid == 0x30);
	assert_true(F.timer_on[ET_POLL]);
}

/* The metrics' counters: a master change each time the master known becomes
 * another SM (with its time), a failover, handovers both ways; none of them
 * counts twice or for nothing. */
static void test_counts(void **st)
{
	(void)st;
	int locate;
	struct sm_peer to;
	const struct elect_counts *c = &E.counts;

	become_standby();               /* master MGUID: the first one known */
	assert_int_equal(c->master_changes, 1);
	assert_true(c->master == MGUID && elect_master_guid(&E) == MGUID);
	assert_true(c->master_changed_ms == F.now);
	poll_once(MW_ANSWERED);         /* still the same master */
	assert_int_equal(c->master_changes, 1);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);
	poll_once(MW_ERROR);            /* gone: taken over */
	assert_int_equal(c->failovers, 1);
	assert_int_equal(elect_master_guid(&E), 0);  /* DISCOVERING */
	assert_int_equal(c->master_changes, 1);      /* no master is no change */
	F.now += 50;
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_ELECT, NULL, 0, &to), ELECT_GO_ON);
	assert_int_equal(c->master_changes, 2);      /* ourselves */
	assert_true(c->master == OURS && c->master_changed_ms == F.now);
	/* a better standby: handed over, accepted, then it reports MASTER */
	struct sm_peer v[] = { P(0x30, 9, SM_STANDBY, 1) };
	elect_refresh(&E);
	elect_on_peers(&E, v, 1);
	assert_int_equal(F.handovers, 1);
	assert_int_equal(c->handovers_given, 0);     /* not before it is accepted */
	elect_on_handover(&E, HO_OK);
	assert_int_equal(c->handovers_given, 1);
	elect_on_master_seen(&E, HO_OK);
	assert_int_equal(c->master_changes, 3);
	assert_true(c->master == 0x30);
	/* and back: its HANDOVER makes us MASTER */
	struct sm_info m = I(0x30, 9, SM_MASTER);
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &m, NULL, &locate), 0);
	assert_int_equal(c->handovers_taken, 1);
	assert_int_equal(c->master_changes, 4);
	/* a HANDOVER while MASTER changes nothing and counts nothing */
	assert_int_equal(elect_sminfo_set(&E, SMINFO_HANDOVER, &m, NULL, &locate), 0);
	assert_int_equal(c->handovers_taken, 1);
	assert_int_equal(c->master_changes, 4);
	assert_int_equal(c->failovers, 1);
}

/* Behind a better standby, of three: poll slowly (10 x 2 intervals). */
static void test_line_paces_polls(void **st)
{
	(void)st;
	become_standby();
	struct sm_peer to, v[] = { P(MGUID, 9, SM_MASTER, 1), P(0x10, 7, SM_STANDBY, 1),
				   P(0x40, 1, SM_STANDBY, 1) };
	assert_int_equal(elect_sweep_verdict(&E, ELECT_SWEEP_RECORD, v, 3, &to), ELECT_DONE);
	assert_int_equal(E.line_pos, 1);
	assert_int_equal(E.nstandby, 3);
	poll_once(MW_ANSWERED);
	assert_int_equal(F.timer_ms[ET_POLL], 6000);
	/* a miss is confirmed at the fast pace all the same */
	poll_once(MW_ERROR);
	assert_int_equal(F.timer_ms[ET_POLL], 100);
}

/* SIGTERM as master: hand over to the best standby, NOTACTIVE, then leave. */
static void test_leave_hands_over(void **st)
{
	(void)st;
	become_master();
	assert_int_equal(elect_leave(&E), 1);
	assert_true(F.timer_on[ET_LEAVE]);
	struct sm_peer v[] = { P(0x40, 1, SM_STANDBY, 1), P(0x30, 3, SM_STANDBY, 1) };
	elect_on_peers(&E, v, 2);
	assert_true(F.to.info.guid == 0x30);   /* the best, even below us */
	elect_on_handover(&E, HO_OK);
	assert_int_equal(E.state, SM_NOTACTIVE);
	elect_on_master_seen(&E, HO_OK);
	assert_int_equal(F.lefts, 1);
	elect_on_timer(&E, ET_LEAVE);          /* a late timer: left once only */
	assert_int_equal(F.lefts, 1);
}

static void test_leave_without_standby_or_in_time(void **st)
{
	(void)st;
	become_master();
	elect_leave(&E);
	elect_on_peers(&E, NULL, 0);
	assert_int_equal(F.lefts, 1);
	assert_int_equal(F.handovers, 0);
	teardown(st);
	setup(st);
	become_master();
	elect_leave(&E);
	fire(ET_LEAVE);                        /* nobody answers in time */
	assert_int_equal(F.lefts, 1);
	assert_int_equal(elect_leave(&E), 0);  /* once */
}

/* A standby that outranks its master announces it, every 10 s at most. */
static void test_announce_outranking(void **st)
{
	(void)st;
	struct elect_cfg c = C(12, 0);
	elect_reload(&E, &c);
	become_standby();
	poll_once(MW_ANSWERED);
	assert_int_equal(F.traps, 1);
	poll_once(MW_ANSWERED);
	assert_int_equal(F.traps, 1);
	F.now += 10000;
	poll_once(MW_ANSWERED);
	assert_int_equal(F.traps, 2);
}

/* A new priority re-ranks at once: a master asks the SMs. */
static void test_reload_reranks(void **st)
{
	(void)st;
	become_master();
	struct elect_cfg c = C(5, 1);
	elect_reload(&E, &c);
	assert_int_equal(F.queries, 0);        /* nothing changed */
	c.priority = 1;
	elect_reload(&E, &c);
	assert_int_equal(F.queries, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_unexpected_events_ignored),
		cmocka_unit_test(test_names),
		T(test_start_sweeps),
		T(test_alone_becomes_master),
		T(test_any_master_is_followed),
		T(test_better_standby_wins_worse_not),
		T(test_foreign_key_ignored),
		T(test_poll_answered),
		T(test_gone_master_taken_over),
		T(test_slow_master_waited_for),
		T(test_slow_master_answers_again),
		T(test_slow_master_then_dies),
		T(test_unreachable_port_taken_over),
		T(test_own_link_down_never_takes_over),
		T(test_stale_poll_ignored),
		T(test_poll_timer_never_lost),
		T(test_former_master_gets_it_back),
		T(test_former_worse_or_following_kept),
		T(test_sminfo_set_trust),
		T(test_sminfo_set_standby),
		T(test_disabled_until_master_gone),
		T(test_leaving_not_watching),
		T(test_no_commands_while_leaving),
		T(test_preempt_yes_hands_over),
		T(test_preempt_no_keeps_mastership),
		T(test_refused_handover_held_off),
		T(test_handover_wait_times_out),
		T(test_handover_completes),
		T(test_counts),
		T(test_line_paces_polls),
		T(test_leave_hands_over),
		T(test_leave_without_standby_or_in_time),
		T(test_announce_outranking),
		T(test_reload_reranks),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
