/* portwatch: a test-side probe (not part of smd). Polls PortInfo of the
 * given ports by directed route, one libibmad client for the whole run, and
 * prints the wall-clock time in ms (CLOCK_REALTIME) at which every port was
 * seen Active. Cheaper and finer than starting smpquery in a loop, so the
 * benchmark can time an SM to the millisecond.
 *   portwatch [-d] TIMEOUT_MS DRPATH:PORT...
 *   -d  first wait until some port is not Active (a cable was pulled), then
 *       report when all are Active again.
 *   portwatch -m TIMEOUT_MS DRPATH
 *       instead report when the SM at DRPATH answers SMInfo with MASTER
 *       (the failover benchmark: the standby's own SM, path "0").
 *   portwatch -c PERIOD_MS COUNT PORT
 *       the floor under any own-port watch: the CPU time (this process,
 *       every thread, libumad2sim's receiver included) of COUNT wake-ups
 *       PERIOD_MS apart doing nothing, then of COUNT wake-ups each reading
 *       PortInfo of local PORT; prints "wake US check US" (per wake-up).
 * Exit 0 when Active in time, 1 on timeout, 2 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

static long long now_ms(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct target { ib_portid_t id; int port; };

static int all_active(struct ibmad_port *mp, struct target *t, int n)
{
	uint8_t data[IB_SMP_DATA_SIZE];

	for (int i = 0; i < n; i++) {
		memset(data, 0, sizeof(data));
		if (!smp_query_via(data, &t[i].id, IB_ATTR_PORT_INFO, (unsigned)t[i].port, 100, mp))
			return 0;
		if (mad_get_field(data, 0, IB_PORT_STATE_F) != 4)
			return 0;
	}
	return 1;
}

/* What the probe waits for, polled every 2 ms. */
struct probe {
	struct ibmad_port *mp;
	struct target *t;
	int n;
	ib_portid_t master;           /* -m */
	int (*test)(struct probe *);
};

static int test_all_active(struct probe *p)
{
	return all_active(p->mp, p->t, p->n);
}

static int test_master(struct probe *p)
{
	uint8_t data[IB_SMP_DATA_SIZE];

	memset(data, 0, sizeof(data));
	if (!smp_query_via(data, &p->master, IB_ATTR_SMINFO, 0, 100, p->mp))
		return 0;
	return mad_get_field(data, 0, IB_SMINFO_STATE_F) == 3;
}

/* Poll until test() says want; 1 when `end` passes first. */
static int wait_for(struct probe *p, int want, long long end)
{
	while (p->test(p) != want) {
		if (now_ms(CLOCK_MONOTONIC) > end)
			return 1;
		usleep(2000);
	}
	return 0;
}

static double cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* -c: CPU per idle wake-up, without and with one PortInfo Get each. */
static int measure_checks(int period_ms, int count, int port)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	ib_portid_t self;
	uint8_t data[IB_SMP_DATA_SIZE];
	double per[2];

	if (!mp) {
		fprintf(stderr, "portwatch: cannot open the umad port\n");
		return 2;
	}
	memset(&self, 0, sizeof(self));
	if (str2drpath(&self.drpath, "0", 0, 0) < 0)
		return 2;
	/* One reading first: libumad2sim and libibmad set up on first use. */
	if (!smp_query_via(data, &self, IB_ATTR_PORT_INFO, (unsigned)port, 100, mp)) {
		fprintf(stderr, "portwatch: PortInfo of local port %d unanswered\n", port);
		return 1;
	}
	for (int check = 0; check < 2; check++) {
		double c0 = cpu_us();
		for (int i = 0; i < count; i++) {
			usleep((useconds_t)period_ms * 1000);
			if (check && !smp_query_via(data, &self, IB_ATTR_PORT_INFO, (unsigned)port, 100, mp))
				return 1;
		}
		per[check] = (cpu_us() - c0) / count;
	}
	printf("wake %.0f check %.0f\n", per[0], per[1]);
	mad_rpc_close_port(mp);
	return 0;
}

static void say_ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	int wait_down = 0, watch_master = 0, i = 1;
	struct target t[16];
	struct probe p = { .t = t, .test = test_all_active };

	if (argc == 5 && !strcmp(argv[1], "-c"))
		return measure_checks(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc > 1 && !strcmp(argv[1], "-m")) {
		watch_master = 1;
		i++;
	} else if (argc > 1 && !strcmp(argv[1], "-d")) {
		wait_down = 1;
		i++;
	}
	if (watch_master ? argc - i != 2 : (argc - i < 2 || argc - i - 1 > 16)) {
		fprintf(stderr, "usage: portwatch [-d] TIMEOUT_MS DRPATH:PORT...\n"
				"       portwatch -m TIMEOUT_MS DRPATH\n"
				"       portwatch -c PERIOD_MS COUNT PORT\n");
		return 2;
	}
	long long timeout = atoll(argv[i++]);
	if (watch_master) {
		p.test = test_master;
		if (str2drpath(&p.master.drpath, argv[i], 0, 0) < 0)
			return 2;
	}
	for (; !watch_master && i < argc; i++, p.n++) {
		char path[128], *colon;
		snprintf(path, sizeof(path), "%s", argv[i]);
		colon = strrchr(path, ':');
		if (!colon)
			return 2;
		*colon = 0;
		memset(&t[p.n].id, 0, sizeof(t[p.n].id));
		if (str2drpath(&t[p.n].id.drpath, path, 0, 0) < 0)
			return 2;
		t[p.n].port = atoi(colon + 1);
	}
	p.mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!p.mp) {
		fprintf(stderr, "portwatch: cannot open the umad port\n");
		return 2;
	}
	long long end = now_ms(CLOCK_MONOTONIC) + timeout;
	if (watch_master)
		say_ready();
	if (wait_down) {
		say_ready();
		if (wait_for(&p, 0, end))
			return 1;
	}
	if (wait_for(&p, 1, end))
		return 1;
	printf("%lld\n", now_ms(CLOCK_REALTIME));
	mad_rpc_close_port(p.mp);
	return 0;
}
