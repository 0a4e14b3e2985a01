/* smpflood: a benchmark-side probe (not part of smd). The floor under any
 * subnet manager on the simulator: sends COUNT NodeInfo Gets by directed
 * route along PATH, keeping WINDOW of them outstanding, from one thread with
 * no other work (libumad2sim's own receiver thread is the only other one).
 * The benchmark compares its wall time with ibsim's CPU time, as it does
 * smd's, to show what share of a bring-up the transport alone takes.
 *   smpflood [-w WINDOW] [-p PATH] COUNT
 *   PATH: out-ports from the local port, comma-separated (default "1": the
 *   node at the far end of the local link); WINDOW defaults to 32.
 * Prints "smpflood: N SMPs, H hops, window W: X ms" (time from the first
 * send to the last reply). Exit 0 when every Get was answered, 1 when one
 * came back undelivered or nothing arrived for a second, 2 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

#define MAX_HOPS 63
#define RECV_TIMEOUT_MS 1000
/* umad_size() can be smaller than the header umad_recv() writes */
#define UMAD_BUF (sizeof(struct ib_user_mad) + IB_MAD_SIZE)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Out with requests still in flight: _exit, because a reply arriving while
 * libumad2sim's exit handler runs deadlocks it. */
static void flood_fail(const char *msg)
{
	fprintf(stderr, "smpflood: %s\n", msg);
	_exit(1);
}

static int parse_path(const char *s, uint8_t *path)
{
	int hops = 0;
	char *end;

	for (;;) {
		long p = strtol(s, &end, 10);
		if (end == s || p < 1 || p > 254 || hops == MAX_HOPS)
			return -1;
		path[++hops] = (uint8_t)p;  /* path[0] is unused, as in the SMP */
		if (!*end)
			return hops;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static int send_get(int fd, int agent, void *umad, const uint8_t *path, int hops, uint32_t tid)
{
	uint8_t *mad = umad_get_mad(umad);

	memset(umad, 0, UMAD_BUF);
	mad_set_field(mad, 0, IB_MAD_BASEVER_F, 1);
	mad_set_field(mad, 0, IB_MAD_MGMTCLASS_F, IB_SMI_DIRECT_CLASS);
	mad_set_field(mad, 0, IB_MAD_CLASSVER_F, 1);
	mad_set_field(mad, 0, IB_MAD_METHOD_F, IB_MAD_METHOD_GET);
	mad_set_field(mad, 0, IB_MAD_ATTRID_F, IB_ATTR_NODE_INFO);
	mad_set_field(mad, 0, IB_DRSMP_HOPCNT_F, (unsigned)hops);
	mad_set_field(mad, 0, IB_DRSMP_DRSLID_F, 0xffff);
	mad_set_field(mad, 0, IB_DRSMP_DRDLID_F, 0xffff);
	mad_set_field64(mad, 0, IB_MAD_TRID_F, tid);
	mad_set_array(mad, 0, IB_DRSMP_PATH_F, (void *)path);
	umad_set_addr(umad, 0xffff, 0, 0, 0);
	return umad_send(fd, agent, umad, IB_MAD_SIZE, RECV_TIMEOUT_MS, 0);
}

int main(int argc, char **argv)
{
	uint8_t path[MAX_HOPS + 1] = { 0 };
	const char *path_arg = "1";
	long window = 32;
	int opt;

	while ((opt = getopt(argc, argv, "w:p:")) != -1) {
		if (opt == 'w')
			window = strtol(optarg, NULL, 10);
		else if (opt == 'p')
			path_arg = optarg;
		else
			goto usage;
	}
	if (optind != argc - 1 || window < 1 || window > 1024)
		goto usage;
	long count = strtol(argv[optind], NULL, 10);
	int hops = parse_path(path_arg, path);
	if (count < 1 || hops < 0)
		goto usage;

	if (umad_init() < 0) {
		fprintf(stderr, "smpflood: cannot initialise libibumad\n");
		return 1;
	}
	int fd = umad_open_port(NULL, 0);
	if (fd < 0) {
		fprintf(stderr, "smpflood: cannot open the umad port\n");
		return 1;
	}
	/* Both SMP classes: libumad2sim crashes on a class not registered. */
	int agent = umad_register(fd, IB_SMI_DIRECT_CLASS, 1, 0, NULL);
	if (agent < 0 || umad_register(fd, IB_SMI_CLASS, 1, 0, NULL) < 0) {
		fprintf(stderr, "smpflood: cannot register the SMP classes\n");
		return 1;
	}
	void *out = calloc(1, UMAD_BUF);
	void *in = calloc(1, UMAD_BUF);
	if (!out || !in)
		return 1;

	long sent = 0, answered = 0;
	double t0 = now_ms();
	while (answered < count) {
		while (sent < count && sent - answered < window) {
			/* libumad2sim overwrites the TID's upper half: count in the lower */
			if (send_get(fd, agent, out, path, hops, (uint32_t)(sent + 1)) < 0)
				flood_fail("umad_send failed");
			sent++;
		}
		int len = IB_MAD_SIZE;
		if (umad_recv(fd, in, &len, RECV_TIMEOUT_MS) < 0)
			flood_fail("no reply for a second");
		if (umad_status(in))
			flood_fail("a Get came back undelivered: no node at the end of the path?");
		answered++;
	}
	printf("smpflood: %ld SMPs, %d hops, window %ld: %.1f ms\n", count, hops, window,
	       now_ms() - t0);
	umad_close_port(fd);
	return 0;
usage:
	fprintf(stderr, "usage: smpflood [-w WINDOW] [-p PORT,PORT...] COUNT\n");
	return 2;
}
