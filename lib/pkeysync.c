/* pkeysync: the P_Key tables written (see pkeysync.h). One job a port: read
 * the blocks smd does not know, place the keys (pkey_place), write the
 * blocks that differ; a CA port's job then starts the job of the switch
 * port facing it with the CA's new table. */
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "pkeysync.h"
#include "rate.h"
#include "xalloc.h"

struct pkeysync {
	struct pkeysync_params p;
	unsigned pending, sent, failed;
	int canceled;
	/* the ports still to start, a few jobs at a time (pk_pump) */
	struct fab_node *node;
	unsigned port, active;
	int pumping;
};

/* Jobs at work at once: 8,000 hosts' jobs and their SMPs all queued at
 * once would cost megabytes, as the sweep's passes would. */
#define PK_AHEAD 256

struct pk_job {
	struct pkeysync *s;
	struct dr_path path;       /* to the CA port, or to the switch */
	uint64_t guid;             /* memory key: port GUID, or the switch's node GUID */
	unsigned num;              /* port number (switch external port) */
	uint32_t pimod;            /* swport: its PortInfo attribute modifier */
	int swport;                /* a switch external port (a CA behind it) */
	int enforce;               /* swport: the switch has a table to enforce with */
	unsigned cap, nb;          /* entries the port holds; blocks smd looks at */
	unsigned reading, writing; /* SMPs of this job out */
	int failed;
	int own;                   /* cur is what smd wrote (not read from the port) */
	enum { PH_READ, PH_WRITE, PH_ENFORCE } phase;
	uint16_t want[PKEY_MAX];   /* end port: the keys; swport: its new table */
	unsigned nwant;
	uint16_t cur[PKEY_MAX], next[PKEY_MAX];
	struct pk_job *peer;       /* end port: the switch port to do after it */
	char name[96];
};

struct pk_req {
	struct pk_job *j;
	unsigned block;            /* P_KeyTable block; PK_PORTINFO for the enforcement */
	int set;
	uint8_t data[64];
};
#define PK_PORTINFO 0xffffu

static void pk_job_step(struct pk_job *j);
static void pk_pump(struct pkeysync *s);

static void pk_end_one(struct pkeysync *s)
{
	if (--s->pending)
		return;
	if (!s->canceled)
		s->p.done(s->p.arg, s->sent, s->failed);
	free(s);
}

static void pk_job_free(struct pk_job *j)
{
	struct pkeysync *s = j->s;
	free(j->peer);
	free(j);
	s->active--;
	pk_pump(s);  /* before this job's end is counted: s stays */
	pk_end_one(s);
}

static void pk_blk_get(const uint8_t *d, uint16_t *out)
{
	for (unsigned i = 0; i < PKEY_BLOCK; i++)
		out[i] = (uint16_t)(d[2 * i] << 8 | d[2 * i + 1]);
}

static void pk_blk_put(uint8_t *d, const uint16_t *in)
{
	for (unsigned i = 0; i < PKEY_BLOCK; i++) {
		d[2 * i] = (uint8_t)(in[i] >> 8);
		d[2 * i + 1] = (uint8_t)in[i];
	}
}

static void pk_reply(void *arg, const struct mad_reply *r);

static int pk_send(struct pk_job *j, unsigned block, int set, const uint8_t *data)
{
	struct pk_req *q = xcalloc(1, sizeof(*q));
	uint16_t attr = block == PK_PORTINFO ? IB_ATTR_PORT_INFO : IB_ATTR_PKEY_TBL;
	uint32_t mod = block == PK_PORTINFO ? j->pimod : (j->swport ? j->num << 16 : 0) | block;

	q->j = j;
	q->block = block;
	q->set = set;
	if (data)
		memcpy(q->data, data, 64);
	struct smp_req rq = { .dr = &j->path, .method = set ? IB_MAD_METHOD_SET : IB_MAD_METHOD_GET,
			      .attr = attr, .mod = mod, .data = data ? q->data : NULL,
			      .timeout_ms = -1, .retries = -1 };
	if (mad_smp(j->s->p.mad, &rq, pk_reply, q) < 0) {
		free(q);
		return -1;
	}
	if (set)
		j->s->sent++;
	return 0;
}

/* The switch port's enforcement bits, from a fresh PortInfo Get: on when it
 * holds the CA's keys, off when they did not fit. */
static void pk_enforce_reply(struct pk_job *j, struct pk_req *q, const struct mad_reply *r)
{
	uint8_t *pi = (uint8_t *)r->data;
	uint32_t want = (uint32_t)j->enforce;

	if (q->set) {
		struct pkey_shadow *sh = pkey_shadow_get(j->s->p.mem, j->guid, j->num, 1);
		if (sh)
			sh->enforced = j->enforce ? 1 : -1;
		log_debug("%s: partition enforcement %s", j->name, j->enforce ? "on" : "off");
		return;
	}
	if (mad_get_field(pi, 0, IB_PORT_PART_EN_INB_F) == want &&
	    mad_get_field(pi, 0, IB_PORT_PART_EN_OUTB_F) == want) {
		struct pkey_shadow *sh = pkey_shadow_get(j->s->p.mem, j->guid, j->num, 1);
		if (sh)
			sh->enforced = j->enforce ? 1 : -1;
		return;
	}
	uint8_t set[64];
	link_build_state_set(set, pi, PORT_NOP, &j->s->p.mkey);
	mad_set_field(set, 0, IB_PORT_PART_EN_INB_F, want);
	mad_set_field(set, 0, IB_PORT_PART_EN_OUTB_F, want);
	if (pk_send(j, PK_PORTINFO, 1, set) == 0)
		j->writing++;
}

static void pk_reply(void *arg, const struct mad_reply *r)
{
	struct pk_req *q = arg;
	struct pk_job *j = q->j;
	struct pkeysync *s = j->s;

	if (q->set)
		j->writing--;
	else
		j->reading--;
	if (s->canceled) {
		/* nothing more of this job; a Set that went out leaves the
		 * table unknown (the memory is the SM's, alive until it ends) */
		if (q->set)
			pkey_shadow_forget(s->p.mem, j->guid, j->num, j->swport);
	} else if (r->err != MAD_OK) {
		if (!j->failed)
			log_warnx("%s: %s %s failed", j->name, q->set ? "setting" : "reading",
				  q->block == PK_PORTINFO ? "PortInfo (partition enforcement)" :
				  "its P_Key table");
		j->failed = 1;
		if (q->set)
			s->failed++;
	} else if (q->block == PK_PORTINFO) {
		pk_enforce_reply(j, q, r);
	} else if (!q->set) {
		pk_blk_get(r->data, &j->cur[q->block * PKEY_BLOCK]);
	}
	free(q);
	if (j->reading || j->writing)
		return;
	if (s->canceled) {
		pk_job_free(j);
		return;
	}
	pk_job_step(j);
}

/* Reads done: plan and write the blocks that differ; returns how many. */
static unsigned pk_write(struct pk_job *j)
{
	unsigned n = j->nb * PKEY_BLOCK, dropped;

	if (j->swport) {
		dropped = pkey_peer(j->want, j->nwant, j->cap, j->next);
		if (dropped) {
			log_warnx("%s holds %u P_Keys, %u fewer than the CA behind it: partition "
				  "enforcement stays off there", j->name, j->cap, dropped);
			j->enforce = 0;
		}
	} else {
		dropped = pkey_place(j->cur, j->want, j->nwant, j->cap, j->own, j->next);
		if (dropped)
			log_warnx("%s holds %u P_Keys (PartitionCap%s): %u of its %u partitions left out",
				  j->name, j->cap, j->cap > PKEY_MAX ? ", smd uses 128" : "", dropped,
				  j->nwant);
	}
	if (n > j->cap)   /* entries past the capacity stay as the port has them */
		memcpy(&j->next[j->cap], &j->cur[j->cap], (n - j->cap) * sizeof(j->next[0]));
	for (unsigned b = 0; b < j->nb; b++) {
		if (!memcmp(&j->next[b * PKEY_BLOCK], &j->cur[b * PKEY_BLOCK],
			    PKEY_BLOCK * sizeof(j->cur[0])))
			continue;
		uint8_t d[64];
		pk_blk_put(d, &j->next[b * PKEY_BLOCK]);
		if (pk_send(j, b, 1, d) == 0)
			j->writing++;
	}
	if (j->writing)
		log_debug("%s: %u P_Key table block%s written", j->name, j->writing,
			  j->writing == 1 ? "" : "s");
	return j->writing;
}

/* A job begins: what smd knows of the table, or Gets for it. */
static void pk_job_begin(struct pk_job *j)
{
	struct pkeysync *s = j->s;
	const struct pkey_shadow *sh = pkey_shadow_get(s->p.mem, j->guid, j->num, j->swport);

	s->pending++;
	s->active++;
	j->phase = PH_READ;
	if (sh && sh->n == j->nb * PKEY_BLOCK) {
		memcpy(j->cur, sh->keys, sh->n * sizeof(sh->keys[0]));
		j->own = 1;
	} else {
		for (unsigned b = 0; b < j->nb; b++)
			if (pk_send(j, b, 0, NULL) == 0)
				j->reading++;
			else
				j->failed = 1;
	}
	if (!j->reading)
		pk_job_step(j);
}

/* The job's next phase, once its SMPs of this phase are all back. */
static void pk_job_step(struct pk_job *j)
{
	struct pkeysync *s = j->s;

	if (j->failed) {
		/* what the port holds is not known: read it next time */
		pkey_shadow_forget(s->p.mem, j->guid, j->num, j->swport);
		pk_job_free(j);
		return;
	}
	switch (j->phase) {
	case PH_READ:
		j->phase = PH_WRITE;
		if (pk_write(j))
			return;
		__attribute__((fallthrough));  /* nothing to write */
	case PH_WRITE: {
		struct pkey_shadow *sh = pkey_shadow_put(s->p.mem, j->guid, j->num, j->swport, j->next,
							 j->nb * PKEY_BLOCK);
		j->phase = PH_ENFORCE;
		if (j->swport && sh->enforced != (j->enforce ? 1 : -1) &&
		    pk_send(j, PK_PORTINFO, 0, NULL) == 0) {
			j->reading++;
			return;
		}
		break;
	}
	case PH_ENFORCE:
		break;
	}
	if (j->peer) {
		struct pk_job *peer = j->peer;
		j->peer = NULL;
		memcpy(peer->want, j->next, sizeof(peer->want));
		peer->nwant = j->nb * PKEY_BLOCK;
		pk_job_begin(peer);
	}
	pk_job_free(j);
}

static struct pk_job *pk_job_new(struct pkeysync *s, const struct fab_port *p, int swport,
				 unsigned cap)
{
	struct pk_job *j = xcalloc(1, sizeof(*j));
	const struct fab_node *n = p->node;

	j->s = s;
	j->path = swport || fab_is_switch(n) ? n->ports[0].path : p->path;
	j->guid = swport ? n->guid : p->guid;
	j->num = p->num;
	j->swport = swport;
	j->cap = cap;
	j->nb = pkey_nblocks(cap);
	j->pimod = rate_portinfo_mod(p);
	snprintf(j->name, sizeof(j->name), "%s port %u (0x%016llx)", n->desc[0] ? n->desc : "?",
		 p->num, (unsigned long long)j->guid);
	return j;
}

/* Is the port's table as it was when smd last wrote it? Not after the port
 * (or its switch) went down: a reset puts the firmware's table back. */
static void pk_check_shadow(struct pkey_memory *m, const struct fab_port *p, uint64_t guid,
			    unsigned num, int swport)
{
	if (fab_port_state(p) != PORT_ACTIVE)
		pkey_shadow_forget(m, guid, num, swport);
}

/* The jobs of one port of the walk: a switch's port 0, or a CA port (and
 * the switch port facing it, after it). */
static void pk_start_port(struct pkeysync *s, struct fab_node *n, unsigned i)
{
	const struct pkeysync_params *pp = &s->p;
	unsigned pcap = (unsigned)mad_get_field(smp_ro(n->ninfo), 0, IB_NODE_PARTITION_CAP_F);
	struct fab_port *p = &n->ports[i];

	if (!pcap || !p->have_info || !p->guid)
		return;
	pk_check_shadow(pp->mem, p, p->guid, 0, 0);
	struct pk_job *j = pk_job_new(s, p, 0, pcap);
	j->nwant = pkey_want(pp->conf, p->guid, fab_is_switch(n), pp->sm_guid, j->want, PKEY_MAX);
	struct fab_port *r = fab_is_switch(n) ? NULL : p->remote;
	unsigned ecap = r && fab_is_switch(r->node) && r->node->have_swinfo ?
		(unsigned)mad_get_field(smp_ro(r->node->swinfo), 0, IB_SW_PARTITION_ENFORCE_CAP_F) : 0;
	if (ecap && r->have_info) {
		pk_check_shadow(pp->mem, r, r->node->guid, r->num, 1);
		j->peer = pk_job_new(s, r, 1, ecap);
		j->peer->enforce = 1;
	}
	pk_job_begin(j);
}

/* Start jobs in discovery order while fewer than PK_AHEAD are at work. A
 * job ending inside (nothing to read or write) comes back here: the loop
 * goes on, no recursion. (Links between switches are left as they are.) */
static void pk_pump(struct pkeysync *s)
{
	if (s->pumping || s->canceled)
		return;
	s->pumping = 1;
	while (s->node && s->active < PK_AHEAD) {
		struct fab_node *n = s->node;
		unsigned i = s->port++;
		unsigned last = fab_is_switch(n) ? 0 : n->nports;
		if (i > last) {
			s->node = n->next;
			s->port = 0;
			continue;
		}
		if (fab_is_switch(n) || i > 0)
			pk_start_port(s, n, i);
	}
	s->pumping = 0;
}

struct pkeysync *pkeysync_start(const struct pkeysync_params *pp)
{
	struct pkeysync *s = xcalloc(1, sizeof(*s));

	s->p = *pp;
	s->node = pp->fab->nodes;
	s->pending = 1;  /* held until the first jobs are started */
	pk_pump(s);
	if (--s->pending == 0) {
		free(s);
		return NULL;
	}
	return s;
}

void pkeysync_cancel(struct pkeysync *s)
{
	if (s)
		s->canceled = 1;
}
