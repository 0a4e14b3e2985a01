/* smd: a small InfiniBand subnet manager daemon. Wiring only: options,
 * configuration, signals, the event loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include "config.h"
#include "log.h"
#include "sm.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct smd {
	const char *conf_path;
	int conf_explicit;
	struct sm *sm;
	struct event_base *base;
	int stopping;             /* SIGTERM seen: handing over, then exit */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: smd [-c|--config FILE] [-f|--foreground] [-p|--priority N] [--once]\n"
		"           [--check-config] [-V|--version] [-h|--help]\n"
		"  -c FILE         configuration (default %s)\n"
		"  -f              stay in the foreground and log to stderr (default: syslog)\n"
		"  -p N            SM priority 0..15, overrides the configuration\n"
		"  --once          one sweep as master; exit 0 when every linked port is Active\n"
		"  --check-config  validate the configuration and exit\n",
		SMD_DEFAULT_CONFIG);
}

/* Load the configuration: the default file may be absent (built-in
 * defaults), a file named with -c may not. */
static int load_config(const struct smd *d, struct smd_config *cfg)
{
	char err[600];

	cfg_defaults(cfg);
	if (!d->conf_explicit && access(d->conf_path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (cfg_load(d->conf_path, cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
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
	if (!sm_leave(d->sm, on_left, d))
		event_base_loopbreak(d->base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct smd *d = arg;
	struct smd_config cfg;
	(void)sig; (void)what;

	if (load_config(d, &cfg) < 0) {
		log_err("reload: keeping the running configuration");
		return;
	}
	sm_reload(d->sm, &cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "priority", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct smd d = { .conf_path = SMD_DEFAULT_CONFIG };
	struct smd_config cfg;
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
	if (load_config(&d, &cfg) < 0)
		return EXIT_USAGE;
	if (check) {
		printf("%s: configuration OK\n", d.conf_path);
		return 0;
	}
	log_init("smd", foreground || once, cfg.log_level);

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
		return EXIT_RUNTIME;
	}
	event_base_dispatch(d.base);

	int rc = 0;
	if (once) {
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
