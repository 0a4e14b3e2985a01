/* smd: a small InfiniBand subnet manager daemon. Wiring only: options,
 * configuration, signals, the event loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include "config.h"
#include "ctl.h"
#include "log.h"
#include "mhttp.h"
#include "sm.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct smd {
	const char *conf_path;
	int conf_explicit;
	struct sm *sm;
	struct event_base *base;
	int stopping;             /* SIGTERM seen: handing over, then exit */
	int ready;                /* READY=1 sent to systemd */
	/* command-line overrides of the configuration, kept across reloads */
	const char *port, *state_dir, *socket;
	struct ctl *ctl;
	struct mhttp *metrics;    /* [metrics] listen, NULL = off */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: smd [-c|--config FILE] [-f|--foreground] [-p|--priority N] [--once]\n"
		"           [--port CA:PORT|GUID] [--state-dir DIR] [--control-socket PATH]\n"
		"           [--check-config] [-V|--version] [-h|--help]\n"
		"  -c FILE         configuration (default %s)\n"
		"  -f              stay in the foreground and log to stderr (default: syslog)\n"
		"  -p N            SM priority 0..15, overrides the configuration\n"
		"  --once          one sweep as master; exit 0 when every linked port is Active\n"
		"  --port, --state-dir, --control-socket\n"
		"                  override [sm] port, state_dir, control_socket (one\n"
		"                  instance per port: see smd@.service)\n"
		"  --check-config  validate the configuration and exit\n",
		SMD_DEFAULT_CONFIG);
}

/* systemd connects stderr to the journal and names that stream in
 * JOURNAL_STREAM ("device:inode"): smd then logs to the journal natively,
 * with each line's priority and the events' fields. A terminal, a file or
 * a pipe keeps plain lines. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* Load the configuration: the default file may be absent (built-in
 * defaults), a file named with -c may not. */
/* --port, --state-dir, --control-socket win over the file, checked as the
 * file's values are. */
static int apply_overrides(const struct smd *d, struct smd_config *cfg)
{
	const struct { const char *v; char *field; const char *opt; } o[] = {
		{ d->port, cfg->port, "--port" },
		{ d->state_dir, cfg->state_dir, "--state-dir" },
		{ d->socket, cfg->control_socket, "--control-socket" },
	};
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		if (!o[i].v)
			continue;
		if (strlen(o[i].v) >= CFG_PATH_MAX || (i > 0 && o[i].v[0] != '/') ||
		    (i == 0 && cfg_parse_port(o[i].v, NULL, 0, NULL, NULL) < 0)) {
			log_err("%s '%s': %s", o[i].opt, o[i].v,
				i == 0 ? "neither CA:PORT (port 1..254) nor a 0x GUID" : "not an absolute path");
			return -1;
		}
		snprintf(o[i].field, CFG_PATH_MAX, "%s", o[i].v);
	}
	return 0;
}

static int load_config(const struct smd *d, struct smd_config *cfg, struct prtn_conf *pc)
{
	char err[600];

	cfg_defaults(cfg);
	if ((d->conf_explicit || access(d->conf_path, F_OK) == 0 || errno != ENOENT) &&
	    cfg_load(d->conf_path, cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (apply_overrides(d, cfg) < 0)
		return -1;
	/* [partitions] file, read with the configuration: a bad one is refused
	 * as a bad smd.conf is */
	if (prtn_conf_read(cfg->partitions_file, SMD_DEFAULT_PARTITIONS, pc, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* systemd: READY=1 once the election settled (MASTER or STANDBY), and
 * the state in STATUS= (systemctl status shows it). */
static void on_state(void *arg, const struct sm *sm)
{
	struct smd *d = arg;
	char st[128];

	snprintf(st, sizeof(st), "STATUS=%s%s, priority %u", elect_state_name(sm->el.state),
		 sm->el.state == SM_MASTER && sm->subnet_up ? ", subnet up" : "", sm_priority(sm));
	if (!d->ready && (sm->el.state == SM_MASTER || sm->el.state == SM_STANDBY)) {
		d->ready = 1;
		sd_notifyf(0, "READY=1\n%s", st);
	} else {
		sd_notify(0, st);
	}
}

static void on_left(void *arg)
{
	struct smd *d = arg;
	event_base_loopbreak(d->base);
}

/* A master hands over to the best standby before it exits, so a planned
 * restart loses nothing; a second signal exits at once. */
static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct smd *d = arg;
	(void)what;
	if (d->stopping) {
		log_notice("%s again: exiting now", strsignal((int)sig));
		event_base_loopbreak(d->base);
		return;
	}
	d->stopping = 1;
	log_notice("%s: stopping", strsignal((int)sig));
	sd_notify(0, "STOPPING=1");
	if (!sm_leave(d->sm, on_left, d))
		event_base_loopbreak(d->base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct smd *d = arg;
	struct smd_config cfg;
	struct prtn_conf pc;
	(void)sig; (void)what;

	/* READY=1 again only if it was said before: a reload during start-up
	 * must not announce an election that has not settled. */
	sd_notify(0, "RELOADING=1");
	if (load_config(d, &cfg, &pc) < 0) {
		log_err("reload: keeping the running configuration and partitions");
	} else {
		if (strcmp(cfg.control_socket, d->sm->cfg.control_socket))
			log_warnx("reload: control_socket changes take effect at restart");
		if (strcmp(cfg.metrics_listen, d->sm->cfg.metrics_listen))
			log_warnx("reload: [metrics] listen changes take effect at restart");
		sm_reload(d->sm, &cfg);
		sm_set_partitions(d->sm, &pc);
	}
	if (d->ready)
		sd_notify(0, "READY=1");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "priority", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "port", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "control-socket", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct smd d = { .conf_path = SMD_DEFAULT_CONFIG };
	struct smd_config cfg;
	struct prtn_conf pc;
	int foreground = 0, once = 0, check = 0, prio = -1, c;

	while ((c = getopt_long(argc, argv, "c:fp:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.conf_path = optarg;
			d.conf_explicit = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 15) {
				fprintf(stderr, "smd: priority '%s' is not in 0..15\n", optarg);
				return EXIT_USAGE;
			}
			prio = (int)v;
			break;
		}
		case 'o':
			once = 1;
			break;
		case 'k':
			check = 1;
			break;
		case 'P':
			d.port = optarg;
			break;
		case 'S':
			d.state_dir = optarg;
			break;
		case 'C':
			d.socket = optarg;
			break;
		case 'V':
			printf("smd %s\n", SMD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	/* Config errors go to stderr whatever the mode: nothing has started. */
	log_init("smd", 1, LOG_LVL_INFO);
	if (load_config(&d, &cfg, &pc) < 0)
		return EXIT_USAGE;
	if (check) {
		printf("%s: configuration OK (%u partitions%s%s)\n", d.conf_path, pc.n,
		       pc.from_file ? " from " : "", pc.from_file ? cfg.partitions_file : "");
		prtn_conf_free(&pc);
		return 0;
	}
	log_init("smd", foreground || once, cfg.log_level);
	if ((foreground || once) && stderr_is_journal())
		log_to_journal(sd_journal_sendv);

	d.base = event_base_new();
	if (!d.base)
		fatalx("cannot create the event loop");
	struct event *ev_term = evsignal_new(d.base, SIGTERM, on_stop, &d);
	struct event *ev_int = evsignal_new(d.base, SIGINT, on_stop, &d);
	struct event *ev_hup = evsignal_new(d.base, SIGHUP, on_hup, &d);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_hup, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.sm = sm_new(d.base, &cfg, prio, once);
	if (!d.sm) {
		log_err("cannot start");
		prtn_conf_free(&pc);
		return EXIT_RUNTIME;
	}
	sm_set_partitions(d.sm, &pc);
	if (!once) {
		sm_set_state_hook(d.sm, on_state, &d);
		int in_use;
		d.ctl = ctl_open(d.base, cfg.control_socket, d.sm, &in_use);
		if (!d.ctl && in_use) {
			/* Two daemons behind one socket would mislead smctl. */
			sm_free(d.sm);
			return EXIT_RUNTIME;
		}
		if (!d.ctl)
			log_warnx("running without a control socket: smctl cannot reach this smd");
		if (cfg.metrics_listen[0])
			d.metrics = mhttp_open(d.base, cfg.metrics_listen, d.sm);
	}
	event_base_dispatch(d.base);
	/* Before the SM goes: its close still runs the loop (the MAD drain). */
	mhttp_close(d.metrics);
	ctl_close(d.ctl);

	int rc = 0;
	if (mad_gone(d.sm->mad)) {
		rc = EXIT_RUNTIME;  /* logged by the engine; systemd's Restart= fires */
	} else if (once) {
		rc = sm_once_result(d.sm) == 0 ? 0 : EXIT_RUNTIME;
		if (rc)
			log_err("--once: not every linked port is Active");
	}
	sm_free(d.sm);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(d.base);
	log_notice("exiting");
	log_finish();
	return rc;
}
