/* fuzz_elect: the election driven by any sequence of what other SMs and the
 * fabric can do to it: SMInfo Sets with any fields and key, poll and port
 * check outcomes, SMs found by a sweep, handover results, timers, trap 144,
 * SIGTERM. After each step: the state is one of the four; an SMInfo Set
 * whose key is not ours never changes it; a leaving SM never takes over. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "log.h"

#define OUR_KEY 0x1

static uint64_t now_ms;
static int sweeping;

static uint64_t f_now(void *a) { (void)a; return now_ms; }
static void f_timer(void *a, enum elect_timer t, unsigned ms) { (void)a; (void)t; (void)ms; }
static void f_timer_stop(void *a, enum elect_timer t) { (void)a; (void)t; }
static int f_poll(void *a, const struct sm_peer *p, unsigned to, int f) { (void)a; (void)p; (void)to; (void)f; return 0; }
static int f_probe(void *a, const struct sm_peer *p, unsigned to) { (void)a; (void)p; (void)to; return 0; }
static int f_query(void *a, uint64_t skip) { (void)a; (void)skip; return 0; }
static int f_handover(void *a, const struct sm_peer *to, const struct sm_info *ours) { (void)a; (void)to; (void)ours; return 0; }
static int f_wait(void *a, const struct sm_peer *p, unsigned l) { (void)a; (void)p; (void)l; return 0; }
static int f_trap(void *a, const struct sm_peer *m) { (void)a; (void)m; return 0; }
static void f_act(void *a, enum elect_action act, enum sm_state was) { (void)a; (void)act; (void)was; }
static void f_left(void *a) { (void)a; }
static int f_sweeping(void *a) { (void)a; return sweeping; }
static void f_stop(void *a) { (void)a; sweeping = 0; }
static void f_resweep(void *a, const char *why) { (void)a; (void)why; }

static const struct elect_ops ops = {
	.now_ms = f_now, .timer = f_timer, .timer_stop = f_timer_stop, .poll = f_poll,
	.probe = f_probe, .query_peers = f_query, .handover = f_handover, .wait_master = f_wait,
	.trap144 = f_trap, .act = f_act, .left = f_left, .sweeping = f_sweeping,
	.stop_sweep = f_stop, .resweep = f_resweep,
};

/* An SM as the bytes describe it: GUID from a small set (so they meet
 * again), any priority and state, our key or not. */
static struct sm_info info(const uint8_t *b)
{
	struct sm_info si;

	memset(&si, 0, sizeof(si));
	si.guid = 0x10 + (b[0] & 7) * 0x10;
	si.priority = b[1] & 15;
	si.state = b[1] >> 4 & 3;
	si.key = b[0] & 0x80 ? b[2] : OUR_KEY;
	return si;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct elect e;
	struct elect_cfg cfg = { .priority = 5, .key = OUR_KEY, .preempt = 1,
				 .poll_interval_ms = 300, .poll_timeout_ms = 200, .poll_retries = 3,
				 .master_timeout_ms = 10000 };

	if (!ready) {
		log_init("fuzz_elect", 1, LOG_LVL_ERR);
		ready = 1;
	}
	now_ms = 1000;
	sweeping = 0;
	elect_init(&e, &ops, NULL, &cfg);
	e.guid = 0x20;
	elect_event(&e, EV_START);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		const uint8_t *b = data + i + 1;
		struct sm_info si = info(b);
		struct sm_peer peers[4];
		int locate;
		enum sm_state before = e.state;

		now_ms += b[2] * 10u;
		switch (data[i] % 12) {
		case 0: {
			unsigned st = elect_sminfo_set(&e, b[2] % 7, &si, NULL, &locate);
			if (si.key != OUR_KEY && (st == 0 || e.state != before))
				abort();               /* a foreign key commanded us */
			break;
		}
		case 1: elect_on_poll(&e, (enum mw_outcome)(b[0] % 3), &si); break;
		case 2: elect_on_probe(&e, b[0] & 1 ? si.guid : 0); break;
		case 3: elect_on_timer(&e, (enum elect_timer)(b[0] % ET_NTIMERS)); break;
		case 4:
			for (unsigned k = 0; k < 4; k++) {
				memset(&peers[k], 0, sizeof(peers[k]));
				peers[k].info = info(data + (i + k) % (size - 2));
			}
			elect_on_peers(&e, peers, b[2] % 5);
			break;
		case 5: elect_on_handover(&e, (enum elect_ho)(b[0] % 4)); break;
		case 6: elect_on_master_seen(&e, (enum elect_ho)(b[0] % 4)); break;
		case 7: {
			for (unsigned k = 0; k < 4; k++) {
				memset(&peers[k], 0, sizeof(peers[k]));
				peers[k].info = info(data + (i + k) % (size - 2));
			}
			struct sm_peer to;
			enum elect_verdict v = elect_sweep_verdict(&e, (enum elect_sweep)(b[0] % 3),
								   peers, b[2] % 5, &to);
			if (v == ELECT_FOLLOW)
				elect_follow(&e, &to);
			else if (v == ELECT_HAND_OVER)
				elect_handover(&e, &to);
			break;
		}
		case 8: elect_priority_trap(&e); break;
		case 9: elect_refresh(&e); break;
		case 10: elect_own_link(&e, b[0] & 1); break;
		case 11:
			if (b[0] < 16)
				elect_leave(&e);       /* rarely: it ends the story */
			else
				elect_on_former(&e, (enum mw_outcome)(b[1] % 3), &si);
			break;
		}
		if ((unsigned)e.state > SM_MASTER)
			abort();
		if (e.leaving && before != SM_MASTER && e.state == SM_MASTER)
			abort();                       /* a leaving SM never takes over */
	}
	elect_free(&e);
	return 0;
}
