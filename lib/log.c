/* log: one line per event, to stderr (foreground), syslog (daemon), or the
 * journal natively. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

/* Defaults let code log before log_init() (e.g. config errors at startup). */
static atomic_int log_level_cur = LOG_LVL_INFO;
static int log_stderr = 1;
static char log_ident[64] = "smd"; /* openlog() keeps the pointer */
static log_journal_fn log_journal;  /* set before any thread starts */

/* SMD_EVENT values: documented in README "Journal fields" and smd(8). */
static const char *const log_event_names[EVT_NEVENTS] = {
	[EVT_STATE] = "state",
	[EVT_TAKEOVER] = "takeover",
	[EVT_HANDOVER] = "handover",
	[EVT_HANDOVER_FAILED] = "handover_failed",
	[EVT_HANDOVER_RECEIVED] = "handover_received",
	[EVT_SUBNET_UP] = "subnet_up",
	[EVT_SUBNET_DOWN] = "subnet_down",
	[EVT_PORT_FAILED] = "port_failed",
	[EVT_PORT_FIXED] = "port_fixed",
	[EVT_PORT_GONE] = "port_gone",
};

static const char *const log_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const int log_prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

static int log_level_valid(int level)
{
	return level >= LOG_LVL_ERR && level <= LOG_LVL_DEBUG;
}

void log_init(const char *ident, int to_stderr, enum log_level level)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "smd");
	log_stderr = to_stderr;
	log_set_level(level);
	if (!log_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	if (log_level_valid(level))
		atomic_store(&log_level_cur, level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level_cur);
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (int i = LOG_LVL_ERR; name && i <= LOG_LVL_DEBUG; i++) {
		if (strcmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return log_level_valid(level) ? log_names[level] : "?";
}

void log_to_journal(log_journal_fn fn)
{
	log_journal = fn;
}

const char *log_event_name(enum log_event ev)
{
	return (unsigned)ev < EVT_NEVENTS ? log_event_names[ev] : "?";
}

void log_finish(void)
{
	if (!log_stderr)
		closelog();
	fflush(stderr);
}

/* "2026-11-26T13:45:01.123", local time like syslog. */
static void log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ld", ts.tv_nsec / 1000000L);
}

#define MSG_KEY "MESSAGE="

/* One journal entry: the line, its priority, our name, and an event's
 * name and fields. Returns what the sender returns (< 0: not sent). */
static int log_journal_send(enum log_level level, char *line, size_t len, int ev,
			    const struct log_field *f)
{
	char prio[16], ident[96], event[48], fld[LOG_FIELDS_MAX][160];
	struct iovec iov[4 + LOG_FIELDS_MAX];
	int n = 0;

	iov[n++] = (struct iovec){ line, len };
	snprintf(prio, sizeof(prio), "PRIORITY=%d", log_prio[level]);
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	snprintf(ident, sizeof(ident), "SYSLOG_IDENTIFIER=%s", log_ident);
	iov[n++] = (struct iovec){ ident, strlen(ident) };
	if (ev >= 0) {
		snprintf(event, sizeof(event), "SMD_EVENT=%s", log_event_name((enum log_event)ev));
		iov[n++] = (struct iovec){ event, strlen(event) };
	}
	for (int i = 0; f && f[i].name && i < LOG_FIELDS_MAX; i++) {
		if (f[i].str)
			snprintf(fld[i], sizeof(fld[i]), "%s=%s", f[i].name, f[i].str);
		else if (f[i].guid)
			snprintf(fld[i], sizeof(fld[i]), "%s=0x%016llx", f[i].name, f[i].num);
		else
			snprintf(fld[i], sizeof(fld[i]), "%s=%llu", f[i].name, f[i].num);
		iov[n++] = (struct iovec){ fld[i], strlen(fld[i]) };
	}
	return log_journal(iov, n);
}

/* errnum >= 0 appends ": strerror(errnum)"; ev >= 0 is an event with its
 * fields (in the journal only). */
static void log_vemit(enum log_level level, int errnum, int ev, const struct log_field *fields,
		      const char *fmt, va_list ap)
{
	char line[sizeof(MSG_KEY) - 1 + LOG_LINE_MAX];
	char *msg = line + sizeof(MSG_KEY) - 1;
	const size_t cap = LOG_LINE_MAX;

	if ((int)level > atomic_load(&log_level_cur))
		return;
	memcpy(line, MSG_KEY, sizeof(MSG_KEY) - 1);
	int n = vsnprintf(msg, cap, fmt, ap);
	if (errnum >= 0 && n >= 0 && (size_t)n < cap)
		snprintf(msg + n, cap - n, ": %s", strerror(errnum));

	if (log_journal &&
	    log_journal_send(level, line, sizeof(MSG_KEY) - 1 + strlen(msg), ev, fields) >= 0)
		return;
	if (!log_stderr && !log_journal) {
		syslog(log_prio[level], "%s", msg);
		return;
	}
	char ts[32];
	const char *word = level == LOG_LVL_ERR ? "error: " : level == LOG_LVL_WARN ? "warn: " : "";
	log_timestamp(ts, sizeof(ts));
	/* One call per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s %s[%ld]: %s%s\n", ts, log_ident, (long)getpid(), word, msg);
}

/* errno is saved first: formatting may clobber it, and callers may test it. */
#define LOG_FN(fn, level, errnum)                         \
	void fn(const char *fmt, ...)                     \
	{                                                 \
		int e_ = errno;                           \
		va_list ap;                               \
		va_start(ap, fmt);                        \
		log_vemit(level, errnum, -1, NULL, fmt, ap); \
		va_end(ap);                               \
		errno = e_;                               \
	}

LOG_FN(log_err, LOG_LVL_ERR, -1)
LOG_FN(log_warn, LOG_LVL_WARN, e_)
LOG_FN(log_warnx, LOG_LVL_WARN, -1)
LOG_FN(log_notice, LOG_LVL_NOTICE, -1)
LOG_FN(log_info, LOG_LVL_INFO, -1)
LOG_FN(log_debug_line, LOG_LVL_DEBUG, -1)

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, -1, -1, NULL, fmt, ap);
	va_end(ap);
	log_finish();
	exit(1);
}

void log_event(enum log_level level, enum log_event ev, const struct log_field *fields,
	       const char *fmt, ...)
{
	int e_ = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, -1, (int)ev, fields, fmt, ap);
	va_end(ap);
	errno = e_;
}

double log_ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}
