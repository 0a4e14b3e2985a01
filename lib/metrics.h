/* metrics: the SM's own counters for Prometheus, and the text exposition
 * format (0.0.4) they are written in. Pure: the counters are plain fields
 * that the modules seeing an event bump (sweeps, the SA, forwarding table
 * Sets); report.c gathers them with the gauges of the moment, the MAD
 * engine's and the election's counters into one text (report_metrics). */
#ifndef SMD_METRICS_H
#define SMD_METRICS_H

#include <stdint.h>
#include "sbuf.h"

enum mx_sweep { MX_SWEEP_HEAVY, MX_SWEEP_QUICK, MX_SWEEP_LIGHT, MX_NSWEEPS };

/* Upper bounds (seconds) of the sweep duration buckets; +Inf is implicit. */
#define MX_NBUCKETS 14

struct mx_hist {
	uint64_t bucket[MX_NBUCKETS];  /* observations <= bound i (not cumulative) */
	uint64_t count;
	double sum;
};

enum { MX_SA_NATTRS = 6, MX_SA_NMETHODS = 5, MX_SA_NSTATUS = 14 };

struct metrics {
	struct mx_hist sweep[MX_NSWEEPS];
	uint64_t sa[MX_SA_NATTRS][MX_SA_NMETHODS][MX_SA_NSTATUS];
	uint64_t lft_written, lft_failed;  /* LFT block Sets answered / failed */
	uint64_t mft_written, mft_failed;  /* MFT block Sets answered / failed */
};

const char *mx_sweep_name(enum mx_sweep k);
/* A sweep of kind k ended after seconds. */
void mx_sweep(struct metrics *m, enum mx_sweep k, double seconds);
/* An SA request (attribute ID, method) answered with MAD status. */
void mx_sa(struct metrics *m, unsigned attr, unsigned method, unsigned status);

/* ---- the text format: each appends to b ---- */

/* "# HELP" and "# TYPE" lines of a family (type: counter, gauge, histogram). */
void mx_family(struct sbuf *b, const char *name, const char *type, const char *help);
/* One sample. labels: NULL, or label="value" pairs already joined with
 * commas and escaped (mx_label). */
void mx_u64(struct sbuf *b, const char *name, const char *labels, uint64_t v);
void mx_double(struct sbuf *b, const char *name, const char *labels, double v);
/* A family of one unlabelled sample: HELP, TYPE and the value. */
void mx_counter(struct sbuf *b, const char *name, const char *help, uint64_t v);
void mx_gauge(struct sbuf *b, const char *name, const char *help, double v);
/* name="value" with value escaped as the format wants (\\, \", \n) into
 * out (truncated to outlen). */
void mx_label(char *out, size_t outlen, const char *name, const char *value);
/* A histogram's _bucket, _sum and _count samples (no family lines). */
void mx_hist(struct sbuf *b, const char *name, const char *labels, const struct mx_hist *h);

/* The families kept here: sweep durations, SA requests, LFT and MFT blocks. */
void mx_render(const struct metrics *m, struct sbuf *b);

#endif
