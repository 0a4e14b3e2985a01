#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trouble.h"
#include "xalloc.h"

void trb_init(struct trouble *t)
{
	memset(t, 0, sizeof(*t));
}

void trb_free(struct trouble *t)
{
	free(t->v);
	trb_init(t);
}

void trb_begin(struct trouble *t)
{
	for (unsigned i = 0; i < t->n; i++)
		t->v[i].seen = 0;
	t->fresh = 0;
}

struct trb_entry *trb_find(struct trouble *t, uint64_t guid, uint8_t port)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i].guid == guid && t->v[i].port == port)
			return &t->v[i];
	return NULL;
}

const struct trb_entry *trb_note(struct trouble *t, uint64_t guid, uint8_t port,
				 enum trb_kind kind, const char *name, const char *why,
				 const struct dr_path *far)
{
	struct trb_entry *e = trb_find(t, guid, port);

	if (e) {
		/* A link left short of Active by a failure this sweep already
		 * named: the cause says more than the symptom. */
		if (e->seen && kind == TRB_DOWN && e->kind != TRB_DOWN)
			return NULL;
		/* Known: logged already; what is true now is kept. */
		e->seen = 1;
		e->kind = kind;
		snprintf(e->why, sizeof(e->why), "%s", why);
		if (far)
			e->far = *far;
		return NULL;
	}
	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 8;
		t->v = xreallocarray(t->v, cap, sizeof(*t->v));
		t->cap = cap;
	}
	e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->guid = guid;
	e->port = port;
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->why, sizeof(e->why), "%s", why);
	if (far)
		e->far = *far;
	e->since = time(NULL);
	e->seen = 1;
	t->fresh++;
	return e;
}

unsigned trb_end(struct trouble *t, void (*fixed)(void *arg, const struct trb_entry *e),
		 void *arg)
{
	unsigned j = 0;

	for (unsigned i = 0; i < t->n; i++) {
		if (!t->v[i].seen) {
			if (fixed)
				fixed(arg, &t->v[i]);
			continue;
		}
		t->v[j++] = t->v[i];
	}
	t->n = j;
	return t->fresh;
}

const char *trb_kind_name(enum trb_kind k)
{
	return k == TRB_SILENT ? "silent" : k == TRB_FAILED ? "failed" : "down";
}
