/* log: one line per meaningful event, to stderr (foreground) or syslog. */
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
