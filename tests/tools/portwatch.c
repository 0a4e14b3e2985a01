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

static int is_master(struct ibmad_port *mp, ib_portid_t *id)
{
	uint8_t data[IB_SMP_DATA_SIZE];

	memset(data, 0, sizeof(data));
	if (!smp_query_via(data, id, IB_ATTR_SMINFO, 0, 100, mp))
		return 0;
	return mad_get_field(data, 0, IB_SMINFO_STATE_F) == 3;
}

static int watch_master(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	ib_portid_t id;

	if (argc != 4)
		return 2;
	long long timeout = atoll(argv[2]);
	memset(&id, 0, sizeof(id));
	if (str2drpath(&id.drpath, argv[3], 0, 0) < 0)
		return 2;
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp)
		return 2;
	printf("ready\n");
	fflush(stdout);
	long long end = now_ms(CLOCK_MONOTONIC) + timeout;
	while (!is_master(mp, &id)) {
		if (now_ms(CLOCK_MONOTONIC) > end)
			return 1;
		usleep(2000);
	}
	printf("%lld\n", now_ms(CLOCK_REALTIME));
	mad_rpc_close_port(mp);
	return 0;
}

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	int wait_down = 0, i = 1;
	struct target t[16];

	if (argc > 1 && !strcmp(argv[1], "-m"))
		return watch_master(argc, argv);

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		wait_down = 1;
		i++;
	}
	if (argc - i < 2 || argc - i - 1 > 16) {
		fprintf(stderr, "usage: portwatch [-d] TIMEOUT_MS DRPATH:PORT...\n");
		return 2;
	}
	long long timeout = atoll(argv[i++]);
	int n = 0;
	for (; i < argc; i++, n++) {
		char path[128], *colon;
		snprintf(path, sizeof(path), "%s", argv[i]);
		colon = strrchr(path, ':');
		if (!colon)
			return 2;
		*colon = 0;
		memset(&t[n].id, 0, sizeof(t[n].id));
		if (str2drpath(&t[n].id.drpath, path, 0, 0) < 0)
			return 2;
		t[n].port = atoi(colon + 1);
	}
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp) {
		fprintf(stderr, "portwatch: cannot open the umad port\n");
		return 2;
	}
	long long end = now_ms(CLOCK_MONOTONIC) + timeout;
	if (wait_down) {
		printf("ready\n");
		fflush(stdout);
		while (all_active(mp, t, n))
			if (now_ms(CLOCK_MONOTONIC) > end)
				return 1;
			else
				usleep(2000);
	}
	while (!all_active(mp, t, n)) {
		if (now_ms(CLOCK_MONOTONIC) > end)
			return 1;
		usleep(2000);
	}
	printf("%lld\n", now_ms(CLOCK_REALTIME));
	mad_rpc_close_port(mp);
	return 0;
}
