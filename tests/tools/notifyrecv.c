/* notifyrecv: a test-side stand-in for systemd's notification socket (not
 * part of smd). Binds a datagram socket at PATH and prints every assignment
 * smd sends (READY=1, STATUS=..., RELOADING=1, STOPPING=1) on a line of its
 * own as it comes, until STOPPING=1 or TIMEOUT_MS pass.
 *   notifyrecv PATH TIMEOUT_MS
 * Exit 0 when STOPPING=1 came, 1 on timeout, 2 on errors. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notifyrecv PATH TIMEOUT_MS\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notifyrecv");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	long long end = now_ms() + atoll(argv[2]);
	for (;;) {
		long long left = end - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 1;
		char buf[4096];
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		int stopping = 0;
		for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			printf("%s\n", l);
			stopping |= !strcmp(l, "STOPPING=1");
		}
		if (stopping)
			return 0;
	}
}
