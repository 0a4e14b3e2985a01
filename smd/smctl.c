/* smctl: ask a running smd over its control socket. It only talks to the
 * daemon; it never sends MADs itself. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "config.h"
#include "log.h"
#include "xalloc.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: smctl [--socket PATH] status|sweep|rebalance|lids|groups|partitions|metrics [--json]\n"
		"  status   state, priority, port, master, peers, fabric, last sweep\n"
		"  sweep    make smd sweep the fabric now\n"
		"  rebalance  master: choose every route afresh (routes otherwise stay put)\n"
		"  lids     GUID to LID of every port\n"
		"  groups   multicast groups and their members (the master's)\n"
		"  partitions  the partitions and the ports in each (full or limited)\n"
		"  metrics  every metric in Prometheus' text format (node_exporter's textfile\n"
		"           collector; --json does not apply)\n"
		"  --json   one JSON value instead of text\n"
		"  --socket smd's control socket (default %s)\n", CFG_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CFG_DEFAULT_SOCKET;
	int json = 0, c;

	log_init("smctl", 1, LOG_LVL_ERR);  /* only xalloc's fatal line */

	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "status") && strcmp(cmd, "sweep") && strcmp(cmd, "rebalance") &&
	    strcmp(cmd, "lids") && strcmp(cmd, "groups") && strcmp(cmd, "partitions") &&
	    strcmp(cmd, "metrics")) {
		fprintf(stderr, "smctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "smctl: %s: path too long\n", path);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "smctl: no smd listens on %s (is the daemon running?)\n", path);
		else if (e == EACCES || e == EPERM)
			fprintf(stderr, "smctl: %s: permission denied (the socket is root's)\n", path);
		else
			fprintf(stderr, "smctl: %s: %s\n", path, strerror(e));
		return 1;
	}
	char req[64];
	if (json && !strcmp(cmd, "metrics")) {
		fprintf(stderr, "smctl: metrics has one format (Prometheus' text); no --json\n");
		return 2;
	}
	int n = snprintf(req, sizeof(req), "%s%s\n", cmd, json ? " json" : "");
	if (write(fd, req, (size_t)n) != n) {
		fprintf(stderr, "smctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* The whole answer: "OK" or "ERR why", then the body. */
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	ssize_t r;
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 2) {
			buf = xreallocarray(buf, cap, 2);
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = 0;
	char *nl = strchr(buf, '\n');
	if (!nl) {
		fprintf(stderr, "smctl: no answer from smd on %s\n", path);
		free(buf);
		return 1;
	}
	*nl = 0;
	if (strcmp(buf, "OK")) {
		fprintf(stderr, "smctl: smd says: %s\n", strncmp(buf, "ERR ", 4) ? buf : buf + 4);
		free(buf);
		return 1;
	}
	fputs(nl + 1, stdout);
	free(buf);
	return 0;
}
