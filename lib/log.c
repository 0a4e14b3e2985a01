/* log: one line per event, to stderr (foreground) or syslog (daemon). */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

/* Defaults let code log before log_init() (e.g. config errors at startup). */
static atomic_int log_level_cur = LOG_LVL_INFO;
static int log_stderr = 1;
static char log_ident[64] = "smd"; /* openlog() keeps the pointer */

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

/* errnum >= 0 appends ": strerror(errnum)". */
static void log_vemit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	if ((int)level > atomic_load(&log_level_cur))
		return;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum >= 0 && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));

	if (!log_stderr) {
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
		log_vemit(level, errnum, fmt, ap);        \
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
	log_vemit(LOG_LVL_ERR, -1, fmt, ap);
	va_end(ap);
	log_finish();
	exit(1);
}

double log_ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}
