/* prtn_conf: partitions.conf in OpenSM's syntax (see prtn_conf.h).
 *
 *   # comment
 *   Name[=PKEY][,ipoib][,mtu=N][,rate=N][,sl=N][,scope=N][,Q_Key=N][,TClass=N]
 *       [,FlowLabel=N][,defmember=full|limited|both] : MEMBER[=full|limited|both], ... ;
 *
 * A definition runs to its ';' across lines. What smd does not build
 * (ALL_ROUTERS, mgid= lines, indx0, a definition without a P_Key) is
 * refused with its line rather than ignored as OpenSM ignores unknown flags. */
#include "prtn_conf.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PRTN_MAX_BYTES (1 << 20)

struct pc_parse {
	const char *text, *name;
	size_t len;
	struct prtn_conf *c;
	char *err;
	size_t errlen;
	int failed;
	size_t at_off;        /* pc_line's place: text[at_off] is on line at_line */
	int at_line;
};

/* The line of text[off] (1-based), asked at each new partition and at an
 * error: counted on from the last answer (offsets only grow while the
 * file is read), so a file of many partitions is still read in one pass. */
static int pc_line(struct pc_parse *ps, size_t off)
{
	if (!ps->at_line || off < ps->at_off) {
		ps->at_off = 0;
		ps->at_line = 1;
	}
	for (size_t i = ps->at_off; i < off && i < ps->len; i++)
		if (ps->text[i] == '\n')
			ps->at_line++;
	ps->at_off = off < ps->len ? off : ps->len;
	return ps->at_line;
}

static int pc_fail(struct pc_parse *ps, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pc_fail(struct pc_parse *ps, size_t off, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ps->failed)
		return -1;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->name, pc_line(ps, off), what);
	return -1;
}

const char *prtn_mship_name(enum prtn_mship m)
{
	return m == PM_FULL ? "full" : m == PM_LIMITED ? "limited" : "none";
}

/* ---- the list ---------------------------------------------------------- */

static struct prtn *pc_add(struct prtn_conf *c, const char *name, uint16_t pkey, int line)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->p = xreallocarray(c->p, c->cap, sizeof(*c->p));
	}
	struct prtn *p = &c->p[c->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pkey = pkey;
	p->line = line;
	return p;
}

static void pc_rule(struct prtn *p, enum prtn_who who, enum prtn_mship m, uint64_t guid)
{
	if (p->nrules == p->caprules) {
		p->caprules = p->caprules ? p->caprules * 2 : 4;
		p->rules = xreallocarray(p->rules, p->caprules, sizeof(*p->rules));
	}
	p->rules[p->nrules++] = (struct prtn_rule){ .who = (uint8_t)who, .mship = (uint8_t)m,
						    .guid = guid };
}

const struct prtn *prtn_conf_find(const struct prtn_conf *c, uint16_t pkey)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->p[i].pkey == (pkey & 0x7fff))
			return &c->p[i];
	return NULL;
}

void prtn_conf_free(struct prtn_conf *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->p[i].rules);
	free(c->p);
	memset(c, 0, sizeof(*c));
}

/* OpenSM makes Default first, before reading the file: everyone full without
 * a file; with one, everyone limited and its own port full. */
static void pc_default(struct prtn_conf *c, int from_file)
{
	struct prtn *d = pc_add(c, "Default", PRTN_DEFAULT_PKEY, 0);

	c->from_file = from_file;
	if (from_file) {
		pc_rule(d, PW_ALL, PM_LIMITED, 0);
		pc_rule(d, PW_SELF, PM_FULL, 0);
	} else {
		d->ipoib = 1;
		pc_rule(d, PW_ALL, PM_FULL, 0);
	}
}

void prtn_conf_default(struct prtn_conf *c)
{
	memset(c, 0, sizeof(*c));
	pc_default(c, 0);
}

enum prtn_mship prtn_conf_member(const struct prtn *p, uint64_t guid, int is_switch,
				 uint64_t sm_guid)
{
	enum prtn_mship m = PM_NONE;

	for (unsigned i = 0; i < p->nrules; i++) {
		const struct prtn_rule *r = &p->rules[i];
		int hit = 0;
		switch (r->who) {
		case PW_ALL: hit = 1; break;
		case PW_ALL_CAS: hit = !is_switch; break;
		case PW_ALL_SWITCHES: hit = is_switch; break;
		case PW_SELF: hit = sm_guid && guid == sm_guid; break;
		case PW_GUID: hit = guid == r->guid; break;
		}
		if (hit)
			m = (enum prtn_mship)r->mship;
	}
	return m;
}

/* ---- tokens ------------------------------------------------------------ */

/* A token: [s, e) of the text, blanks trimmed. */
struct tok {
	size_t s, e;
};

static int pc_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static struct tok pc_trim(const struct pc_parse *ps, size_t s, size_t e)
{
	while (s < e && pc_blank(ps->text[s]))
		s++;
	while (e > s && pc_blank(ps->text[e - 1]))
		e--;
	return (struct tok){ s, e };
}

static int pc_is(const struct pc_parse *ps, struct tok t, const char *word)
{
	size_t n = strlen(word);
	return t.e - t.s == n && strncmp(ps->text + t.s, word, n) == 0;
}

/* OpenSM takes any leading part of full/limited/both ("limi" in its own
 * man page); so does smd, but nothing else. */
static int pc_mship(const struct pc_parse *ps, struct tok t, enum prtn_mship *m)
{
	static const struct { const char *w; enum prtn_mship m; } words[] = {
		{ "full", PM_FULL }, { "limited", PM_LIMITED }, { "both", PM_FULL },
	};
	size_t n = t.e - t.s;

	if (!n)
		return -1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (n <= strlen(words[i].w) && strncmp(ps->text + t.s, words[i].w, n) == 0) {
			*m = words[i].m;
			return 0;
		}
	return -1;
}

/* 0x hex or decimal, digits only, at most max. */
static int pc_num(const struct pc_parse *ps, struct tok t, uint64_t max, uint64_t *out)
{
	char buf[32];
	size_t n = t.e - t.s;
	int base = 10;
	const char *d = buf;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, ps->text + t.s, n);
	buf[n] = '\0';
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		base = 16;
		d += 2;
	}
	if (!*d || strspn(d, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(d))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(d, &end, base);
	if (errno == ERANGE || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Split [s, e) at the first `ch` outside nothing (no quoting in this
 * syntax): *key = before, *val = after (val.s > val.e when no ch). */
static int pc_split(const struct pc_parse *ps, size_t s, size_t e, char ch, struct tok *key,
		    struct tok *val)
{
	const char *q = memchr(ps->text + s, ch, e - s);
	if (!q) {
		*key = pc_trim(ps, s, e);
		*val = (struct tok){ 1, 0 };
		return 0;
	}
	size_t at = (size_t)(q - ps->text);
	*key = pc_trim(ps, s, at);
	*val = pc_trim(ps, at + 1, e);
	return 1;
}

/* ---- one definition ---------------------------------------------------- */

struct pc_def {
	char name[PRTN_NAME_MAX];
	uint16_t pkey;
	int ipoib;
	enum prtn_mship defmember;
	struct prtn flags;      /* mtu, rate, sl, scope, qkey, tclass, flow_label given here */
};

static int pc_flag(struct pc_parse *ps, struct pc_def *d, struct tok f, struct tok v, int has_v)
{
	uint64_t n;
	char fname[32];

	snprintf(fname, sizeof(fname), "%.*s", (int)(f.e - f.s), ps->text + f.s);
	if (pc_is(ps, f, "ipoib")) {
		if (has_v)
			return pc_fail(ps, f.s, "flag 'ipoib' takes no value");
		d->ipoib = 1;
		return 0;
	}
	if (pc_is(ps, f, "indx0"))
		return pc_fail(ps, f.s, "flag 'indx0' is not supported by smd (the default "
				   "partition is at index 0)");
	static const char *const valued[] = { "defmember", "mtu", "rate", "sl", "scope", "Q_Key",
					      "TClass", "FlowLabel" };
	int known = 0;
	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		known |= pc_is(ps, f, valued[i]);
	if (!known)
		return pc_fail(ps, f.s, "unknown flag '%s' (smd knows ipoib, mtu, rate, sl, scope, "
				   "Q_Key, TClass, FlowLabel, defmember)", fname);
	if (!has_v || v.e == v.s)
		return pc_fail(ps, f.s, "flag '%s' needs a value", fname);
	if (pc_is(ps, f, "defmember")) {
		if (pc_mship(ps, v, &d->defmember) < 0)
			return pc_fail(ps, v.s, "defmember: '%.*s' is not full, limited or both",
				       (int)(v.e - v.s), ps->text + v.s);
		return 0;
	}
	static const struct { const char *name; uint64_t min, max; } nums[] = {
		{ "mtu", 1, 5 }, { "rate", 2, 24 }, { "sl", 0, 15 }, { "scope", 1, 15 },
		{ "Q_Key", 1, 0xffffffffu }, { "TClass", 0, 255 }, { "FlowLabel", 0, 0xfffff },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (!pc_is(ps, f, nums[i].name))
			continue;
		if (pc_num(ps, v, UINT64_MAX, &n) < 0 || n < nums[i].min || n > nums[i].max)
			return pc_fail(ps, v.s, "flag '%s': '%.*s' is not a number in %llu..%llu%s",
				       nums[i].name, (int)(v.e - v.s), ps->text + v.s,
				       (unsigned long long)nums[i].min,
				       (unsigned long long)nums[i].max,
				       i == 0 ? " (IBA MTU code: 4 = 2048, 5 = 4096)" :
				       i == 1 ? " (IBA rate code: 3 = 10 Gb/s, 7 = 40 Gb/s)" : "");
		switch (i) {
		case 0: d->flags.mtu = (uint8_t)n; break;
		case 1: d->flags.rate = (uint8_t)n; break;
		case 2: d->flags.sl = (uint8_t)n; d->flags.sl_set = 1; break;
		case 3: d->flags.scope_mask |= (uint16_t)(1u << n); break;
		case 4: d->flags.qkey = (uint32_t)n; break;
		case 5: d->flags.tclass = (uint8_t)n; break;
		case 6: d->flags.flow_label = (uint32_t)n; break;
		}
		return 0;
	}
	return -1;  /* not reached: every valued flag is handled above */
}

/* Header: Name[=PKEY][,flag[=value]]... in [s, e). */
static int pc_header(struct pc_parse *ps, size_t s, size_t e, struct pc_def *d)
{
	const char *comma = memchr(ps->text + s, ',', e - s);
	size_t he = comma ? (size_t)(comma - ps->text) : e;
	struct tok name, id;
	uint64_t pk;

	int has_id = pc_split(ps, s, he, '=', &name, &id);
	/* "0x10 : ..." (no name, the P_Key alone) as OpenSM reads it */
	if (!has_id && name.e > name.s && isdigit((unsigned char)ps->text[name.s])) {
		id = name;
		name = (struct tok){ name.s, name.s };
		has_id = 1;
	}
	if (name.e - name.s >= PRTN_NAME_MAX)
		return pc_fail(ps, name.s, "partition name longer than %d characters",
			       PRTN_NAME_MAX - 1);
	for (size_t i = name.s; i < name.e; i++)
		if (!isprint((unsigned char)ps->text[i]))
			return pc_fail(ps, i, "partition name has a control character");
	snprintf(d->name, sizeof(d->name), "%.*s", (int)(name.e - name.s), ps->text + name.s);
	if (!has_id || id.e == id.s)
		return pc_fail(ps, name.s, "partition '%s' has no P_Key (smd does not generate them: "
				   "write Name=0x8001)", d->name);
	if (pc_num(ps, id, 0xffff, &pk) < 0)
		return pc_fail(ps, id.s, "P_Key '%.*s' is not a number 0x0001..0xffff",
			       (int)(id.e - id.s), ps->text + id.s);
	pk &= 0x7fff;   /* only the low 15 bits name the partition */
	if (!pk)
		return pc_fail(ps, id.s, "P_Key '%.*s' has no partition bits (0x0000 and 0x8000 are "
				   "invalid)", (int)(id.e - id.s), ps->text + id.s);
	d->pkey = (uint16_t)pk;
	while (comma) {
		size_t fs = he + 1;
		comma = memchr(ps->text + fs, ',', e - fs);
		he = comma ? (size_t)(comma - ps->text) : e;
		struct tok f, v;
		int has_v = pc_split(ps, fs, he, '=', &f, &v);
		if (f.e == f.s)
			return pc_fail(ps, fs, "empty flag in the partition definition");
		if (pc_flag(ps, d, f, v, has_v) < 0)
			return -1;
	}
	return 0;
}

/* The partition of d, made at its first definition; later ones merge. */
static struct prtn *pc_merge(struct pc_parse *ps, const struct pc_def *d, size_t off)
{
	struct prtn *p = (struct prtn *)prtn_conf_find(ps->c, d->pkey);

	if (!p)
		p = pc_add(ps->c, d->name, d->pkey, pc_line(ps, off));
	/* The first definition's group flags win, as OpenSM makes the group once;
	 * a later definition may still say ipoib (its flags then apply). */
	if (d->ipoib && !p->ipoib) {
		p->ipoib = 1;
		p->mtu = d->flags.mtu;
		p->rate = d->flags.rate;
		p->sl = d->flags.sl;
		p->sl_set = d->flags.sl_set;
		p->scope_mask = d->flags.scope_mask;
		p->qkey = d->flags.qkey;
		p->tclass = d->flags.tclass;
		p->flow_label = d->flags.flow_label;
	}
	return p;
}

static int pc_member(struct pc_parse *ps, struct prtn *p, const struct pc_def *d, size_t s,
		     size_t e)
{
	struct tok who, fl;
	enum prtn_mship m = d->defmember;
	uint64_t guid = 0;
	enum prtn_who w;

	int has_fl = pc_split(ps, s, e, '=', &who, &fl);
	if (who.e == who.s) {
		if (has_fl)
			return pc_fail(ps, s, "a member is missing before '='");
		return 0;   /* "a, , b" or a trailing comma: nothing, as in OpenSM */
	}
	if (pc_is(ps, who, "mgid"))
		return pc_fail(ps, who.s, "mgid lines (groups made from partitions.conf) are not "
				   "supported by smd");
	if (has_fl && pc_mship(ps, fl, &m) < 0)
		return pc_fail(ps, fl.s, "membership '%.*s' is not full, limited or both",
			       (int)(fl.e - fl.s), ps->text + fl.s);
	if (pc_is(ps, who, "ALL"))
		w = PW_ALL;
	else if (pc_is(ps, who, "ALL_CAS"))
		w = PW_ALL_CAS;
	else if (pc_is(ps, who, "ALL_SWITCHES"))
		w = PW_ALL_SWITCHES;
	else if (pc_is(ps, who, "SELF"))
		w = PW_SELF;
	else if (pc_is(ps, who, "NONE"))
		return 0;
	else if (pc_is(ps, who, "ALL_ROUTERS"))
		return pc_fail(ps, who.s, "ALL_ROUTERS is not supported by smd (it serves no routers)");
	else if (pc_num(ps, who, UINT64_MAX, &guid) == 0 && guid)
		w = PW_GUID;
	else
		return pc_fail(ps, who.s, "'%.*s' is not a port GUID (0x...) nor ALL, ALL_CAS, "
				   "ALL_SWITCHES, SELF", (int)(who.e - who.s), ps->text + who.s);
	pc_rule(p, w, m, guid);
	return 0;
}

/* One definition in [s, e) (its ';' excluded, comments blanked). */
static int pc_definition(struct pc_parse *ps, size_t s, size_t e)
{
	struct tok all = pc_trim(ps, s, e);
	if (all.s == all.e)
		return 0;  /* ";;" or trailing blanks */
	const char *colon = memchr(ps->text + all.s, ':', all.e - all.s);
	if (!colon)
		return pc_fail(ps, all.s, "no ':' between the partition definition and its members");
	size_t cs = (size_t)(colon - ps->text);
	struct pc_def d = { .defmember = PM_LIMITED };
	if (pc_header(ps, all.s, cs, &d) < 0)
		return -1;
	/* mgid= lines hold ':' of their own: named before the check below */
	for (size_t i = cs + 1; i + 4 <= all.e; i++) {
		if (strncmp(ps->text + i, "mgid", 4) != 0 || (i > cs + 1 && !pc_blank(ps->text[i - 1]) &&
							     ps->text[i - 1] != ',' && ps->text[i - 1] != ':'))
			continue;
		size_t j = i + 4;
		while (j < all.e && pc_blank(ps->text[j]))
			j++;
		if (j < all.e && ps->text[j] == '=')
			return pc_fail(ps, i, "mgid lines (groups made from partitions.conf) are not "
					   "supported by smd");
	}
	/* "Name=0x10 : defmember=limited : 0x1, 0x2" (opensm(8)'s example) is
	 * not OpenSM's grammar either: refuse a second ':'. */
	if (memchr(ps->text + cs + 1, ':', all.e - cs - 1))
		return pc_fail(ps, (size_t)((const char *)memchr(ps->text + cs + 1, ':', all.e - cs - 1) -
					    ps->text), "a second ':' in one definition (missing ';'?)");
	struct prtn *p = pc_merge(ps, &d, all.s);
	size_t ms = cs + 1;
	while (ms <= all.e) {
		const char *comma = memchr(ps->text + ms, ',', all.e - ms);
		size_t me = comma ? (size_t)(comma - ps->text) : all.e;
		if (pc_member(ps, p, &d, ms, me) < 0)
			return -1;
		ms = me + 1;
	}
	return 0;
}

int prtn_conf_parse(const char *text, size_t len, const char *name, struct prtn_conf *c,
		    char *err, size_t errlen)
{
	/* A private copy with comments blanked (newlines kept for line numbers). */
	char *t = xmalloc(len + 1);
	struct pc_parse ps = { .text = t, .len = len, .name = name, .c = c, .err = err,
			       .errlen = errlen };

	memcpy(t, text, len);
	t[len] = '\0';
	memset(c, 0, sizeof(*c));
	pc_default(c, 1);
	int in_comment = 0;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '\n')
			in_comment = 0;
		else if (t[i] == '#')
			in_comment = 1;
		if (in_comment)
			t[i] = ' ';
		else if (t[i] == '\0' || (iscntrl((unsigned char)t[i]) && !pc_blank(t[i])))
			pc_fail(&ps, i, "control character 0x%02x (not a text file?)",
				(unsigned char)t[i]);
	}
	size_t s = 0;
	while (!ps.failed && s < len) {
		const char *semi = memchr(t + s, ';', len - s);
		size_t e = semi ? (size_t)(semi - t) : len;
		/* a last definition without ';' counts, as in OpenSM */
		pc_definition(&ps, s, e);
		s = e + 1;
	}
	free(t);
	if (ps.failed) {
		prtn_conf_free(c);
		return -1;
	}
	return 0;
}

int prtn_conf_load(const char *path, struct prtn_conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > PRTN_MAX_BYTES)
		why = "larger than 1 MiB";
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		fclose(f);
		return -1;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(buf);
		return -1;
	}
	int rc = prtn_conf_parse(buf, n, path, c, err, errlen);
	free(buf);
	return rc;
}

int prtn_conf_read(const char *path, const char *default_path, struct prtn_conf *c, char *err,
		   size_t errlen)
{
	struct stat st;

	if (!path[0] || (default_path && strcmp(path, default_path) == 0 && stat(path, &st) < 0 &&
			 errno == ENOENT)) {
		prtn_conf_default(c);
		return 0;
	}
	return prtn_conf_load(path, c, err, errlen);
}
