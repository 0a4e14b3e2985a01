/* metrics: counters and the Prometheus text format (see metrics.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <infiniband/mad.h>
#include "metrics.h"

/* From a light sweep of a few switches (ms) to a heavy sweep of a large
 * fabric (seconds). */
static const double mx_bounds[MX_NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

static const char *const sweep_names[MX_NSWEEPS] = {
	[MX_SWEEP_HEAVY] = "heavy", [MX_SWEEP_QUICK] = "quick", [MX_SWEEP_LIGHT] = "light",
};

/* The SA's attributes, methods and statuses as label values; the last
 * entry of each is "other". */
static const struct { unsigned id; const char *name; } sa_attrs[MX_SA_NATTRS] = {
	{ 0x0001, "ClassPortInfo" }, { 0x0011, "NodeRecord" }, { 0x0012, "PortInfoRecord" },
	{ 0x0035, "PathRecord" }, { 0x0038, "MCMemberRecord" }, { 0, "other" },
};
static const struct { unsigned id; const char *name; } sa_methods[MX_SA_NMETHODS] = {
	{ IB_MAD_METHOD_GET, "Get" }, { IB_MAD_METHOD_GET_TABLE, "GetTable" },
	{ IB_MAD_METHOD_SET, "Set" }, { IB_MAD_METHOD_DELETE, "Delete" }, { 0, "other" },
};
/* MAD status (IBA 13.4.7) and SA status (15.2.1.2) */
static const struct { unsigned id; const char *name; } sa_status[MX_SA_NSTATUS] = {
	{ 0x0000, "ok" }, { 0x0001, "busy" }, { 0x0004, "bad_version" },
	{ 0x0008, "unsupported_method" }, { 0x000C, "unsupported_method_attribute" },
	{ 0x001C, "invalid_value" }, { 0x0100, "no_resources" }, { 0x0200, "invalid_request" },
	{ 0x0300, "no_records" }, { 0x0400, "too_many_records" }, { 0x0500, "invalid_gid" },
	{ 0x0600, "insufficient_components" }, { 0x0700, "denied" }, { 0xffff, "other" },
};

const char *mx_sweep_name(enum mx_sweep k)
{
	return (unsigned)k < MX_NSWEEPS ? sweep_names[k] : "unknown";
}

void mx_sweep(struct metrics *m, enum mx_sweep k, double seconds)
{
	if ((unsigned)k >= MX_NSWEEPS)
		return;
	struct mx_hist *h = &m->sweep[k];
	if (!(seconds >= 0))  /* NaN or negative: a clock step, not a duration */
		seconds = 0;
	for (unsigned i = 0; i < MX_NBUCKETS; i++)
		if (seconds <= mx_bounds[i]) {
			h->bucket[i]++;
			break;
		}
	h->count++;
	h->sum += seconds;
}

static unsigned sa_index(unsigned v, unsigned n, const unsigned *ids)
{
	unsigned i = 0;
	while (i < n - 1 && ids[i] != v)
		i++;
	return i;
}

void mx_sa(struct metrics *m, unsigned attr, unsigned method, unsigned status)
{
	unsigned a[MX_SA_NATTRS], me[MX_SA_NMETHODS], st[MX_SA_NSTATUS];

	for (unsigned i = 0; i < MX_SA_NATTRS; i++)
		a[i] = sa_attrs[i].id;
	for (unsigned i = 0; i < MX_SA_NMETHODS; i++)
		me[i] = sa_methods[i].id;
	for (unsigned i = 0; i < MX_SA_NSTATUS; i++)
		st[i] = sa_status[i].id;
	/* the status field's class-specific bits 8..14 and the generic 0..4 */
	m->sa[sa_index(attr, MX_SA_NATTRS, a)][sa_index(method, MX_SA_NMETHODS, me)]
	     [sa_index(status & 0x7f1f, MX_SA_NSTATUS, st)]++;
}

/* ---- the text format --------------------------------------------------- */

void mx_family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void mx_name(struct sbuf *b, const char *name, const char *labels)
{
	if (labels && labels[0])
		sb_printf(b, "%s{%s} ", name, labels);
	else
		sb_printf(b, "%s ", name);
}

void mx_u64(struct sbuf *b, const char *name, const char *labels, uint64_t v)
{
	mx_name(b, name, labels);
	sb_printf(b, "%llu\n", (unsigned long long)v);
}

void mx_double(struct sbuf *b, const char *name, const char *labels, double v)
{
	mx_name(b, name, labels);
	if (isnan(v))
		sb_printf(b, "NaN\n");
	else if (isinf(v))
		sb_printf(b, "%s\n", v > 0 ? "+Inf" : "-Inf");
	else
		sb_printf(b, "%.17g\n", v);
}

void mx_counter(struct sbuf *b, const char *name, const char *help, uint64_t v)
{
	mx_family(b, name, "counter", help);
	mx_u64(b, name, NULL, v);
}

void mx_gauge(struct sbuf *b, const char *name, const char *help, double v)
{
	mx_family(b, name, "gauge", help);
	mx_double(b, name, NULL, v);
}

void mx_label(char *out, size_t outlen, const char *name, const char *value)
{
	size_t o = 0;
	int n = snprintf(out, outlen, "%s=\"", name);

	if (n < 0 || (size_t)n >= outlen)
		goto cut;
	o = (size_t)n;
	for (const char *s = value; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t need = esc ? 2 : 1;
		if (o + need + 2 > outlen)  /* room for the closing quote and NUL */
			break;
		if (esc) {
			memcpy(out + o, esc, 2);
		} else {
			out[o] = *s;
		}
		o += need;
	}
	if (o + 2 > outlen)
		goto cut;
	out[o++] = '"';
	out[o] = 0;
	return;
cut:
	if (outlen)
		out[0] = 0;
}

void mx_hist(struct sbuf *b, const char *name, const char *labels, const struct mx_hist *h)
{
	char n[128], l[256];
	uint64_t cum = 0;
	const char *sep = labels && labels[0] ? "," : "";

	snprintf(n, sizeof(n), "%s_bucket", name);
	for (unsigned i = 0; i < MX_NBUCKETS; i++) {
		cum += h->bucket[i];
		snprintf(l, sizeof(l), "%s%sle=\"%g\"", labels ? labels : "", sep, mx_bounds[i]);
		mx_u64(b, n, l, cum);
	}
	snprintf(l, sizeof(l), "%s%sle=\"+Inf\"", labels ? labels : "", sep);
	mx_u64(b, n, l, h->count);
	snprintf(n, sizeof(n), "%s_sum", name);
	mx_double(b, n, labels, h->sum);
	snprintf(n, sizeof(n), "%s_count", name);
	mx_u64(b, n, labels, h->count);
}

void mx_render(const struct metrics *m, struct sbuf *b)
{
	char l[256];

	mx_family(b, "smd_sweep_duration_seconds", "histogram",
		  "Sweeps that ended, by kind (heavy: discovery; quick: the answer to a lost "
		  "cable; light: the master's periodic check), and how long they took.");
	for (unsigned k = 0; k < MX_NSWEEPS; k++) {
		mx_label(l, sizeof(l), "kind", sweep_names[k]);
		mx_hist(b, "smd_sweep_duration_seconds", l, &m->sweep[k]);
	}
	mx_family(b, "smd_sa_requests_total", "counter",
		  "SA requests answered, by attribute, method and the status of the answer.");
	for (unsigned a = 0; a < MX_SA_NATTRS; a++)
		for (unsigned me = 0; me < MX_SA_NMETHODS; me++)
			for (unsigned s = 0; s < MX_SA_NSTATUS; s++) {
				if (!m->sa[a][me][s])
					continue;
				snprintf(l, sizeof(l), "attribute=\"%s\",method=\"%s\",status=\"%s\"",
					 sa_attrs[a].name, sa_methods[me].name, sa_status[s].name);
				mx_u64(b, "smd_sa_requests_total", l, m->sa[a][me][s]);
			}
	mx_counter(b, "smd_lft_blocks_written_total",
		   "Linear forwarding table blocks (64 LIDs) written to switches and acknowledged.",
		   m->lft_written);
	mx_counter(b, "smd_lft_block_writes_failed_total",
		   "Linear forwarding table block Sets that failed (retried by a later sweep).",
		   m->lft_failed);
	mx_counter(b, "smd_mft_blocks_written_total",
		   "Multicast forwarding table blocks (32 MLIDs x 16 ports) written and acknowledged.",
		   m->mft_written);
	mx_counter(b, "smd_mft_block_writes_failed_total",
		   "Multicast forwarding table block Sets that failed (retried by a later sweep).",
		   m->mft_failed);
}
