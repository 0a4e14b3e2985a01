/* trouble: the ports a master sweep could not configure (a node that does
 * not answer, a Set refused, a link left short of Active). Remembered across
 * sweeps so each is named in the log once when it fails and once when it is
 * fixed, shown by smctl status, and retried by the SM with back-off while
 * the rest of the fabric is served. */
#ifndef SMD_TROUBLE_H
#define SMD_TROUBLE_H

#include <stdint.h>
#include <time.h>
#include "smp.h"

enum trb_kind {
	TRB_SILENT,   /* the node behind this port does not answer */
	TRB_FAILED,   /* a request to configure this port failed */
	TRB_DOWN,     /* linked, answering, but not Active after the sweep */
};

struct trb_entry {
	uint64_t guid;            /* node GUID of the port's node */
	uint8_t port;
	enum trb_kind kind;
	char name[112];           /* "leaf0 port 4 (0x...)" */
	char why[96];
	struct dr_path far;       /* TRB_SILENT: route to the silent node */
	time_t since;
	int seen;                 /* noted by the sweep being judged */
	int woke;                 /* TRB_SILENT: answered a light sweep's probe once */
};

struct trouble {
	struct trb_entry *v;
	unsigned n, cap;
	unsigned fresh;           /* new entries since trb_begin */
};

void trb_init(struct trouble *t);
void trb_free(struct trouble *t);
/* A sweep's verdict starts: every entry unseen. */
void trb_begin(struct trouble *t);
/* Note a troubled port (far: TRB_SILENT only, else NULL). Returns the entry
 * when it is new (the caller logs it), NULL when known. */
const struct trb_entry *trb_note(struct trouble *t, uint64_t guid, uint8_t port,
				 enum trb_kind kind, const char *name, const char *why,
				 const struct dr_path *far);
/* The verdict ends: entries the sweep did not note are fixed; fixed() is
 * called for each before it is dropped. Returns how many new entries the
 * sweep noted. */
unsigned trb_end(struct trouble *t, void (*fixed)(void *arg, const struct trb_entry *e),
		 void *arg);
const char *trb_kind_name(enum trb_kind k);
struct trb_entry *trb_find(struct trouble *t, uint64_t guid, uint8_t port);

#endif
