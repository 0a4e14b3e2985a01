/* config: smd.conf (INI, read with inih) into a validated struct. */
#include "config.h"
#include "rate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include <ini.h>

void cfg_defaults(struct smd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->priority = 0;
	cfg->port[0] = '\0';
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", "/var/lib/smd");
	snprintf(cfg->import_guid2lid, sizeof(cfg->import_guid2lid), "%s", CFG_DEFAULT_IMPORT);
	cfg->sweep_interval = 10;
	cfg->sm_key = 0x1;
	cfg->poll_interval_ms = 300;
	cfg->poll_retries = 3;
	cfg->master_timeout = 10;
	cfg->port_watch_ms = 500;
	cfg->preempt = 1;
	cfg->audit_budget = 1024;
	cfg->reenable_ports = 1;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", CFG_DEFAULT_SOCKET);
	cfg->mad_window = 32;
	cfg->mad_timeout_ms = 200;
	cfg->mad_retries = 3;
	cfg->route_engine = RT_AUTO;
	cfg->nroots = 0;
	snprintf(cfg->partitions_file, sizeof(cfg->partitions_file), "%s", SMD_DEFAULT_PARTITIONS);
	cfg->log_level = LOG_LVL_INFO;
}

/* ---- value parsers ---- */

enum cfg_num { CFG_NUM_OK, CFG_NUM_BAD, CFG_NUM_RANGE };

/*
 * Decimal or 0x hex, digits only: strtoull alone would accept leading
 * blanks, a sign (negating!) and octal.
 */
static enum cfg_num cfg_parse_u64(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;

	if (s[0] == '-' && isdigit((unsigned char)s[1]))
		return CFG_NUM_RANGE;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return CFG_NUM_BAD;
	} else if (!isdigit((unsigned char)*s)) {
		return CFG_NUM_BAD;
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (*end != '\0')
		return CFG_NUM_BAD;
	if (errno == ERANGE)
		return CFG_NUM_RANGE;
	*out = v;
	return CFG_NUM_OK;
}

static int cfg_ca_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

int cfg_parse_port(const char *s, char *ca, size_t calen, int *portnum, uint64_t *guid)
{
	const char *colon = s ? strchr(s, ':') : NULL;

	if (!s)
		return -1;
	if (!colon) {
		/* "0x" + 1..16 hex digits, nonzero */
		uint64_t g;
		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
			return -1;
		size_t nd = strlen(s + 2);
		if (nd < 1 || nd > 16 || strspn(s + 2, "0123456789abcdefABCDEF") != nd ||
		    cfg_parse_u64(s, &g) != CFG_NUM_OK || g == 0)
			return -1;
		if (ca && calen)
			ca[0] = '\0';
		if (portnum)
			*portnum = 0;
		if (guid)
			*guid = g;
		return 0;
	}

	size_t calen_in = (size_t)(colon - s);
	const char *p = colon + 1;
	size_t pd = strlen(p);
	if (calen_in == 0 || (ca && calen_in >= calen))
		return -1;
	for (size_t i = 0; i < calen_in; i++)
		if (!cfg_ca_char(s[i]))
			return -1;
	/* port: 1..3 decimal digits, 1..254 */
	if (pd < 1 || pd > 3 || strspn(p, "0123456789") != pd)
		return -1;
	int pn = atoi(p);
	if (pn < 1 || pn > 254)
		return -1;
	if (ca) {
		memcpy(ca, s, calen_in);
		ca[calen_in] = '\0';
	}
	if (portnum)
		*portnum = pn;
	if (guid)
		*guid = 0;
	return 0;
}

int cfg_parse_listen(const char *s, char *addr, size_t addrlen, unsigned *port)
{
	char a[INET6_ADDRSTRLEN + 2];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon = strrchr(s, ':'), *host = s;
	size_t hlen;
	int v6 = s[0] == '[';

	if (!colon)
		return -1;
	hlen = (size_t)(colon - s);
	if (v6) {
		if (hlen < 3 || s[hlen - 1] != ']')
			return -1;
		host = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(a))
		return -1;
	memcpy(a, host, hlen);
	a[hlen] = 0;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1)
		return -1;
	const char *p = colon + 1;
	size_t pd = strlen(p);
	if (pd < 1 || pd > 5 || strspn(p, "0123456789") != pd)
		return -1;
	unsigned long pn = strtoul(p, NULL, 10);
	if (pn < 1 || pn > 65535)
		return -1;
	if (addr) {
		if (hlen >= addrlen)
			return -1;
		memcpy(addr, a, hlen + 1);
	}
	if (port)
		*port = (unsigned)pn;
	return 0;
}

/* ---- the key table ---- */

enum cfg_type { CFG_MTU, CFG_RATE, CFG_BOOL, CFG_INT, CFG_UINT, CFG_U64, CFG_PORT, CFG_PATH,
		CFG_OPTPATH, CFG_LEVEL, CFG_ENGINE, CFG_ROOTS, CFG_LISTEN };

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t off;
	unsigned long min, max; /* CFG_INT / CFG_UINT */
	const char *unit;
};

#define K(sec, key, type, field, min, max, unit) \
	{ sec, key, type, offsetof(struct smd_config, field), min, max, unit }

static const struct cfg_key cfg_keys[] = {
	K("sm", "priority", CFG_INT, priority, 0, 15, ""),
	K("sm", "port", CFG_PORT, port, 0, 0, ""),
	K("sm", "state_dir", CFG_PATH, state_dir, 0, 0, ""),
	K("sm", "import_guid2lid", CFG_OPTPATH, import_guid2lid, 0, 0, ""),
	K("sm", "sweep_interval", CFG_UINT, sweep_interval, 0, 86400, " s"),
	K("sm", "sm_key", CFG_U64, sm_key, 0, 0, ""),
	K("sm", "m_key", CFG_U64, m_key, 0, 0, ""),
	K("sm", "m_key_protect_bits", CFG_UINT, m_key_protect_bits, 0, 3, ""),
	K("sm", "m_key_lease_period", CFG_UINT, m_key_lease_period, 0, 65535, " s"),
	K("sm", "poll_interval", CFG_UINT, poll_interval_ms, 50, 60000, " ms"),
	K("sm", "poll_retries", CFG_UINT, poll_retries, 1, 100, ""),
	K("sm", "master_timeout", CFG_UINT, master_timeout, 1, 600, " s"),
	K("sm", "port_watch", CFG_UINT, port_watch_ms, 50, 10000, " ms"),
	K("sm", "preempt", CFG_BOOL, preempt, 0, 0, ""),
	K("sm", "control_socket", CFG_PATH, control_socket, 0, 0, ""),
	K("sm", "audit_budget", CFG_UINT, audit_budget, 0, 4096, ""),
	K("sm", "reenable_ports", CFG_BOOL, reenable_ports, 0, 0, ""),
	K("mad", "window", CFG_UINT, mad_window, 1, 256, ""),
	K("mad", "timeout", CFG_UINT, mad_timeout_ms, 10, 10000, " ms"),
	K("mad", "retries", CFG_UINT, mad_retries, 0, 20, ""),
	K("routing", "engine", CFG_ENGINE, route_engine, 0, 0, ""),
	K("routing", "roots", CFG_ROOTS, roots, 0, 0, ""),
	K("ipoib", "mtu", CFG_MTU, ipoib_mtu, 0, 0, ""),
	K("ipoib", "rate", CFG_RATE, ipoib_rate, 0, 0, ""),
	K("partitions", "file", CFG_OPTPATH, partitions_file, 0, 0, ""),
	K("log", "level", CFG_LEVEL, log_level, 0, 0, ""),
	K("metrics", "listen", CFG_LISTEN, metrics_listen, 0, 0, ""),
};
#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static int cfg_section_known(const char *section)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* ---- parse state ---- */

struct cfg_parse {
	struct smd_config cfg; /* the copy we fill; committed on success */
	FILE *fp;
	char *line;            /* getline buffer */
	size_t linecap;
	int lineno;            /* physical line just handed to inih */
	int read_errno;        /* getline failure, e.g. EISDIR */
	int err_line;          /* first error of ours, 0 = none */
	char err[384];
};

static int cfg_fail(struct cfg_parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cfg_fail(struct cfg_parse *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err_line)
		return 0; /* keep the first error */
	ps->err_line = ps->lineno;
	va_start(ap, fmt);
	vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
	va_end(ap);
	return 0;
}

/* "0xGUID, 0xGUID ..." (commas and/or blanks between them). */
static int cfg_set_roots(struct cfg_parse *ps, const struct cfg_key *k, const char *v)
{
	char buf[CFG_PATH_MAX * 2], *tok, *save;
	unsigned n = 0;

	if (strlen(v) >= sizeof(buf))
		return cfg_fail(ps, "key '%s': value is too long", k->name);
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		uint64_t g;
		if (n == CFG_MAX_ROOTS)
			return cfg_fail(ps, "key '%s': more than %d roots", k->name, CFG_MAX_ROOTS);
		if (cfg_parse_port(tok, NULL, 0, NULL, &g) < 0 || !g)
			return cfg_fail(ps, "key '%s': '%s' is not a 0x switch GUID", k->name, tok);
		ps->cfg.roots[n++] = g;
	}
	ps->cfg.nroots = n;
	return 1;
}

/* Store value into ps->cfg per k; 0 on error (recorded). */
static int cfg_set(struct cfg_parse *ps, const struct cfg_key *k, const char *v)
{
	char *field = (char *)&ps->cfg + k->off;
	enum log_level lvl;
	uint64_t n;

	switch (k->type) {
	case CFG_MTU: {
		int code = rate_mtu_parse(v);
		if (code < 0)
			return cfg_fail(ps, "key '%s': '%s' is not one of auto|256|512|1024|2048|4096",
					k->name, v);
		*(unsigned *)field = (unsigned)code;
		return 1;
	}
	case CFG_RATE: {
		int rate = rate_parse(v);
		if (rate < 0)
			return cfg_fail(ps, "key '%s': '%s' is not auto or a link rate in Gb/s "
					"(2.5, 5, 10, 14, 20, 25, 30, 40, 56, 100, 200, 400, 800, 1200 ...)", k->name, v);
		*(unsigned *)field = (unsigned)rate;
		return 1;
	}
	case CFG_BOOL:
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
			*(int *)field = 1;
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
			*(int *)field = 0;
		else
			return cfg_fail(ps, "key '%s': '%s' is not yes or no", k->name, v);
		return 1;
	case CFG_INT:
	case CFG_UINT:
		switch (cfg_parse_u64(v, &n)) {
		case CFG_NUM_BAD:
			return cfg_fail(ps, "key '%s': '%s' is not a number", k->name, v);
		case CFG_NUM_RANGE:
			n = UINT64_MAX;
			break;
		case CFG_NUM_OK:
			break;
		}
		if (n < k->min || n > k->max)
			return cfg_fail(ps, "key '%s': '%s' is out of range %lu..%lu%s",
					k->name, v, k->min, k->max, k->unit);
		if (k->type == CFG_INT)
			*(int *)field = (int)n;
		else
			*(unsigned *)field = (unsigned)n;
		return 1;
	case CFG_U64:
		switch (cfg_parse_u64(v, &n)) {
		case CFG_NUM_BAD:
			return cfg_fail(ps, "key '%s': '%s' is not a number (decimal or 0x hex)", k->name, v);
		case CFG_NUM_RANGE:
			return cfg_fail(ps, "key '%s': '%s' is out of range 0..0xffffffffffffffff",
					k->name, v);
		case CFG_NUM_OK:
			break;
		}
		*(uint64_t *)field = n;
		return 1;
	case CFG_PORT:
		if (cfg_parse_port(v, NULL, 0, NULL, NULL) < 0)
			return cfg_fail(ps, "key '%s': '%s' is neither CA:PORT (port 1..254) nor a 0x GUID",
					k->name, v);
		break;
	case CFG_PATH:
		if (v[0] != '/')
			return cfg_fail(ps, "key '%s': '%s' is not an absolute path", k->name, v);
		break;
	case CFG_OPTPATH:
		if (strcmp(v, "none") == 0) {
			field[0] = '\0';
			return 1;
		}
		if (v[0] != '/')
			return cfg_fail(ps, "key '%s': '%s' is neither none nor an absolute path", k->name, v);
		break;
	case CFG_ENGINE:
		if (rt_engine_parse(v, (enum rt_engine *)field) < 0)
			return cfg_fail(ps, "key '%s': '%s' is not one of auto|minhop|updn", k->name, v);
		return 1;
	case CFG_ROOTS:
		return cfg_set_roots(ps, k, v);
	case CFG_LISTEN:
		if (strcmp(v, "none") == 0) {
			field[0] = '\0';
			return 1;
		}
		if (cfg_parse_listen(v, NULL, 0, NULL) < 0)
			return cfg_fail(ps, "key '%s': '%s' is neither none nor ADDRESS:PORT with a "
					"numeric address and a port 1..65535 (127.0.0.1:9683, [::1]:9683)",
					k->name, v);
		break;
	case CFG_LEVEL:
		if (log_level_parse(v, &lvl) < 0)
			return cfg_fail(ps, "key '%s': '%s' is not one of error|warn|notice|info|debug",
					k->name, v);
		*(enum log_level *)field = lvl;
		return 1;
	}
	/* string keys: all are char[CFG_PATH_MAX] */
	if (strlen(v) >= CFG_PATH_MAX)
		return cfg_fail(ps, "key '%s': value is longer than %d characters", k->name, CFG_PATH_MAX - 1);
	memcpy(field, v, strlen(v) + 1);
	return 1;
}

/* inih handler: called with the line our reader just returned. */
static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *ps = user;

	if (ps->err_line)
		return 1; /* already failed; the reader stops inih at the next line */
	if (section[0] == '\0')
		return cfg_fail(ps, "key '%s' is not in any [section]", name);
	if (!cfg_section_known(section))
		return cfg_fail(ps, "unknown section [%s]", section);
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		if (value[0] == '\0')
			return cfg_fail(ps, "key '%s': empty value", name);
		return cfg_set(ps, k, value);
	}
	return cfg_fail(ps, "unknown key '%s' in [%s]", name, section);
}

/* Section headers never reach the handler: check them here, on their own line. */
static void cfg_check_section(struct cfg_parse *ps, const char *s)
{
	const char *end = strchr(s, ']');
	char name[128];

	if (s[0] != '[' || !end)
		return; /* not a header, or inih reports the syntax error */
	snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
	if (!cfg_section_known(name))
		cfg_fail(ps, "unknown section [%s]", name);
}

/*
 * inih reader: exactly one physical line per call, so ps->lineno is the
 * line inih is working on. Leading blanks are dropped, which turns off
 * inih's multi-line values (an indented "key = v" would otherwise become
 * the value of the key above). Returning NULL after an error stops inih.
 */
#define CFG_MAX_BYTES (1 << 20)

static char *cfg_reader(char *str, int num, void *user)
{
	struct cfg_parse *ps = user;

	if (ps->err_line)
		return NULL;
	ssize_t n = getline(&ps->line, &ps->linecap, ps->fp);
	if (n < 0) {
		ps->read_errno = ferror(ps->fp) ? errno : 0;
		return NULL;
	}
	ps->lineno++;
	char *s = ps->line;
	/* A NUL would end the line early for inih ("priority = 5\0junk"
	 * read as 5): a text file has none. */
	if (strlen(s) != (size_t)n) {
		cfg_fail(ps, "line has a NUL byte (not a text file?)");
		return NULL;
	}
	if (ps->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* UTF-8 BOM */
	s += strspn(s, " \t");
	if (strlen(s) + 1 > (size_t)num) {
		cfg_fail(ps, "line is longer than %d characters", num - 2);
		return NULL;
	}
	cfg_check_section(ps, s);
	memcpy(str, s, strlen(s) + 1);
	return str;
}

static void cfg_errmsg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cfg_errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int cfg_load(const char *path, struct smd_config *cfg, char *err, size_t errlen)
{
	struct cfg_parse ps = { .cfg = *cfg };
	int ret = -1;

	ps.fp = fopen(path, "re");
	if (!ps.fp) {
		cfg_errmsg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	/* A device or a pipe could be read forever (/dev/zero has no end and
	 * no newline): only a regular file of sane size is a configuration. */
	struct stat st;
	const char *why = NULL;
	if (fstat(fileno(ps.fp), &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > CFG_MAX_BYTES)
		why = "larger than 1 MiB";
	if (why) {
		cfg_errmsg(err, errlen, "%s: %s", path, why);
		fclose(ps.fp);
		return -1;
	}
	int bad = ini_parse_stream(cfg_reader, &ps, cfg_handler, &ps);
	if (ps.read_errno)
		cfg_errmsg(err, errlen, "%s: cannot read: %s", path, strerror(ps.read_errno));
	else if (bad > 0 && (!ps.err_line || bad < ps.err_line))
		cfg_errmsg(err, errlen, "%s:%d: syntax error", path, bad); /* inih's own */
	else if (ps.err_line)
		cfg_errmsg(err, errlen, "%s:%d: %s", path, ps.err_line, ps.err);
	else if (bad < 0)
		cfg_errmsg(err, errlen, "%s: out of memory", path);
	else
		ret = 0;
	if (ret == 0)
		*cfg = ps.cfg;
	free(ps.line);
	fclose(ps.fp);
	return ret;
}
