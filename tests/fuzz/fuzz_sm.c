/* fuzz_sm: the whole SM, from its start, driven by any sequence of what the
 * fabric and the other nodes can do: every SMP it sends answered with any 64
 * bytes of data, a MAD status or a timeout (discovery's NodeInfo, PortInfo,
 * SwitchInfo, NodeDescription replies, the sweep's reads, the election's
 * SMInfo, LFT/MFT Set answers, ...), and any unsolicited MAD (SMInfo Get and
 * Set, traps and notices, SA requests) from any LID. The MAD engine and the
 * port are tests/fuzz/fake_port.c; the rest is smd's own code. After each
 * input everything left is timed out and the SM freed: no crash, no leak,
 * no sanitizer finding, every answer a response of legal size.
 * Input: a sequence of steps, each an opcode byte:
 *   0: an unsolicited MAD: class (byte: 0x01, 0x81 or 0x03 by its value
 *      mod 3), method, attribute (2 bytes), source LID (2 bytes), then the
 *      rest of the MAD from offset 24 (up to 232 bytes: a length byte, the
 *      bytes);
 *   1: the oldest SMP answered: 64 bytes of data;
 *   2: the oldest SMP times out;
 *   3: the oldest SMP answered with a status (2 bytes) and 64 bytes;
 *   4: the event loop runs once (what the SM deferred: timers due now);
 *   5: a control socket request (smctl's): a length byte, the line; the
 *      answer must be "OK\n" and a body, or one "ERR ...\n" line.
 * So the reports (status, lids, groups, metrics, also --json) are rendered
 * from whatever fabric and groups the inputs before made. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include <infiniband/mad.h>

#include "config.h"
#include "ctl.h"
#include "fake_port.h"
#include "log.h"
#include "sm.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static int take(struct in *in, void *out, size_t len)
{
	if (in->n < len) {
		memset(out, 0, len);
		in->n = 0;
		return -1;
	}
	memcpy(out, in->p, len);
	in->p += len;
	in->n -= len;
	return 0;
}

static char state_dir[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		log_init("fuzz_sm", 1, LOG_LVL_ERR);
		const char *tmp = getenv("TMPDIR");
		snprintf(state_dir, sizeof(state_dir), "%s/fuzz_sm.%ld", tmp ? tmp : "/tmp",
			 (long)getpid());
		once = 1;
	}
	struct event_base *base = event_base_new();
	struct smd_config cfg;
	cfg_defaults(&cfg);
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", state_dir);
	cfg.sweep_interval = 1;
	struct sm *sm = sm_new(base, &cfg, -1, 0);
	if (!sm)
		abort();

	struct in in = { data, size };
	unsigned steps = 0;
	while (in.n && steps++ < 4096) {
		uint8_t op, b[256], d[64];
		take(&in, &op, 1);
		switch (op % 6) {
		case 0: {
			uint8_t hdr[6], len;
			take(&in, hdr, sizeof(hdr));
			take(&in, &len, 1);
			memset(b, 0, sizeof(b));
			static const uint8_t classes[3] = { 0x01, 0x81, 0x03 };
			b[0] = 1;
			b[1] = classes[hdr[0] % 3];
			b[2] = b[1] == 0x03 ? 2 : 1;
			b[3] = hdr[1];
			b[16] = hdr[2];
			b[17] = hdr[3];
			size_t n = len < 232 ? len : 232;
			if (n > in.n)
				n = in.n;
			take(&in, b + 24, n);
			struct mad_from from = { .handle = MAD_H_SMI };
			from.addr[8] = hdr[4];  /* ib_mad_addr_t.lid, big-endian */
			from.addr[9] = hdr[5];
			sm_recv(sm, b, 24 + n < 256 ? 256 : 24 + n, &from);
			break;
		}
		case 1:
			take(&in, d, sizeof(d));
			fake_answer(MAD_OK, 0, d);
			break;
		case 2:
			fake_answer(MAD_ETIMEDOUT, 0, NULL);
			break;
		case 3: {
			uint8_t st[2];
			take(&in, st, 2);
			take(&in, d, sizeof(d));
			fake_answer(MAD_ESTATUS, (unsigned)(st[0] << 8 | st[1]) ? (unsigned)(st[0] << 8 | st[1]) : 0x1c, d);
			break;
		}
		case 4:
			event_base_loop(base, EVLOOP_NONBLOCK);
			break;
		case 5: {
			uint8_t len;
			char line[256];
			take(&in, &len, 1);
			size_t n = len < in.n ? len : in.n;
			take(&in, line, n);
			line[n] = 0;
			struct sbuf out = { 0 };
			ctl_run(sm, line, &out);
			if (!out.s || (strncmp(out.s, "OK\n", 3) &&
				       (strncmp(out.s, "ERR ", 4) || strchr(out.s, '\n') != out.s + out.len - 1)))
				abort();
			sb_free(&out);
			break;
		}
		}
	}
	/* What is left times out (a sweep gives up; bounded: every answer
	 * ends a request, and a failed sweep starts no other at once). */
	for (unsigned i = 0; i < 100000 && fake_answer(MAD_ETIMEDOUT, 0, NULL); i++)
		;
	sm_free(sm);
	event_base_free(base);
	return 0;
}
