/* Unit tests for lib/config.c: defaults, parsing, exact error text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* A config file in /tmp holding text; removed by tmp_done(). */
struct tmp {
	char path[64];
};

static void tmp_write(struct tmp *t, const char *text)
{
	snprintf(t->path, sizeof(t->path), "/tmp/smd-test-cfg.XXXXXX");
	int fd = mkstemp(t->path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void tmp_done(struct tmp *t)
{
	unlink(t->path);
}

/* Load text over defaults; return cfg_load's result, err gets the message.
 * The file is gone before any assert can jump out. */
static int load_text(const char *text, struct smd_config *cfg, char *err, size_t errlen, struct tmp *t)
{
	cfg_defaults(cfg);
	tmp_write(t, text);
	int rc = cfg_load(t->path, cfg, err, errlen);
	tmp_done(t);
	return rc;
}

/* Expect text to fail with "PATH:<rest>"; rest is e.g. "3: unknown key ...". */
static void expect_error(const char *text, const char *rest)
{
	struct smd_config cfg;
	struct tmp t;
	char err[512], want[512];

	err[0] = '\0';
	assert_int_equal(load_text(text, &cfg, err, sizeof(err), &t), -1);
	snprintf(want, sizeof(want), "%s:%s", t.path, rest);
	assert_string_equal(err, want);
}

static void expect_ok(const char *text, struct smd_config *cfg)
{
	struct tmp t;
	char err[512] = "";

	int rc = load_text(text, cfg, err, sizeof(err), &t);
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

/* Field by field: struct padding makes memcmp unreliable for copies. */
static void assert_cfg_equal(const struct smd_config *c, const struct smd_config *d, int with_port)
{
	assert_int_equal(c->priority, d->priority);
	if (with_port)
		assert_string_equal(c->port, d->port);
	assert_string_equal(c->state_dir, d->state_dir);
	assert_string_equal(c->import_guid2lid, d->import_guid2lid);
	assert_int_equal(c->sweep_interval, d->sweep_interval);
	assert_true(c->sm_key == d->sm_key);
	assert_int_equal(c->poll_interval_ms, d->poll_interval_ms);
	assert_int_equal(c->poll_retries, d->poll_retries);
	assert_int_equal(c->port_watch_ms, d->port_watch_ms);
	assert_int_equal(c->preempt, d->preempt);
	assert_string_equal(c->control_socket, d->control_socket);
	assert_int_equal(c->audit_budget, d->audit_budget);
	assert_int_equal(c->reenable_ports, d->reenable_ports);
	assert_int_equal(c->ipoib_mtu, d->ipoib_mtu);
	assert_int_equal(c->ipoib_rate, d->ipoib_rate);
	assert_int_equal(c->mad_window, d->mad_window);
	assert_int_equal(c->mad_timeout_ms, d->mad_timeout_ms);
	assert_int_equal(c->mad_retries, d->mad_retries);
	assert_int_equal(c->log_level, d->log_level);
	assert_string_equal(c->metrics_listen, d->metrics_listen);
}

static void test_defaults(void **state)
{
	struct smd_config c;
	(void)state;

	memset(&c, 0xa5, sizeof(c));
	cfg_defaults(&c);
	assert_int_equal(c.priority, 0);
	assert_string_equal(c.port, "");
	assert_string_equal(c.state_dir, "/var/lib/smd");
	assert_string_equal(c.import_guid2lid, "/var/cache/opensm/guid2lid");
	assert_int_equal(c.sweep_interval, 10);
	assert_true(c.sm_key == 0x1);
	assert_true(c.m_key == 0);          /* no M_Key unless configured, as OpenSM */
	assert_int_equal(c.m_key_protect_bits, 0);
	assert_int_equal(c.m_key_lease_period, 0);
	assert_int_equal(c.poll_interval_ms, 300);
	assert_int_equal(c.poll_retries, 3);
	assert_int_equal(c.port_watch_ms, 500);
	assert_int_equal(c.preempt, 1);
	assert_string_equal(c.control_socket, "/run/smd/smd.sock");
	assert_int_equal(c.audit_budget, 1024);
	assert_int_equal(c.reenable_ports, 1);
	assert_int_equal(c.mad_window, 32);
	assert_int_equal(c.mad_timeout_ms, 200);
	assert_int_equal(c.mad_retries, 3);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
}

static void test_full_file(void **state)
{
	struct smd_config c;
	(void)state;

	expect_ok("[sm]\n"
		  "priority = 15\n"
		  "port = ibsim0:2\n"
		  "state_dir = /tmp/smd state\n"
		  "sweep_interval = 0\n"
		  "sm_key = 0xDEADBEEF00000001\n"
		  "poll_interval = 60000\n"
		  "poll_retries = 100\n"
		  "port_watch = 50\n"
		  "preempt = no\n"
		  "audit_budget = 4096\n"
		  "reenable_ports = no\n"
		  "[ipoib]\n"
		  "mtu = 4096\n"
		  "rate = 56\n"
		  "[mad]\n"
		  "window = 256\n"
		  "timeout = 10\n"
		  "retries = 0\n"
		  "[log]\n"
		  "level = debug\n",
		  &c);
	assert_int_equal(c.priority, 15);
	assert_string_equal(c.port, "ibsim0:2");
	assert_string_equal(c.state_dir, "/tmp/smd state");
	assert_int_equal(c.sweep_interval, 0);
	assert_true(c.sm_key == 0xDEADBEEF00000001ULL);
	assert_int_equal(c.poll_interval_ms, 60000);
	assert_int_equal(c.poll_retries, 100);
	assert_int_equal(c.port_watch_ms, 50);
	assert_int_equal(c.preempt, 0);
	assert_int_equal(c.audit_budget, 4096);
	assert_int_equal(c.reenable_ports, 0);
	assert_int_equal(c.ipoib_mtu, 5);
	assert_int_equal(c.ipoib_rate, 12);
	assert_int_equal(c.mad_window, 256);
	assert_int_equal(c.mad_timeout_ms, 10);
	assert_int_equal(c.mad_retries, 0);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
}

static void test_numbers(void **state)
{
	struct smd_config c;
	(void)state;

	/* decimal sm_key, max u64, hex for a ranged key, a GUID port */
	expect_ok("[sm]\nsm_key = 18446744073709551615\nsweep_interval = 0x10\n"
		  "port = 0x0002c90300000001\n", &c);
	assert_true(c.sm_key == UINT64_MAX);
	assert_int_equal(c.sweep_interval, 16);
	assert_string_equal(c.port, "0x0002c90300000001");
	/* leading zeros are decimal, not octal */
	expect_ok("[sm]\npriority = 010\n", &c);
	assert_int_equal(c.priority, 10);
}

static void test_err_range(void **state)
{
	(void)state;
	/* comment and blank lines count: the error is on line 4 */
	expect_error("# smd\n\n[sm]\npriority = 16\n",
		     "4: key 'priority': '16' is out of range 0..15");
	expect_error("[sm]\npoll_interval = 49\n",
		     "2: key 'poll_interval': '49' is out of range 50..60000 ms");
	expect_error("[sm]\nsweep_interval = 86401\n",
		     "2: key 'sweep_interval': '86401' is out of range 0..86400 s");
	expect_error("[mad]\nwindow = 0\n", "2: key 'window': '0' is out of range 1..256");
	expect_error("[mad]\nretries = 21\n", "2: key 'retries': '21' is out of range 0..20");
}

static void test_err_negative_overflow(void **state)
{
	(void)state;
	expect_error("[sm]\npoll_retries = -1\n",
		     "2: key 'poll_retries': '-1' is out of range 1..100");
	expect_error("[mad]\nwindow = 99999999999999999999\n",
		     "2: key 'window': '99999999999999999999' is out of range 1..256");
	expect_error("[mad]\ntimeout = 4294967496\n", /* 2^32 + 200: no wrap to 200 */
		     "2: key 'timeout': '4294967496' is out of range 10..10000 ms");
}

static void test_err_not_number(void **state)
{
	(void)state;
	expect_error("[sm]\nsweep_interval = 10s\n",
		     "2: key 'sweep_interval': '10s' is not a number");
	expect_error("[sm]\npriority = +1\n", "2: key 'priority': '+1' is not a number");
	expect_error("[sm]\npriority = 0x\n", "2: key 'priority': '0x' is not a number");
	expect_error("[sm]\npriority = 1 2\n", "2: key 'priority': '1 2' is not a number");
}

static void test_err_sm_key(void **state)
{
	(void)state;
	expect_error("[sm]\nsm_key = 0xZZ\n",
		     "2: key 'sm_key': '0xZZ' is not a number (decimal or 0x hex)");
	expect_error("[sm]\nsm_key = -1\n",
		     "2: key 'sm_key': '-1' is out of range 0..0xffffffffffffffff");
	expect_error("[sm]\nsm_key = 0x10000000000000000\n",
		     "2: key 'sm_key': '0x10000000000000000' is out of range 0..0xffffffffffffffff");
}

static void test_m_key(void **state)
{
	struct smd_config c;
	(void)state;
	expect_ok("[sm]\nm_key = 0xFEEDFACECAFEBEEF\nm_key_protect_bits = 3\n"
		  "m_key_lease_period = 65535\n", &c);
	assert_true(c.m_key == 0xFEEDFACECAFEBEEFULL);
	assert_int_equal(c.m_key_protect_bits, 3);
	assert_int_equal(c.m_key_lease_period, 65535);
	expect_error("[sm]\nm_key = 0x1\nm_key_protect_bits = 4\n",
		     "3: key 'm_key_protect_bits': '4' is out of range 0..3");
	expect_error("[sm]\nm_key_lease_period = 65536\n",
		     "2: key 'm_key_lease_period': '65536' is out of range 0..65535 s");
	expect_error("[sm]\nm_key = secret\n",
		     "2: key 'm_key': 'secret' is not a number (decimal or 0x hex)");
	expect_error("[sm]\nm_key = 0x10000000000000000\n",
		     "2: key 'm_key': '0x10000000000000000' is out of range 0..0xffffffffffffffff");
}

static void test_err_port(void **state)
{
	(void)state;
	expect_error("[sm]\nport = mlx5_0:0\n",
		     "2: key 'port': 'mlx5_0:0' is neither CA:PORT (port 1..254) nor a 0x GUID");
	expect_error("[sm]\nport = mlx5_0\n",
		     "2: key 'port': 'mlx5_0' is neither CA:PORT (port 1..254) nor a 0x GUID");
}

static void test_err_other_values(void **state)
{
	(void)state;
	expect_error("[mad]\ntimeout =\n", "2: key 'timeout': empty value");
	expect_error("[sm]\nstate_dir = var/lib/smd\n",
		     "2: key 'state_dir': 'var/lib/smd' is not an absolute path");
	expect_error("[log]\nlevel = verbose\n",
		     "2: key 'level': 'verbose' is not one of error|warn|notice|info|debug");
	expect_error("[sm]\npreempt = maybe\n", "2: key 'preempt': 'maybe' is not yes or no");
	expect_error("[sm]\naudit_budget = 4097\n",
		     "2: key 'audit_budget': '4097' is out of range 0..4096");
	expect_error("[sm]\nreenable_ports = 1x\n", "2: key 'reenable_ports': '1x' is not yes or no");
	expect_error("[ipoib]\nmtu = 9000\n",
		     "2: key 'mtu': '9000' is not one of auto|256|512|1024|2048|4096");
	expect_error("[ipoib]\nrate = 11\n", "2: key 'rate': '11' is not auto or a link rate in Gb/s "
		     "(2.5, 5, 10, 14, 20, 25, 30, 40, 56, 100, 200, 400, 800, 1200 ...)");
}

static void test_err_unknown(void **state)
{
	(void)state;
	expect_error("[sm]\npriority = 1\nbar = 2\n", "3: unknown key 'bar' in [sm]");
	/* a key valid in another section is still unknown here */
	expect_error("[mad]\npriority = 1\n", "2: unknown key 'priority' in [mad]");
	/* the header line is named, even before any key in it */
	expect_error("[sm]\npriority = 1\n\n[foo]\nx = 1\n", "4: unknown section [foo]");
	expect_error("[sm]\n[mads]\n", "2: unknown section [mads]");
	expect_error("priority = 1\n", "1: key 'priority' is not in any [section]");
}

static void test_err_syntax(void **state)
{
	(void)state;
	expect_error("[sm]\npriority = 1\njunk line\n", "3: syntax error");
	expect_error("[sm\npriority = 1\n", "1: syntax error");
	/* the first error wins, whoever finds it */
	expect_error("[sm]\nnope\npriority = 99\n", "2: syntax error");
	expect_error("[sm]\npriority = 99\nnope\n", "2: key 'priority': '99' is out of range 0..15");
}

static void test_err_long_line(void **state)
{
	char text[400];
	(void)state;

	snprintf(text, sizeof(text), "[sm]\nstate_dir = /%0300d\n", 0);
	expect_error(text, "2: line is longer than 198 characters");
}

static void test_err_files(void **state)
{
	struct smd_config c;
	char err[256];
	(void)state;

	cfg_defaults(&c);
	assert_int_equal(cfg_load("/nonexistent/smd.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/smd.conf: cannot open: No such file or directory");
	assert_int_equal(cfg_load("/tmp", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: not a regular file");
	/* a device is never read (/dev/zero has no end) */
	assert_int_equal(cfg_load("/dev/zero", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/zero: not a regular file");
}

static void test_err_buffer(void **state)
{
	struct smd_config c;
	char err[8];
	(void)state;

	cfg_defaults(&c);
	/* truncated, terminated; a NULL buffer is allowed */
	assert_int_equal(cfg_load("/nonexistent/smd.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexi");
	assert_int_equal(cfg_load("/nonexistent/smd.conf", &c, NULL, 0), -1);
}

static void test_unchanged_on_error(void **state)
{
	struct smd_config c, before;
	struct tmp t;
	char err[256];
	(void)state;

	cfg_defaults(&c);
	c.priority = 7;
	snprintf(c.port, sizeof(c.port), "mlx4_0:1");
	c.mad_window = 5;
	memcpy(&before, &c, sizeof(c));
	/* valid keys first, then an error: none of them may stick */
	tmp_write(&t, "[sm]\npriority = 3\nport = ibsim0:1\n[mad]\nwindow = 64\nretries = 50\n");
	int rc = cfg_load(t.path, &c, err, sizeof(err));
	tmp_done(&t);
	assert_int_equal(rc, -1);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_comments_whitespace(void **state)
{
	struct smd_config c;
	(void)state;

	expect_ok("; semicolon comment\n"
		  "# hash comment\n"
		  "\n"
		  "   [sm]   \n"
		  "\tpriority\t=\t7 ; inline comment\n"
		  "  sweep_interval=0\r\n"     /* indented key, CRLF */
		  "    poll_retries = 9\n"      /* indented after a key: not a continuation */
		  "   # indented comment\n"
		  "[log]\n"
		  "level: warn\n",              /* inih also takes ':' */
		  &c);
	assert_int_equal(c.priority, 7);
	assert_int_equal(c.sweep_interval, 0);
	assert_int_equal(c.poll_retries, 9);
	assert_int_equal(c.log_level, LOG_LVL_WARN);
	/* '#' after a value is not a comment; ";" needs a blank before it */
	expect_error("[sm]\npriority = 1 # one\n", "2: key 'priority': '1 # one' is not a number");
	expect_error("[sm]\npriority = 1;one\n", "2: key 'priority': '1;one' is not a number");
}

static void test_bom_and_duplicates(void **state)
{
	struct smd_config c;
	(void)state;

	expect_ok("\xEF\xBB\xBF[sm]\npriority = 1\npriority = 2\n[mad]\n[sm]\npriority = 3\n", &c);
	assert_int_equal(c.priority, 3);
	expect_error("\xEF\xBB\xBF[foo]\n", "1: unknown section [foo]");
}

static void test_empty_file(void **state)
{
	struct smd_config c, d;
	(void)state;

	expect_ok("", &c);
	cfg_defaults(&d);
	assert_cfg_equal(&c, &d, 1);
}

#ifdef SMD_EXAMPLE_CONF
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	assert_true(n > 0 && n < 65535);
	fclose(f);
	return buf;
}

static void test_example_conf(void **state)
{
	struct smd_config c, d;
	char err[512] = "";
	(void)state;

	cfg_defaults(&c);
	int rc = cfg_load(SMD_EXAMPLE_CONF, &c, err, sizeof(err));
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	cfg_defaults(&d);
	assert_cfg_equal(&c, &d, 1);
}

/* Uncomment every "#key = value" line: the documented defaults must load and
 * match cfg_defaults() (port has no default value, only examples). */
static void test_example_conf_uncommented(void **state)
{
	static const char *keys[] = { "priority", "port", "state_dir", "import_guid2lid", "sweep_interval",
		"sm_key", "poll_interval", "poll_retries", "master_timeout", "port_watch", "preempt",
		"control_socket", "audit_budget", "reenable_ports", "window",
		"timeout", "retries", "engine", "mtu", "rate", "level", "listen" };
	struct smd_config c, d;
	char *text = read_all(SMD_EXAMPLE_CONF);
	(void)state;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char pat[64];
		snprintf(pat, sizeof(pat), "\n#%s = ", keys[i]);
		if (!strstr(text, pat))
			fail_msg("example conf lacks '#%s = '", keys[i]);
	}
	for (char *p = text; (p = strstr(p, "\n#")); p++) {
		size_t k = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz_");
		if (k > 0 && strncmp(p + 2 + k, " = ", 3) == 0)
			p[1] = ' ';
	}
	expect_ok(text, &c);
	cfg_defaults(&d);
	assert_cfg_equal(&c, &d, 0);
	assert_true(cfg_parse_port(c.port, NULL, 0, NULL, NULL) == 0);
	free(text);
}
#endif

static void test_routing_keys(void **state)
{
	struct smd_config c;
	(void)state;

	cfg_defaults(&c);
	assert_int_equal(c.route_engine, RT_AUTO);
	assert_int_equal(c.nroots, 0);
	expect_ok("[routing]\nengine = updn\nroots = 0x0002c90300000001, 0x2 ,0x3\n", &c);
	assert_int_equal(c.route_engine, RT_UPDN);
	assert_int_equal(c.nroots, 3);
	assert_true(c.roots[0] == 0x0002c90300000001ULL);
	assert_true(c.roots[1] == 0x2 && c.roots[2] == 0x3);
	expect_ok("[routing]\nengine = minhop\n", &c);
	assert_int_equal(c.route_engine, RT_MINHOP);
	expect_error("[routing]\nengine = ftree\n",
		     "2: key 'engine': 'ftree' is not one of auto|minhop|updn");
	expect_error("[routing]\nroots = 0x1, mlx5_0:1\n",
		     "2: key 'roots': 'mlx5_0:1' is not a 0x switch GUID");
	expect_error("[routing]\nroots = 0x0\n",
		     "2: key 'roots': '0x0' is not a 0x switch GUID");
}

/* OpenSM's LID map: a path to import, or none. */
static void test_import_guid2lid(void **state)
{
	struct smd_config c;
	(void)state;

	cfg_defaults(&c);
	expect_ok("[sm]\nimport_guid2lid = /srv/opensm cache/guid2lid\n", &c);
	assert_string_equal(c.import_guid2lid, "/srv/opensm cache/guid2lid");
	expect_ok("[sm]\nimport_guid2lid = none\n", &c);
	assert_string_equal(c.import_guid2lid, "");
	expect_error("[sm]\n\nimport_guid2lid = guid2lid\n",
		     "3: key 'import_guid2lid': 'guid2lid' is neither none nor an absolute path");
	expect_error("[sm]\nimport_guid2lid =\n", "2: key 'import_guid2lid': empty value");
}

/* [partitions] file: a path, none, or the built-in default. */
static void test_partitions_file(void **state)
{
	struct smd_config c;
	(void)state;

	cfg_defaults(&c);
	assert_string_equal(c.partitions_file, SMD_DEFAULT_PARTITIONS);
	expect_ok("[partitions]\nfile = /etc/opensm/partitions.conf\n", &c);
	assert_string_equal(c.partitions_file, "/etc/opensm/partitions.conf");
	expect_ok("[partitions]\nfile = none\n", &c);
	assert_string_equal(c.partitions_file, "");
	expect_error("[partitions]\nfile = partitions.conf\n",
		     "2: key 'file': 'partitions.conf' is neither none nor an absolute path");
	expect_error("[partitions]\npkeys = 0x8001\n", "2: unknown key 'pkeys' in [partitions]");
}

static void test_parse_port(void **state)
{
	char ca[32];
	int pn;
	uint64_t guid;
	(void)state;

	assert_int_equal(cfg_parse_port("mlx5_0:1", ca, sizeof(ca), &pn, &guid), 0);
	assert_string_equal(ca, "mlx5_0");
	assert_int_equal(pn, 1);
	assert_true(guid == 0);

	assert_int_equal(cfg_parse_port("ibsim0:254", ca, sizeof(ca), &pn, &guid), 0);
	assert_string_equal(ca, "ibsim0");
	assert_int_equal(pn, 254);

	assert_int_equal(cfg_parse_port("a.b-c_D9:12", ca, sizeof(ca), &pn, &guid), 0);
	assert_string_equal(ca, "a.b-c_D9");
	assert_int_equal(pn, 12);

	strcpy(ca, "junk");
	pn = 9;
	assert_int_equal(cfg_parse_port("0x0002c90300000001", ca, sizeof(ca), &pn, &guid), 0);
	assert_true(guid == 0x0002c90300000001ULL);
	assert_string_equal(ca, "");
	assert_int_equal(pn, 0);

	assert_int_equal(cfg_parse_port("0xFFFFFFFFFFFFFFFF", ca, sizeof(ca), &pn, &guid), 0);
	assert_true(guid == UINT64_MAX);
	assert_int_equal(cfg_parse_port("0x1", NULL, 0, NULL, NULL), 0);
}

static void test_parse_port_bad(void **state)
{
	static const char *bad[] = {
		"", ":1", "mlx5_0:", "mlx5_0:0", "mlx5_0:255", "mlx5_0:1000",
		"mlx5_0:-1", "mlx5_0:+1", "mlx5_0:1x", "mlx5_0:1:2", "ml x5:1",
		"mlx5/0:1", "0x", "0x0", "0x00000000", "0x00000000000000001",
		"0xg", "1234", "0x12 ", "x12", "mlx5_0",
	};
	char ca[8];
	int pn;
	uint64_t guid;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cfg_parse_port(bad[i], ca, sizeof(ca), &pn, &guid) != -1)
			fail_msg("'%s' accepted", bad[i]);
	}
	/* CA name must fit the caller's buffer (7 chars + NUL here) */
	assert_int_equal(cfg_parse_port("abcdefg:1", ca, sizeof(ca), &pn, &guid), 0);
	assert_int_equal(cfg_parse_port("abcdefgh:1", ca, sizeof(ca), &pn, &guid), -1);
	assert_int_equal(cfg_parse_port(NULL, ca, sizeof(ca), &pn, &guid), -1);
}

/* [metrics] listen: a numeric address and a port, or none; anything else
 * names the line and key. */
static void test_metrics_listen(void **state)
{
	struct smd_config c;
	char addr[64];
	unsigned port;
	(void)state;

	expect_ok("[metrics]\nlisten = 127.0.0.1:9683\n", &c);
	assert_string_equal(c.metrics_listen, "127.0.0.1:9683");
	expect_ok("[metrics]\nlisten = [::1]:1\n", &c);
	assert_string_equal(c.metrics_listen, "[::1]:1");
	expect_ok("[metrics]\nlisten = 127.0.0.1:9683\nlisten = none\n", &c);
	assert_string_equal(c.metrics_listen, "");
	assert_int_equal(cfg_parse_listen("[fe80::1]:65535", addr, sizeof(addr), &port), 0);
	assert_string_equal(addr, "fe80::1");
	assert_int_equal(port, 65535);
	assert_int_equal(cfg_parse_listen("0.0.0.0:80", addr, sizeof(addr), &port), 0);
	assert_string_equal(addr, "0.0.0.0");
	const char *bad[] = { "9683", "localhost:9683", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:+80", "127.0.0.1:80x", "::1:9683", "[::1]", "[::1:80",
		"[]:80", "[127.0.0.1]:80", "127.0.0.256:80", "127.0.0.1:123456" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cfg_parse_listen(bad[i], addr, sizeof(addr), &port) == 0)
			fail_msg("'%s' accepted", bad[i]);
		char text[128], want[256], err[512] = "";
		struct tmp t;
		snprintf(text, sizeof(text), "[metrics]\n\nlisten = %s\n", bad[i]);
		assert_int_equal(load_text(text, &c, err, sizeof(err), &t), -1);
		snprintf(want, sizeof(want), "%s:3: key 'listen': '%s' is neither none nor ADDRESS:PORT",
			 t.path, bad[i]);
		if (strncmp(err, want, strlen(want)))
			fail_msg("'%s': got \"%s\"", bad[i], err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_err_range),
		cmocka_unit_test(test_err_negative_overflow),
		cmocka_unit_test(test_err_not_number),
		cmocka_unit_test(test_err_sm_key),
		cmocka_unit_test(test_m_key),
		cmocka_unit_test(test_err_port),
		cmocka_unit_test(test_err_other_values),
		cmocka_unit_test(test_err_unknown),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_long_line),
		cmocka_unit_test(test_err_files),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_unchanged_on_error),
		cmocka_unit_test(test_comments_whitespace),
		cmocka_unit_test(test_bom_and_duplicates),
		cmocka_unit_test(test_empty_file),
#ifdef SMD_EXAMPLE_CONF
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_example_conf_uncommented),
#endif
		cmocka_unit_test(test_routing_keys),
		cmocka_unit_test(test_import_guid2lid),
		cmocka_unit_test(test_partitions_file),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_port_bad),
		cmocka_unit_test(test_metrics_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
