/* log: one line per meaningful event, to stderr (foreground), syslog, or
 * the systemd journal natively (with priorities, and for the events an
 * operator alerts on, fields of their own: SMD_EVENT=takeover...). */
#ifndef SMD_LOG_H
#define SMD_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* to_stderr: 1 = stderr with a timestamp, 0 = syslog(LOG_DAEMON) under ident. */
void log_init(const char *ident, int to_stderr, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error|warn|notice|info|debug"; returns -1 on an unknown name. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);
void log_finish(void);

struct iovec;
/* Send each line to the journal with FN (sd_journal_sendv: smd does this
 * when its stderr is the journal) instead of stderr or syslog; NULL stops.
 * A line FN fails to send goes to stderr. */
typedef int (*log_journal_fn)(const struct iovec *iov, int n);
void log_to_journal(log_journal_fn fn);

/* The events an operator alerts on (README "Journal fields"): their
 * lines carry SMD_EVENT=<name> in the journal, and fields of their own. */
enum log_event {
	EVT_STATE,             /* election state changed */
	EVT_TAKEOVER,          /* this standby takes over from a gone or slow master */
	EVT_HANDOVER,          /* this master handed mastership over */
	EVT_HANDOVER_FAILED,   /* ... tried, and stays MASTER */
	EVT_HANDOVER_RECEIVED, /* another master hands mastership to this SM */
	EVT_SUBNET_UP,         /* every linked port Active */
	EVT_SUBNET_DOWN,       /* a linked port is not Active (subnet not fully up) */
	EVT_PORT_FAILED,       /* a port could not be brought up */
	EVT_PORT_FIXED,        /* ... and came up since */
	EVT_PORT_GONE,         /* ... and left the fabric */
	EVT_NEVENTS
};
const char *log_event_name(enum log_event ev);

/* A field of an event: NAME (upper case, digits, '_') = a string, or a
 * number (decimal, or 0x%016llx for GUIDs). */
struct log_field {
	const char *name;
	const char *str;
	unsigned long long num;
	int guid;
};
#define LF_STR(n, s) { .name = (n), .str = (s) }
#define LF_UINT(n, v) { .name = (n), .num = (v) }
#define LF_GUID(n, v) { .name = (n), .num = (v), .guid = 1 }
#define LF_END { .name = NULL }
#define LOG_FIELDS_MAX 6
/* Log an event's line at LEVEL; FIELDS ends with LF_END, at most
 * LOG_FIELDS_MAX before it. */
void log_event(enum log_level level, enum log_event ev, const struct log_field *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

struct timespec;
/* Milliseconds since t0 (CLOCK_MONOTONIC), for durations in log lines. */
double log_ms_since(const struct timespec *t0);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* no errno */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Arguments are not evaluated below debug level: names built for the
 * line cost nothing on every SMP of a big sweep. */
#define log_debug(...)                                         \
	do {                                                   \
		if (log_get_level() >= LOG_LVL_DEBUG)          \
			log_debug_line(__VA_ARGS__);           \
	} while (0)
/* Unrecoverable: log and exit(1). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
