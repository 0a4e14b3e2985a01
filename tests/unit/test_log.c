/* Unit tests for lib/log.c: level names, stderr line format, filtering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Capture what the logger writes to fd 2 between cap_start and cap_end. */
struct cap {
	char path[64];
	int saved;
	char buf[4096];
};

static void cap_start(struct cap *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/smd-test-log.XXXXXX");
	int fd = mkstemp(c->path);
	assert_true(fd >= 0);
	fflush(stderr);
	c->saved = dup(2);
	assert_true(c->saved >= 0);
	dup2(fd, 2);
	close(fd);
}

static const char *cap_end(struct cap *c)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	FILE *f = fopen(c->path, "r");
	assert_non_null(f);
	size_t n = fread(c->buf, 1, sizeof(c->buf) - 1, f);
	c->buf[n] = '\0';
	fclose(f);
	unlink(c->path);
	return c->buf;
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	int rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		fail_msg("'%s' does not match /%s/", text, pattern);
}

static void test_level_names(void **state)
{
	static const char *names[] = { "error", "warn", "notice", "info", "debug" };
	enum log_level l;
	(void)state;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(log_level_parse(names[i], &l), 0);
		assert_int_equal(l, i);
		assert_string_equal(log_level_name(l), names[i]);
	}
	assert_int_equal(log_level_parse("warning", &l), -1);
	assert_int_equal(log_level_parse("", &l), -1);
	assert_int_equal(log_level_parse("INFO", &l), -1);
	assert_string_equal(log_level_name((enum log_level)42), "?");
}

static void test_stderr_format(void **state)
{
	struct cap c;
	char pat[256];
	(void)state;

	log_init("smdtest", 1, LOG_LVL_INFO);
	cap_start(&c);
	log_info("hello %d", 42);
	log_warnx("careful");
	log_err("broken");
	const char *out = cap_end(&c);
	snprintf(pat, sizeof(pat),
		 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} smdtest\\[%d\\]: hello 42\n"
		 "[0-9T:.-]{23} smdtest\\[%d\\]: warn: careful\n"
		 "[0-9T:.-]{23} smdtest\\[%d\\]: error: broken\n$",
		 (int)getpid(), (int)getpid(), (int)getpid());
	assert_matches(out, pat);
}

static void test_filter(void **state)
{
	struct cap c;
	(void)state;

	log_init("smd", 1, LOG_LVL_WARN);
	assert_int_equal(log_get_level(), LOG_LVL_WARN);
	cap_start(&c);
	log_debug("d");
	log_info("i");
	log_notice("n");
	log_warnx("w");
	log_err("e");
	assert_matches(cap_end(&c), "^[^\n]* warn: w\n[^\n]* error: e\n$");

	log_set_level(LOG_LVL_DEBUG);
	cap_start(&c);
	log_debug("d");
	log_notice("n");
	assert_matches(cap_end(&c), "^[^\n]*: d\n[^\n]*: n\n$");

	log_set_level((enum log_level)99); /* ignored */
	assert_int_equal(log_get_level(), LOG_LVL_DEBUG);
	log_set_level(LOG_LVL_INFO);
}

static void test_warn_errno(void **state)
{
	struct cap c;
	(void)state;

	log_init("smd", 1, LOG_LVL_INFO);
	cap_start(&c);
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_int_equal(errno, ENOENT); /* callers may still test errno */
	assert_matches(cap_end(&c), "^[^\n]* warn: open x: No such file or directory\n$");
}

static void test_fatalx_exits(void **state)
{
	int status;
	(void)state;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		fatalx("bye");
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

/* The journal's side: each entry's fields joined by '\n', entries by "\n\n". */
static char jbuf[4096];
static size_t jlen;
static int jcalls, jrefuse;

static int jsend(const struct iovec *iov, int n)
{
	jcalls++;
	if (jrefuse)
		return -1;
	for (int i = 0; i < n; i++) {
		assert_true(jlen + iov[i].iov_len + 2 < sizeof(jbuf));
		memcpy(jbuf + jlen, iov[i].iov_base, iov[i].iov_len);
		jlen += iov[i].iov_len;
		jbuf[jlen++] = '\n';
	}
	jbuf[jlen++] = '\n';
	jbuf[jlen] = '\0';
	return 0;
}

static void jreset(void)
{
	jlen = 0;
	jbuf[0] = '\0';
	jcalls = 0;
	jrefuse = 0;
}

static void test_journal_lines(void **state)
{
	struct cap c;
	(void)state;

	log_init("smdtest", 1, LOG_LVL_INFO);
	log_to_journal(jsend);
	jreset();
	cap_start(&c);
	log_notice("up %d", 1);
	errno = EIO;
	log_warn("read");
	log_debug("below the level: not sent");
	log_event(LOG_LVL_WARN, EVT_PORT_FAILED, (const struct log_field[]){
			  LF_GUID("SMD_NODE_GUID", 0x2c90300000001ULL), LF_UINT("SMD_PORT", 4),
			  LF_STR("SMD_REASON", "linked but not Active"), LF_END },
		  "leaf0 port %u: linked but not Active", 4u);
	assert_string_equal(cap_end(&c), "");  /* nothing on stderr */
	assert_int_equal(jcalls, 3);
	assert_string_equal(jbuf,
			    "MESSAGE=up 1\nPRIORITY=5\nSYSLOG_IDENTIFIER=smdtest\n\n"
			    "MESSAGE=read: Input/output error\nPRIORITY=4\nSYSLOG_IDENTIFIER=smdtest\n\n"
			    "MESSAGE=leaf0 port 4: linked but not Active\nPRIORITY=4\n"
			    "SYSLOG_IDENTIFIER=smdtest\nSMD_EVENT=port_failed\n"
			    "SMD_NODE_GUID=0x0002c90300000001\nSMD_PORT=4\n"
			    "SMD_REASON=linked but not Active\n\n");

	/* A journal that refuses the line: it goes to stderr, fields aside. */
	jreset();
	jrefuse = 1;
	cap_start(&c);
	log_event(LOG_LVL_NOTICE, EVT_TAKEOVER, (const struct log_field[]){
			  LF_STR("SMD_REASON", "gone"), LF_END },
		  "master SM %s is gone; taking over", "0x1");
	assert_matches(cap_end(&c), "^[^\n]* smdtest\\[[0-9]+\\]: master SM 0x1 is gone; taking over\n$");
	assert_int_equal(jcalls, 1);

	/* Without the journal an event is a plain line. */
	log_to_journal(NULL);
	jreset();
	cap_start(&c);
	log_event(LOG_LVL_NOTICE, EVT_SUBNET_UP, (const struct log_field[]){ LF_END }, "subnet up");
	assert_matches(cap_end(&c), "^[^\n]*: subnet up\n$");
	assert_int_equal(jcalls, 0);
}

/* At most LOG_FIELDS_MAX fields are sent; a long value is cut, not overrun. */
static void test_journal_limits(void **state)
{
	char big[400];
	(void)state;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init("smd", 1, LOG_LVL_INFO);
	log_to_journal(jsend);
	jreset();
	log_event(LOG_LVL_NOTICE, EVT_STATE, (const struct log_field[]){
			  LF_STR("SMD_A", big), LF_UINT("SMD_B", 2), LF_UINT("SMD_C", 3),
			  LF_UINT("SMD_D", 4), LF_UINT("SMD_E", 5), LF_UINT("SMD_F", 6),
			  LF_UINT("SMD_G", 7), LF_END },
		  "many");
	log_to_journal(NULL);
	assert_non_null(strstr(jbuf, "\nSMD_A=xxx"));
	assert_non_null(strstr(jbuf, "\nSMD_F=6\n"));
	assert_null(strstr(jbuf, "SMD_G"));
	const char *a = strstr(jbuf, "SMD_A=");
	assert_true(strchr(a, '\n') - a < 160);
}

/* SMD_EVENT values: lower case and '_', one per event, the documented ones. */
static void test_event_names(void **state)
{
	static const char *doc[EVT_NEVENTS] = {
		"state", "takeover", "handover", "handover_failed", "handover_received",
		"subnet_up", "subnet_down", "port_failed", "port_fixed", "port_gone",
	};
	(void)state;

	for (int i = 0; i < EVT_NEVENTS; i++)
		assert_string_equal(log_event_name((enum log_event)i), doc[i]);
	assert_string_equal(log_event_name(EVT_NEVENTS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_stderr_format),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_warn_errno),
		cmocka_unit_test(test_fatalx_exits),
		cmocka_unit_test(test_journal_lines),
		cmocka_unit_test(test_journal_limits),
		cmocka_unit_test(test_event_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
