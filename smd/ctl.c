#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl.h"
#include "log.h"
#include "report.h"
#include "xalloc.h"

#define CTL_LINE_MAX 256
#define CTL_TIMEOUT_S 5
#define CTL_MAX_CONNS 16

struct conn {
	struct ctl *ctl;
	int fd;
	struct event *ev;
	char line[CTL_LINE_MAX];
	size_t got;
	struct sbuf out;          /* the answer, sent from off on */
	size_t off;
	struct conn *next;
};

struct ctl {
	struct event_base *base;
	struct sm *sm;
	int fd;
	struct event *ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct conn *conns;
	unsigned nconns;
};

static void conn_free(struct conn *c)
{
	struct ctl *ctl = c->ctl;
	for (struct conn **pp = &ctl->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ctl->nconns--;
	event_free(c->ev);
	close(c->fd);
	sb_free(&c->out);
	free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

void ctl_run(struct sm *sm, const char *line, struct sbuf *out)
{
	char cmd[32] = "", opt[32] = "";
	struct sbuf body = { 0 };

	if (sscanf(line, "%31s %31s", cmd, opt) < 1) {
		sb_printf(out, "ERR empty request\n");
		return;
	}
	int json = !strcmp(opt, "json");
	if (opt[0] && !json) {
		sb_printf(out, "ERR unknown option '%s'\n", opt);
		return;
	}
	if (!strcmp(cmd, "status")) {
		report_status(sm, json, &body);
	} else if (!strcmp(cmd, "lids")) {
		report_lids(sm, json, &body);
	} else if (!strcmp(cmd, "groups")) {
		report_groups(sm, json, &body);
	} else if (!strcmp(cmd, "metrics")) {
		report_metrics(sm, &body);  /* one format: Prometheus' text */
	} else if (!strcmp(cmd, "partitions")) {
		report_partitions(sm, json, &body);
	} else if (!strcmp(cmd, "sweep")) {
		log_notice("smctl: heavy sweep requested");
		sm_force_sweep(sm);
		sb_printf(&body, "sweep started (%s)\n", elect_state_name(sm->el.state));
	} else if (!strcmp(cmd, "rebalance")) {
		if (sm_rebalance(sm) == 0) {
			sb_printf(&body, "rebalancing: every route chosen afresh in a heavy sweep\n");
		} else {
			sb_printf(out, "ERR only the master routes (this SM is %s)\n",
				  elect_state_name(sm->el.state));
			return;
		}
	} else {
		sb_printf(out, "ERR unknown command '%s'\n", cmd);
		return;
	}
	sb_printf(out, "OK\n");
	if (body.len)
		sb_printf(out, "%s", body.s);
	sb_free(&body);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval tv = { CTL_TIMEOUT_S, 0 };

	if (what & EV_TIMEOUT) {
		conn_free(c);
		return;
	}
	if (!c->out.s) {
		/* Reading the request line. */
		ssize_t n = read(fd, c->line + c->got, sizeof(c->line) - 1 - c->got);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->got += (size_t)n;
		c->line[c->got] = 0;
		char *nl = strchr(c->line, '\n');
		if (!nl && c->got < sizeof(c->line) - 1)
			return;
		if (nl)
			*nl = 0;
		ctl_run(c->ctl->sm, c->line, &c->out);
		event_del(c->ev);
		event_assign(c->ev, c->ctl->base, fd, EV_WRITE | EV_PERSIST, conn_cb, c);
		event_add(c->ev, &tv);
		return;
	}
	ssize_t n = write(fd, c->out.s + c->off, c->out.len - c->off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (c->off += (size_t)n) >= c->out.len)
		conn_free(c);
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *ctl = arg;
	(void)what;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	if (ctl->nconns >= CTL_MAX_CONNS) {
		close(cfd);
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->fd = cfd;
	/* libevent fails here only for memory: fatal, like xalloc. */
	c->ev = event_new(ctl->base, cfd, EV_READ | EV_PERSIST, conn_cb, c);
	if (!c->ev)
		fatalx("out of memory (an event)");
	c->next = ctl->conns;
	ctl->conns = c;
	ctl->nconns++;
	event_add(c->ev, &(struct timeval){ CTL_TIMEOUT_S, 0 });
}

struct ctl *ctl_open(struct event_base *base, const char *path, struct sm *sm, int *in_use)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *ctl;

	*in_use = 0;
	/* Run by hand, not by systemd (which makes /run/smd): make the directory. */
	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			log_warn("control socket directory %s", dir);
	}

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("control socket %s: the path is longer than %zu characters", path,
			  sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("control socket %s", path);
		return NULL;
	}
	mode_t old = umask(077);  /* 0600: smctl needs root (or the socket's owner) */
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc < 0 && errno == EADDRINUSE) {
		/* Another smd there, or a file left by one that died? */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int alive = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		if (alive) {
			umask(old);
			*in_use = 1;
			log_warnx("control socket %s: another smd listens there (set [sm] control_socket)",
				  path);
			close(fd);
			return NULL;
		}
		unlink(path);
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	umask(old);
	if (rc < 0 || listen(fd, 8) < 0) {
		log_warn("control socket %s", path);
		close(fd);
		return NULL;
	}
	chmod(path, 0600);
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->base = base;
	ctl->sm = sm;
	ctl->fd = fd;
	memcpy(ctl->path, path, strlen(path) + 1);
	ctl->ev = event_new(base, fd, EV_READ | EV_PERSIST, accept_cb, ctl);
	if (!ctl->ev)
		fatalx("out of memory (an event)");
	if (event_add(ctl->ev, NULL) < 0) {
		ctl_close(ctl);
		return NULL;
	}
	log_info("control socket %s", path);
	return ctl;
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->conns)
		conn_free(ctl->conns);
	event_free(ctl->ev);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
