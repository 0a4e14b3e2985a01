/* fake_port: see fake_port.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

#include "fake_port.h"
#include "umadport.h"
#include "xalloc.h"

struct fake_req {
	struct dr_path dr;
	int has_dr;
	uint16_t dlid;
	uint8_t method;
	uint16_t attr;
	uint32_t mod;
	mad_done_fn cb;
	void *arg;
	struct fake_req *next;
};

struct mad_engine {
	int closing;
};

static struct mad_engine the_engine;
static struct fake_req *head, *tail;
static unsigned npending, nresponses;

int uport_pick(const char *spec, struct mad_port_spec *out, uint64_t *guid)
{
	(void)spec;
	memset(out, 0, sizeof(*out));
	snprintf(out->ca, sizeof(out->ca), "fake0");
	out->port = 1;
	*guid = FAKE_GUID;
	return 0;
}

struct mad_engine *mad_open(struct event_base *base, const struct mad_port_spec *spec,
			    const struct mad_opts *opts, mad_unsol_fn unsol, void *unsol_arg)
{
	(void)base;
	(void)spec;
	(void)opts;
	(void)unsol;
	(void)unsol_arg;
	the_engine.closing = 0;
	return &the_engine;
}

void mad_set_opts(struct mad_engine *e, const struct mad_opts *opts)
{
	(void)e;
	(void)opts;
}

int mad_smp(struct mad_engine *e, const struct smp_req *r, mad_done_fn cb, void *arg)
{
	if (e->closing)
		return -1;
	struct fake_req *q = xcalloc(1, sizeof(*q));
	if (r->dr) {
		q->dr = *r->dr;
		q->has_dr = 1;
	}
	q->dlid = r->dlid;
	q->method = r->method;
	q->attr = r->attr;
	q->mod = r->mod;
	q->cb = cb;
	q->arg = arg;
	if (tail)
		tail->next = q;
	else
		head = q;
	tail = q;
	npending++;
	return 0;
}

unsigned fake_pending(void)
{
	return npending;
}

unsigned fake_next_attr(void)
{
	return head ? head->attr : 0;
}

int fake_answer(enum mad_err err, unsigned status, const uint8_t data[64])
{
	struct fake_req *q = head;
	if (!q)
		return 0;
	head = q->next;
	if (!head)
		tail = NULL;
	npending--;
	uint8_t mad[256];
	memset(mad, 0, sizeof(mad));
	mad[0] = 1;
	mad[1] = q->has_dr ? 0x81 : 0x01;
	mad[2] = 1;
	mad[3] = IB_MAD_METHOD_GET_RESPONSE;
	mad_set_field(mad, 0, IB_MAD_ATTRID_F, q->attr);
	mad_set_field(mad, 0, IB_MAD_ATTRMOD_F, q->mod);
	if (q->has_dr) {
		mad_set_field(mad, 0, IB_DRSMP_STATUS_F, status);
		mad_set_field(mad, 0, IB_DRSMP_DIRECTION_F, 1);
	} else {
		mad_set_field(mad, 0, IB_MAD_STATUS_F, status);
	}
	if (data)
		memcpy(mad + 64, data, 64);
	struct mad_reply r = { .err = err };
	if (err == MAD_OK || err == MAD_ESTATUS) {
		r.mad = mad;
		r.data = mad + 64;
		r.mad_status = status;
	}
	q->cb(q->arg, &r);
	free(q);
	return 1;
}

void mad_close(struct mad_engine *e)
{
	e->closing = 1;
	while (head)
		fake_answer(MAD_ECANCELED, 0, NULL);
}

void mad_watch_port(struct mad_engine *e, int portnum, unsigned period_ms, mad_watch_fn cb,
		    void *arg)
{
	(void)e;
	(void)portnum;
	(void)period_ms;
	(void)cb;
	(void)arg;
}

uint16_t mad_from_lid(const struct mad_from *from)
{
	ib_mad_addr_t a;
	memcpy(&a, from->addr, sizeof(a));
	return be16toh(a.lid);
}

int mad_send_response(struct mad_engine *e, const uint8_t *mad, size_t len,
		      const struct mad_from *from)
{
	(void)e;
	(void)from;
	/* What any answer must be: a response (or a trap's TrapRepress),
	 * and for SMPs one MAD. */
	if ((!(mad[3] & 0x80) && mad[3] != IB_MAD_METHOD_TRAP_REPRESS) ||
	    (mad[1] != 0x03 && len > 256) || len < 24)
		abort();
	nresponses++;
	return 0;
}

unsigned fake_responses(void)
{
	return nresponses;
}

int mad_gone(const struct mad_engine *e)
{
	(void)e;
	return 0;
}

int mad_reopen_issm(struct mad_engine *e)
{
	(void)e;
	return 0;
}

void mad_get_stats(const struct mad_engine *e, struct mad_stats *st)
{
	(void)e;
	memset(st, 0, sizeof(*st));
	st->sent = nresponses;
}

unsigned long long mad_malformed_count(const struct mad_engine *e)
{
	(void)e;
	return 0;
}
