/* mad: the MAD engine in the event loop: requests with their window,
 * TIDs, timers and retries; dispatch of what the receive threads
 * (mad_rx.c) hand over through the pipe; responses; open and close. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include "log.h"
#include "mad_int.h"
#include "xalloc.h"

#define RX_BATCH 64            /* records taken from the pipe per read() */
#define QP1_QKEY 0x80010000u
#define MAD_CLOSE_DRAIN_MS 1000 /* closing: wait this long at most for replies */

/* The class and version of each agent (mad_int.h numbers them). */
static const struct { uint8_t mclass, version; } mad_classes[AG_COUNT] = {
	[AG_SMI] = { MCLASS_SMI, 1 },
	[AG_SMI_DR] = { MCLASS_SMI_DR, 1 },
	[AG_SA] = { MCLASS_SA, 2 },
};

/* Kept small: a sweep may queue thousands. The MAD itself is built at
 * each attempt, and the timer belongs to the window slot, not the request. */
struct mad_req {
	struct mad_engine *e;
	struct mad_req *next;         /* pending queue */
	mad_done_fn cb;
	void *arg;
	uint32_t tid;                 /* low 32 bits of the TID of the current attempt */
	uint32_t mod;
	uint16_t timeout_ms;
	uint16_t dlid;
	uint16_t attr;
	uint8_t slot;
	uint8_t retries_left;
	uint8_t method;
	uint8_t dr;
	uint8_t has_data;
	uint8_t send_failed;          /* the current attempt never left */
	uint8_t own_mkey;             /* m_key below, not the engine's */
	uint64_t m_key;
	struct dr_path path;
	uint8_t data[SMP_DATA_SIZE];
};

static void mad_pump(struct mad_engine *e);
static void mad_attempt(struct mad_req *r);

/* ---- requests ---------------------------------------------------------- */

static void mad_finish(struct mad_req *r, const struct mad_reply *rep)
{
	struct mad_engine *e = r->e;

	evtimer_del(e->slot_timer[r->slot]);
	e->slot[r->slot] = NULL;
	e->outstanding--;
	r->cb(r->arg, rep);
	free(r);
	mad_pump(e);
}

static void mad_fail(struct mad_req *r, enum mad_err err, int ustatus)
{
	struct mad_reply rep = { .err = err, .umad_status = ustatus };

	/* Closing, a late answer to a fresh attempt could outlive the port. */
	if (r->retries_left && !r->e->closing && !atomic_load(&r->e->gone)) {
		r->retries_left--;
		r->e->st.resent++;
		mad_attempt(r);
		return;
	}
	if (err == MAD_ETIMEDOUT)
		r->e->st.timeouts++;
	else if (err == MAD_EUMAD)
		r->e->st.undeliverable++;
	mad_finish(r, &rep);
}

/* Once per device loss: the loop ends and main() exits non-zero, so that
 * the service manager restarts smd on the device that comes back. */
static void mad_device_gone(struct mad_engine *e, int err)
{
	atomic_store(&e->gone, 1);  /* nothing more is sent */
	if (e->gone_logged)
		return;
	e->gone_logged = 1;
	log_err("umad device gone (%s): exiting so the service manager restarts smd",
		err == ENODEV ? "ENODEV" : "EIO");
	event_base_loopbreak(e->base);
}

static void mad_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mad_req **slotp = arg;  /* &e->slot[i]: its request timed out */
	(void)fd; (void)what;
	if (!*slotp)
		return;
	if ((*slotp)->method == IB_MAD_METHOD_TRAP && !(*slotp)->send_failed) {
		/* Sent: a Trap expects no answer we could count on (mlx5
		 * swallows TrapRepress before any agent sees it). */
		mad_finish(*slotp, &(struct mad_reply){ .err = MAD_OK });
		return;
	}
	mad_fail(*slotp, MAD_ETIMEDOUT, 0);
}

/* Send the current attempt under a fresh TID, so that a late answer to an
 * earlier attempt cannot be taken for this one. */
static void mad_attempt(struct mad_req *r)
{
	struct mad_engine *e = r->e;
	uint8_t buf[512];
	void *umad = buf;
	uint8_t *mad = umad_get_mad(umad);
	struct timeval tv;
	uint64_t mkey = r->own_mkey ? r->m_key : e->opts.m_key;

	do {  /* never the TIDs the receive thread keeps for itself */
		e->seq++;
		r->tid = (e->seq << MAD_SLOT_BITS) | r->slot;
	} while (r->tid >= MAD_WATCH_TID);
	memset(buf, 0, umad_size());
	if (r->dr)
		smp_init_dr(mad, &r->path, r->method, r->attr, r->mod, r->tid, mkey,
			    r->has_data ? r->data : NULL);
	else
		smp_init_lid(mad, r->method, r->attr, r->mod, r->tid, mkey,
			     r->has_data ? r->data : NULL);
	umad_set_addr(umad, r->dr ? 0xffff : r->dlid, 0, 0, 0);
	/* The kernel only routes a reply to a send it still tracks, so give it
	 * our timeout; it returns the send with status ETIMEDOUT when that
	 * passes. A Trap goes without one: nothing waits for its TrapRepress. */
	int trap = r->method == IB_MAD_METHOD_TRAP;
	e->slot_sent_us[r->slot] = mad_mono_us();
	if (umad_send(e->fd[MAD_H_SMI], e->agent[MAD_H_SMI][r->dr ? AG_SMI_DR : AG_SMI],
		      umad, MAD_SIZE, trap ? 0 : (int)r->timeout_ms, 0) < 0) {
		int err = errno;
		r->send_failed = 1;
		e->st.send_errors++;  /* the timer below retries it */
		log_debug("umad_send failed (TID 0x%x): %s; will retry", r->tid, strerror(err));
		if (mad_dev_dead(err))
			mad_device_gone(e, err);
	} else {
		r->send_failed = 0;
		e->st.sent++;
	}
	/* One timer per attempt. Until the kernel has shown that it times
	 * sends out (libumad2sim never does), ours is the timeout, 5 ms after
	 * the kernel's so that its report wins; after that ours is only a
	 * backstop in case a report is lost. A Trap ends at once. */
	unsigned ms = trap ? 0 : r->timeout_ms + (e->kernel_times ? r->timeout_ms + 100 : 5);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(e->slot_timer[r->slot], &tv);
}

static void mad_pump(struct mad_engine *e)
{
	if (e->holding)
		return;
	while (e->q_head && e->outstanding < e->opts.window) {
		struct mad_req *r = e->q_head;
		e->q_head = r->next;
		if (!e->q_head)
			e->q_tail = NULL;
		while (e->slot[e->next_slot])
			e->next_slot = (e->next_slot + 1) % MAD_SLOTS;
		r->slot = e->next_slot;
		e->slot[r->slot] = r;
		e->outstanding++;
		mad_attempt(r);
	}
}

int mad_smp(struct mad_engine *e, const struct smp_req *q, mad_done_fn cb, void *arg)
{
	struct mad_req *r;

	if (e->closing || atomic_load(&e->gone))
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->e = e;
	r->cb = cb;
	r->arg = arg;
	r->dr = q->dr != NULL;
	if (q->dr)
		r->path = *q->dr;
	r->dlid = q->dlid;
	r->method = q->method;
	r->attr = q->attr;
	r->mod = q->mod;
	r->own_mkey = q->own_mkey != 0;
	r->m_key = q->m_key;
	if (q->data) {
		memcpy(r->data, q->data, SMP_DATA_SIZE);
		r->has_data = 1;
	}
	unsigned to = q->timeout_ms >= 0 ? (unsigned)q->timeout_ms : e->opts.timeout_ms;
	unsigned rt = q->retries >= 0 ? (unsigned)q->retries : e->opts.retries;
	r->timeout_ms = (uint16_t)(to > 60000 ? 60000 : to);
	r->retries_left = (uint8_t)(rt > 255 ? 255 : rt);

	/* Always through the queue: the callback must never run inside mad_smp(). */
	if (e->q_tail)
		e->q_tail->next = r;
	else
		e->q_head = r;
	e->q_tail = r;
	mad_pump(e);
	return 0;
}

/* ---- received MADs ----------------------------------------------------- */

static void mad_malformed(struct mad_engine *e, unsigned kind, const char *what)
{
	e->st.malformed++;
	if (!(e->warned & (1u << kind))) {
		e->warned |= 1u << kind;
		log_warnx("dropping malformed MAD: %s (further ones are only counted)", what);
	}
}

static void mad_got_reply(struct mad_engine *e, uint8_t *mad, int len, int ustatus)
{
	uint32_t tid = (uint32_t)smp_hdr_tid(mad);
	struct mad_req *r = e->slot[tid & (MAD_SLOTS - 1)];

	if (!r || r->tid != tid) {
		/* A kernel timeout report that lost the race with our own timer
		 * still says the kernel keeps time: ours backs it up from now. */
		if (ustatus == ETIMEDOUT && len <= MAD_HDR_SIZE)
			e->kernel_times = 1;
		e->st.stray++;
		return;
	}
	if (ustatus) {
		/* Our request came back. The kernel returns a send it timed out
		 * as the MAD header alone with ETIMEDOUT (110), once the send's
		 * timeout has passed; ibsim returns the whole request it cannot
		 * deliver with the same 110, at once. Length and time since the
		 * send tell them apart. (A report for an earlier attempt never
		 * gets here: its TID is stale.) */
		long long waited_us = mad_mono_us() - e->slot_sent_us[r->slot];
		int hdr_only = len <= MAD_HDR_SIZE;
		if (ustatus == ETIMEDOUT &&
		    (hdr_only || waited_us + 1000 >= (long long)r->timeout_ms * 1000)) {
			e->kernel_times |= hdr_only;
			mad_fail(r, MAD_ETIMEDOUT, 0);
		} else {
			mad_fail(r, MAD_EUMAD, ustatus);
		}
		return;
	}
	if (smp_hdr_attr(mad) != r->attr) {
		mad_malformed(e, 1, "reply attribute differs from the request's");
		return;
	}
	struct mad_reply rep = { .mad = mad, .data = smp_data(mad) };
	rep.mad_status = smp_hdr_status(mad);
	if (rep.mad_status) {
		rep.err = MAD_ESTATUS;
		e->st.status++;
	}
	mad_finish(r, &rep);
}

static void mad_dispatch(struct mad_engine *e, struct rx_rec *rec)
{
	uint8_t *mad = umad_get_mad(rec->umad);
	int ustatus = umad_status(rec->umad);

	if (rec->len == -EMSGSIZE) {
		mad_malformed(e, 2, "larger than one MAD (smd serves no RMPP request)");
		return;
	}
	if (rec->len < 0) {
		if (mad_dev_dead(-rec->len))
			mad_device_gone(e, -rec->len);
		else
			log_warnx("receiving MADs failed: %s", strerror(-rec->len));
		return;
	}
	if (rec->len < MAD_HDR_SIZE || mad_get_field(mad, 0, IB_MAD_BASEVER_F) != 1) {
		mad_malformed(e, 0, "short or bad base version");
		return;
	}
	if (rec->handle == REC_WATCH) {
		if (e->watch_cb && !ustatus && !smp_hdr_status(mad))
			e->watch_cb(e->watch_arg, smp_data(mad));
		return;
	}
	if (smp_hdr_method(mad) == IB_MAD_METHOD_TRAP_REPRESS)
		return;  /* answers a Trap we sent and no longer wait for */
	if (ustatus || smp_hdr_is_response(mad)) {
		/* Our own request or response returned with a umad status is
		 * a failed send, never a new request. */
		mad_got_reply(e, mad, rec->len, ustatus);
		return;
	}
	struct mad_from from = { .handle = rec->handle };
	memcpy(from.addr, umad_get_mad_addr(rec->umad), sizeof(ib_mad_addr_t));
	e->unsol(e->unsol_arg, mad, (size_t)rec->len, &from);
}

static void mad_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mad_engine *e = arg;
	(void)what;

	/* Writes are whole records of at most PIPE_BUF bytes, so a read returns
	 * whole records. One read per batch; bounded so timers get their turn. */
	ssize_t n = read(fd, e->batch, RX_BATCH * MAD_REC_SIZE);
	/* The requests these replies free room for go out together after the
	 * batch: a busy simulator (or HCA) then takes them as one burst, and is
	 * woken once rather than once per reply. */
	e->holding = 1;
	for (ssize_t off = 0; off + (ssize_t)MAD_REC_SIZE <= n; off += (ssize_t)MAD_REC_SIZE)
		mad_dispatch(e, (struct rx_rec *)(e->batch + off));
	e->holding = 0;
	mad_pump(e);
}

uint16_t mad_from_lid(const struct mad_from *from)
{
	ib_mad_addr_t a;
	memcpy(&a, from->addr, sizeof(a));
	return be16toh(a.lid);
}

int mad_send_response(struct mad_engine *e, const uint8_t *mad, size_t len, const struct mad_from *from)
{
	uint8_t buf[512];
	void *umad = buf;
	int h = from->handle;
	unsigned mclass = smp_hdr_class(mad);
	int ag = mclass == MCLASS_SMI_DR ? AG_SMI_DR : mclass == MCLASS_SA ? AG_SA : AG_SMI;

	/* Only the SA sends more than one MAD's worth (RMPP). */
	if (len > MAD_SIZE && mclass != MCLASS_SA)
		len = MAD_SIZE;
	if (umad_size() + len > sizeof(buf))
		umad = xcalloc(1, umad_size() + len);
	memset(umad, 0, umad_size());
	memcpy(umad_get_mad_addr(umad), from->addr, sizeof(ib_mad_addr_t));
	if (mclass == MCLASS_SA)
		umad_get_mad_addr(umad)->qkey = htobe32(QP1_QKEY);
	memcpy(umad_get_mad(umad), mad, len);
	int rc = umad_send(e->fd[h], e->agent[h][ag], umad, (int)len, 0, 0);
	int err = errno;
	if (umad != (void *)buf)
		free(umad);
	if (rc < 0) {
		if (mad_dev_dead(err)) {
			mad_device_gone(e, err);
			return -1;
		}
		errno = err;
		log_warn("sending a response (class 0x%02x attr 0x%04x)", mclass, smp_hdr_attr(mad));
		return -1;
	}
	e->st.sent++;
	return 0;
}

/* ---- setup ------------------------------------------------------------- */

static int mad_register(struct mad_engine *e, enum mad_handle h)
{
	long mask[16 / sizeof(long)];
	const unsigned methods[] = { IB_MAD_METHOD_GET, IB_MAD_METHOD_SET, IB_MAD_METHOD_TRAP,
		IB_MAD_METHOD_TRAP_REPRESS, IB_MAD_METHOD_REPORT, IB_MAD_METHOD_GET_TABLE,
		IB_MAD_METHOD_DELETE };

	memset(mask, 0, sizeof(mask));
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		mask[methods[i] / (8 * sizeof(long))] |= 1L << (methods[i] % (8 * sizeof(long)));
	for (int a = 0; a < AG_COUNT; a++) {
		/* Every class that can arrive must be registered: libumad2sim
		 * crashes the process on an unregistered one. */
		int is_sa = mad_classes[a].mclass == MCLASS_SA;
		if (e->fd[MAD_H_SMI] != e->fd[MAD_H_GSI] && (h == MAD_H_GSI) != is_sa)
			continue;
		/* The SA answers GetTable with RMPP: the kernel segments. */
		e->agent[h][a] = umad_register(e->fd[h], mad_classes[a].mclass,
					       mad_classes[a].version, is_sa ? 1 : 0, mask);
		if (e->agent[h][a] < 0) {
			/* libibumad returns -EPERM; errno has the kernel's reason */
			e->reg_err = errno;
			e->reg_class = mad_classes[a].mclass;
			return -1;
		}
	}
	return 0;
}

/* 0, -1 (logged), or -2 when another SM holds it (logged). */
static int mad_open_issm(struct mad_engine *e, const char *ca, int port)
{
	if (ca != e->ca)
		snprintf(e->ca, sizeof(e->ca), "%s", ca);
	e->port = port;
	char path[256];

	if (umad_get_issm_path(ca, port, path, sizeof(path)) < 0) {
		log_warnx("%s:%d: no issm device", ca, port);
		return -1;
	}
	/* Without O_NONBLOCK the kernel waits until the holder lets go. */
	e->issm_fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (e->issm_fd < 0) {
		if (errno == EBUSY || errno == EAGAIN) {
			log_err("another SM holds port %s:%d (%s is busy)", ca, port, path);
			return -2;
		}
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

struct mad_engine *mad_open(struct event_base *base, const struct mad_port_spec *spec,
			    const struct mad_opts *opts, mad_unsol_fn unsol, void *unsol_arg)
{
	struct mad_engine *e = xcalloc(1, sizeof(*e));
	int p[2];

	e->base = base;
	e->opts = *opts;
	atomic_store(&e->m_key, opts->m_key);
	e->unsol = unsol;
	e->unsol_arg = unsol_arg;
	e->issm_fd = e->pipe_rd = e->pipe_wr = -1;
	e->fd[MAD_H_SMI] = e->fd[MAD_H_GSI] = -1;
	e->batch = xcalloc(RX_BATCH, MAD_REC_SIZE);
	/* libevent fails here only for memory: fatal, like xalloc. */
	for (unsigned i = 0; i < MAD_SLOTS; i++)
		if (!(e->slot_timer[i] = evtimer_new(base, mad_timer_cb, &e->slot[i])))
			fatalx("out of memory (a timer)");
	if (umad_init() < 0) {
		log_warnx("cannot initialise libibumad");
		goto fail;
	}
	e->fd[MAD_H_SMI] = umad_open_port(spec->ca, spec->port);
	if (e->fd[MAD_H_SMI] < 0) {
		log_warnx("cannot open umad port %s:%d", spec->ca, spec->port);
		goto fail;
	}
	if (spec->gsi_ca[0] && (strcmp(spec->gsi_ca, spec->ca) || spec->gsi_port != spec->port)) {
		e->fd[MAD_H_GSI] = umad_open_port(spec->gsi_ca, spec->gsi_port);
		if (e->fd[MAD_H_GSI] < 0) {
			log_warnx("cannot open umad port %s:%d for GMPs", spec->gsi_ca, spec->gsi_port);
			goto fail;
		}
	} else {
		e->fd[MAD_H_GSI] = e->fd[MAD_H_SMI];
	}
	/* Agents before issm: once issm is open, ibsim sends this port's
	 * unsolicited MADs here, and libumad2sim crashes on a class not yet
	 * registered. The kernel refuses an agent (EINVAL) whose class and
	 * method another one holds: most likely another SM's, and issm, which
	 * is exclusive, then says so. */
	int split = e->fd[MAD_H_GSI] != e->fd[MAD_H_SMI];
	if (mad_register(e, MAD_H_SMI) < 0 || (split && mad_register(e, MAD_H_GSI) < 0)) {
		if (mad_open_issm(e, spec->ca, spec->port) != -2)
			log_warnx("cannot register management class 0x%02x on %s:%d: %s (does "
				  "another program hold an agent for it?)", e->reg_class, spec->ca,
				  spec->port, strerror(e->reg_err));
		goto fail;
	}
	if (!split)
		memcpy(e->agent[MAD_H_GSI], e->agent[MAD_H_SMI], sizeof(e->agent[0]));
	if (mad_open_issm(e, spec->ca, spec->port) < 0)
		goto fail;
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_warn("pipe");
		goto fail;
	}
	e->pipe_rd = p[0];
	e->pipe_wr = p[1];
	evutil_make_socket_nonblocking(e->pipe_rd);
	evutil_make_socket_nonblocking(e->pipe_wr);
	/* Room for a full window of replies plus a burst of traps. */
	(void)fcntl(e->pipe_wr, F_SETPIPE_SZ, 1 << 20);
	e->pipe_ev = event_new(base, e->pipe_rd, EV_READ | EV_PERSIST, mad_pipe_cb, e);
	if (!e->pipe_ev)
		fatalx("out of memory (an event)");
	if (event_add(e->pipe_ev, NULL) < 0)
		goto fail;
	if (mad_rx_start(e) < 0)
		goto fail;
	return e;
fail:
	mad_close(e);
	return NULL;
}

void mad_get_stats(const struct mad_engine *e, struct mad_stats *st)
{
	*st = e->st;
	st->overflow = atomic_load(&((struct mad_engine *)e)->rx_dropped);
}

int mad_gone(const struct mad_engine *e)
{
	return e && atomic_load(&((struct mad_engine *)e)->gone);
}

int mad_reopen_issm(struct mad_engine *e)
{
	if (e->issm_fd >= 0)
		close(e->issm_fd);
	e->issm_fd = -1;
	return mad_open_issm(e, e->ca, e->port);
}

void mad_set_opts(struct mad_engine *e, const struct mad_opts *opts)
{
	e->opts = *opts;
	atomic_store(&e->m_key, opts->m_key);
	if (e->opts.window > MAD_SLOTS)
		e->opts.window = MAD_SLOTS;
	mad_pump(e);
}

unsigned long long mad_malformed_count(const struct mad_engine *e)
{
	return e ? (unsigned long long)e->st.malformed : 0;
}

void mad_close(struct mad_engine *e)
{
	if (!e)
		return;
	/* Every request still here ends through its callback, so its owner
	 * can free what it holds; nothing new is accepted from now on. The
	 * queued ones were never sent: they end at once. */
	e->closing = 1;
	struct mad_reply cancel = { .err = MAD_ECANCELED };
	while (e->q_head) {
		struct mad_req *r = e->q_head;
		e->q_head = r->next;
		r->cb(r->arg, &cancel);
		free(r);
	}
	e->q_tail = NULL;
	/* The sent ones may come back first (the loop runs meanwhile): a reply
	 * for a closed port crashes libumad2sim's receiver. Each has a timer,
	 * so this ends; MAD_CLOSE_DRAIN_MS bounds it anyway. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (e->outstanding && e->rx[MAD_H_SMI].running && !atomic_load(&e->gone) &&
	       log_ms_since(&t0) < MAD_CLOSE_DRAIN_MS) {
		event_base_loopexit(e->base, &(struct timeval){ .tv_usec = 50000 });
		event_base_loop(e->base, EVLOOP_ONCE);
	}
	mad_rx_stop(e);
	for (unsigned i = 0; i < MAD_SLOTS; i++)
		if (e->slot[i]) {
			struct mad_req *r = e->slot[i];
			evtimer_del(e->slot_timer[i]);
			e->slot[i] = NULL;
			e->outstanding--;
			r->cb(r->arg, &cancel);
			free(r);
		}
	if (e->rx[MAD_H_SMI].running)  /* opened: a session to account for */
		log_info("MADs: %llu sent, %llu resent, %llu timed out, %llu sends failed; "
			 "%llu malformed and %llu stray replies dropped",
			 (unsigned long long)e->st.sent, (unsigned long long)e->st.resent,
			 (unsigned long long)e->st.timeouts, (unsigned long long)e->st.send_errors,
			 (unsigned long long)e->st.malformed, (unsigned long long)e->st.stray);
	if (atomic_load(&e->rx_dropped))
		log_warnx("%u received MADs were dropped while the loop was busy",
			  atomic_load(&e->rx_dropped));
	if (e->pipe_ev)
		event_free(e->pipe_ev);
	if (e->pipe_rd >= 0)
		close(e->pipe_rd);
	if (e->pipe_wr >= 0)
		close(e->pipe_wr);
	if (e->issm_fd >= 0)
		close(e->issm_fd);
	if (e->fd[MAD_H_GSI] >= 0 && e->fd[MAD_H_GSI] != e->fd[MAD_H_SMI])
		umad_close_port(e->fd[MAD_H_GSI]);
	if (e->fd[MAD_H_SMI] >= 0)
		umad_close_port(e->fd[MAD_H_SMI]);
	for (unsigned i = 0; i < MAD_SLOTS; i++)
		event_free(e->slot_timer[i]);
	free(e->batch);
	free(e);
}
