#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/umad.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "mad.h"

#define MAD_SLOT_BITS 8
#define MAD_SLOTS (1u << MAD_SLOT_BITS)
#define RX_TIMEOUT_MS 10000    /* how often a receive thread looks at the stop flag
				* (mad_close wakes it sooner with a MAD) */
#define RX_BATCH 64            /* records taken from the pipe per read() */
#define RX_STOP_WAIT_MS 100    /* stopping: wait for the wake-up's answer this long ... */
#define RX_STOP_WAITS 10       /* ... this many times */
#define MAD_WAKE_TID 0xffffffffu
#define MAD_WATCH_TID 0xfffffffeu
#define REC_WATCH MAD_H_COUNT  /* rx_rec.handle of a watch reading for the loop */
#define QP1_QKEY 0x80010000u
#define MAD_CLOSE_DRAIN_MS 1000 /* closing: wait this long at most for replies */
#define MAD_HDR_SIZE 24         /* the common MAD header */
#define MAD_BIG_TRIES 4        /* ENOSPC: re-reads with the length the kernel asks for */

/* Agents registered per handle, by class. */
enum { AG_SMI, AG_SMI_DR, AG_SA, AG_COUNT };
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
	struct dr_path path;
	uint8_t data[SMP_DATA_SIZE];
};

/* A received MAD as the receive thread hands it to the loop. */
struct rx_rec {
	int handle;
	int len;                      /* MAD bytes, or negative errno: -EMSGSIZE = a MAD
				       * larger than one was read and dropped */
	uint8_t umad[];               /* struct ib_user_mad + MAD_SIZE */
};

struct mad_rx {
	struct mad_engine *e;
	int handle;
	int fd;
	pthread_t thread;
	int running;
};

/* What the engine logs at close. */
struct mad_stats {
	uint64_t sent, resent, timeouts, send_errors, malformed, stray;
};

static long long mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct mad_engine {
	struct event_base *base;
	int fd[MAD_H_COUNT];
	int agent[MAD_H_COUNT][AG_COUNT];
	int issm_fd;
	char ca[64];
	int port;
	struct mad_rx rx[MAD_H_COUNT];
	int pipe_rd, pipe_wr;
	struct event *pipe_ev;
	atomic_int stop;
	atomic_uint rx_dropped;
	int holding;                  /* dispatching a batch of replies: send after it */
	int closing;
	size_t rec_size;
	uint8_t *batch;               /* loop-side buffer: RX_BATCH records */
	struct mad_opts opts;
	struct mad_req *slot[MAD_SLOTS];
	struct event *slot_timer[MAD_SLOTS];
	long long slot_sent_us[MAD_SLOTS]; /* when the slot's current attempt went out */
	int kernel_times;             /* the kernel has reported a send timeout: it times
				       * sends out, our timer is only a backstop */
	atomic_int gone;              /* the device went away (EIO, ENODEV) */
	int gone_logged;
	int reg_err, reg_class;       /* why and for which class umad_register failed */
	unsigned outstanding;
	uint32_t seq;
	unsigned next_slot;
	struct mad_req *q_head, *q_tail;
	mad_unsol_fn unsol;
	void *unsol_arg;
	struct mad_stats st;
	unsigned warned;              /* bit per kind of malformed MAD already logged */
	/* own-port watch: set by the loop, run by the SMI receive thread */
	atomic_uint watch_period_ms;
	atomic_int watch_port;
	mad_watch_fn watch_cb;
	void *watch_arg;
};

static void mad_pump(struct mad_engine *e);
static void mad_attempt(struct mad_req *r);

/* ---- receive thread ---------------------------------------------------- */

/* ENOSPC: the kernel keeps a MAD larger than our buffer (an RMPP transfer)
 * at the head of the queue and says how long it is. Read it with a buffer
 * that size so that it leaves the queue (else nothing behind it is ever
 * read), and drop it: smd serves no multi-MAD request. -EMSGSIZE when it
 * is gone, else umad_recv()'s error. */
static int mad_rx_big(struct mad_rx *rx, int len)
{
	int rc = -ENOSPC;

	for (int i = 0; i < MAD_BIG_TRIES && rc == -ENOSPC && len > 0; i++) {
		void *big = malloc(umad_size() + (size_t)len);
		if (!big)
			return -ENOMEM;
		rc = umad_recv(rx->fd, big, &len, 0);
		free(big);
	}
	return rc >= 0 ? -EMSGSIZE : rc;
}

/* Receive into rec; 1 = a record to pass on, 0 = nothing (timeout). */
static int mad_rx_one(struct mad_rx *rx, struct rx_rec *rec, int timeout_ms)
{
	int len = MAD_SIZE;
	int rc = umad_recv(rx->fd, rec->umad, &len, timeout_ms);

	if (rc == -ENOSPC)
		rc = mad_rx_big(rx, len);
	if (rc == -ETIMEDOUT || rc == -EAGAIN || rc == -EINTR)
		return 0;
	rec->len = rc < 0 ? rc : len;
	rec->handle = rx->handle;
	return 1;
}

/* A Get by directed route to our own port, outside the request machinery
 * (no slot, no retry): the receive thread's wake-up and its port watch. A
 * umad write is one atomic call (libumad2sim locks around it), so either
 * thread may send. */
static void mad_send_local(struct mad_engine *e, uint16_t attr, uint32_t mod, uint32_t tid,
			   unsigned timeout_ms)
{
	uint8_t buf[512];
	void *umad = buf;
	struct dr_path local;

	dr_path_local(&local);
	memset(buf, 0, umad_size());
	smp_init_dr(umad_get_mad(umad), &local, IB_MAD_METHOD_GET, attr, mod, tid, NULL);
	umad_set_addr(umad, 0xffff, 0, 0, 0);
	(void)umad_send(e->fd[MAD_H_SMI], e->agent[MAD_H_SMI][AG_SMI_DR], umad, MAD_SIZE,
			(int)timeout_ms, 0);
}

/* What the watch compares: state, physical state, IsSM; a failed reading
 * counts as a state of its own. */
static uint32_t mad_watch_key(struct rx_rec *rec)
{
	uint8_t *mad = umad_get_mad(rec->umad);
	if (umad_status(rec->umad) || mad_hdr_status(mad))
		return 0xffffffffu;
	uint8_t *pi = smp_data(mad);
	return mad_get_field(pi, 0, IB_PORT_STATE_F) | mad_get_field(pi, 0, IB_PORT_PHYS_STATE_F) << 4 |
	       (mad_get_field(pi, 0, IB_PORT_CAPMASK_F) & CAPMASK_IS_SM ? 1u : 0u) << 8;
}

/* The low 32 bits of a received MAD's TID: MAD_WATCH_TID marks a watch
 * reading, MAD_WAKE_TID the answer to mad_wake_rx()'s MAD. */
static uint32_t mad_rx_tid(struct rx_rec *rec)
{
	return rec->len >= MAD_HDR_SIZE ? (uint32_t)mad_hdr_tid(umad_get_mad(rec->umad)) : 0;
}

static long long mono_ms(void)
{
	return mono_us() / 1000;
}

/* The device is gone for good (firmware reset, devlink reload, PCIe
 * recovery): every later call fails the same way. */
static int umad_dead(int err)
{
	return err == EIO || err == ENODEV;
}

static void *mad_rx_main(void *p)
{
	struct mad_rx *rx = p;
	struct mad_engine *e = rx->e;
	/* Up to PIPE_BUF bytes of records per write: such a write is atomic
	 * even when two receive threads share the pipe. */
	size_t per_write = PIPE_BUF / e->rec_size;
	uint8_t *buf = calloc(per_write, e->rec_size);

	if (!buf)
		return NULL;
	/* Stopping, the SMI thread waits for the answer to mad_close()'s wake-up
	 * MAD (or gives up after RX_STOP_WAITS short waits): an answer that came
	 * after the port closed would hit libumad2sim's freed descriptor. */
	int waits = rx->handle == MAD_H_SMI ? RX_STOP_WAITS : 0, woke = 0;
	long long next_watch = 0;
	uint32_t last_key = 0;
	int have_key = 0;
	while (!atomic_load(&e->stop) || (!woke && waits-- > 0)) {
		size_t n = 0;
		int timeout = atomic_load(&e->stop) ? RX_STOP_WAIT_MS : RX_TIMEOUT_MS;
		unsigned period = rx->handle == MAD_H_SMI ? atomic_load(&e->watch_period_ms) : 0;
		if (period && !atomic_load(&e->stop)) {
			long long now = mono_ms();
			if (now >= next_watch) {
				mad_send_local(e, IB_ATTR_PORT_INFO,
					       (uint32_t)atomic_load(&e->watch_port), MAD_WATCH_TID,
					       e->opts.timeout_ms);
				next_watch = now + period;
			}
			if (next_watch - now < timeout)
				timeout = (int)(next_watch - now);
		}
		/* Wait for one; under load more are already waiting: take them
		 * along (one pipe write and one wake-up of the loop for the lot).
		 * Watch readings go to the loop only when something changed: an
		 * unchanged one is overwritten by the next receive. */
		int failed = 0;
		while (!failed && n < per_write) {
			struct rx_rec *got = (struct rx_rec *)(buf + n * e->rec_size);
			if (!mad_rx_one(rx, got, n ? 0 : timeout))
				break;
			failed = got->len < 0 && got->len != -EMSGSIZE;
			uint32_t tid = failed ? 0 : mad_rx_tid(got);
			woke |= tid == MAD_WAKE_TID;
			if (tid == MAD_WATCH_TID) {
				uint32_t key = mad_watch_key(got);
				if (have_key && key == last_key) {
					if (!n)
						break;  /* back to the watch's clock */
					continue;
				}
				last_key = key;
				have_key = 1;
				got->handle = REC_WATCH;
			}
			n++;
		}
		if (!n)
			continue;
		/* The pipe never blocks this thread: when the loop falls that far
		 * behind, the MADs are dropped like ones lost on the wire (the
		 * senders' retries cover them) and counted. */
		ssize_t w;
		do {
			w = write(e->pipe_wr, buf, n * e->rec_size);
		} while (w < 0 && errno == EINTR);
		if (w < 0)
			atomic_fetch_add(&e->rx_dropped, (unsigned)n);
		struct rx_rec *last = (struct rx_rec *)(buf + (n - 1) * e->rec_size);
		if (failed && umad_dead(-last->len)) {
			atomic_store(&e->gone, 1);  /* the loop ends the daemon */
			/* ... once it hears of it: this record must get through. */
			while (w < 0 && !atomic_load(&e->stop)) {
				usleep(10000);
				w = write(e->pipe_wr, last, e->rec_size);
			}
			break;
		}
		if (failed)
			usleep(100000);  /* a failing descriptor must not spin */
	}
	free(buf);
	return NULL;
}

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

	do {  /* never the TIDs the receive thread keeps for itself */
		e->seq++;
		r->tid = (e->seq << MAD_SLOT_BITS) | r->slot;
	} while (r->tid >= MAD_WATCH_TID);
	memset(buf, 0, umad_size());
	if (r->dr)
		smp_init_dr(mad, &r->path, r->method, r->attr, r->mod, r->tid,
			    r->has_data ? r->data : NULL);
	else
		smp_init_lid(mad, r->method, r->attr, r->mod, r->tid, r->has_data ? r->data : NULL);
	umad_set_addr(umad, r->dr ? 0xffff : r->dlid, 0, 0, 0);
	/* The kernel only routes a reply to a send it still tracks, so give it
	 * our timeout; it returns the send with status ETIMEDOUT when that
	 * passes. A Trap goes without one: nothing waits for its TrapRepress. */
	int trap = r->method == IB_MAD_METHOD_TRAP;
	e->slot_sent_us[r->slot] = mono_us();
	if (umad_send(e->fd[MAD_H_SMI], e->agent[MAD_H_SMI][r->dr ? AG_SMI_DR : AG_SMI],
		      umad, MAD_SIZE, trap ? 0 : (int)r->timeout_ms, 0) < 0) {
		int err = errno;
		r->send_failed = 1;
		e->st.send_errors++;  /* the timer below retries it */
		log_debug("umad_send failed (TID 0x%x): %s; will retry", r->tid, strerror(err));
		if (umad_dead(err))
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
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
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
	uint32_t tid = (uint32_t)mad_hdr_tid(mad);
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
		long long waited_us = mono_us() - e->slot_sent_us[r->slot];
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
	if (mad_hdr_attr(mad) != r->attr) {
		mad_malformed(e, 1, "reply attribute differs from the request's");
		return;
	}
	struct mad_reply rep = { .mad = mad, .data = smp_data(mad) };
	rep.mad_status = mad_hdr_status(mad);
	if (rep.mad_status) {
		rep.err = MAD_ESTATUS;
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
		if (umad_dead(-rec->len))
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
		if (e->watch_cb && !ustatus && !mad_hdr_status(mad))
			e->watch_cb(e->watch_arg, smp_data(mad));
		return;
	}
	if (mad_hdr_method(mad) == IB_MAD_METHOD_TRAP_REPRESS)
		return;  /* answers a Trap we sent and no longer wait for */
	if (ustatus || mad_hdr_is_response(mad)) {
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
	ssize_t n = read(fd, e->batch, RX_BATCH * e->rec_size);
	/* The requests these replies free room for go out together after the
	 * batch: a busy simulator (or HCA) then takes them as one burst, and is
	 * woken once rather than once per reply. */
	e->holding = 1;
	for (ssize_t off = 0; off + (ssize_t)e->rec_size <= n; off += (ssize_t)e->rec_size)
		mad_dispatch(e, (struct rx_rec *)(e->batch + off));
	e->holding = 0;
	mad_pump(e);
}

void mad_watch_port(struct mad_engine *e, int portnum, unsigned period_ms, mad_watch_fn cb,
		    void *arg)
{
	e->watch_cb = cb;
	e->watch_arg = arg;
	atomic_store(&e->watch_port, portnum);
	atomic_store(&e->watch_period_ms, period_ms);
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
	unsigned mclass = mad_hdr_class(mad);
	int ag = mclass == MCLASS_SMI_DR ? AG_SMI_DR : mclass == MCLASS_SA ? AG_SA : AG_SMI;

	/* Only the SA sends more than one MAD's worth (RMPP). */
	if (len > MAD_SIZE && mclass != MCLASS_SA)
		len = MAD_SIZE;
	if (umad_size() + len > sizeof(buf) && !(umad = calloc(1, umad_size() + len)))
		return -1;
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
		if (umad_dead(err)) {
			mad_device_gone(e, err);
			return -1;
		}
		errno = err;
		log_warn("sending a response (class 0x%02x attr 0x%04x)", mclass, mad_hdr_attr(mad));
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
	struct mad_engine *e = calloc(1, sizeof(*e));
	int p[2];

	if (!e)
		return NULL;
	e->base = base;
	e->opts = *opts;
	e->unsol = unsol;
	e->unsol_arg = unsol_arg;
	e->issm_fd = e->pipe_rd = e->pipe_wr = -1;
	e->fd[MAD_H_SMI] = e->fd[MAD_H_GSI] = -1;
	/* umad_size() (56) is smaller than what umad_recv() may write (64 + MAD). */
	e->rec_size = sizeof(struct rx_rec) + sizeof(struct ib_user_mad) + MAD_SIZE;
	e->batch = calloc(RX_BATCH, e->rec_size);
	if (!e->batch)
		goto fail;
	for (unsigned i = 0; i < MAD_SLOTS; i++) {
		e->slot_timer[i] = evtimer_new(base, mad_timer_cb, &e->slot[i]);
		if (!e->slot_timer[i])
			goto fail;
	}
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
	if (!e->pipe_ev || event_add(e->pipe_ev, NULL) < 0)
		goto fail;
	/* Signals belong to the loop: one delivered to a receive thread would
	 * end its poll() with EINTR, which libibumad reports as EIO (the device
	 * is gone). The threads start with every signal blocked. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int started = 0;
	for (int h = 0; h < MAD_H_COUNT; h++) {
		if (h == MAD_H_GSI && e->fd[h] == e->fd[MAD_H_SMI])
			break;
		e->rx[h] = (struct mad_rx){ .e = e, .handle = h, .fd = e->fd[h] };
		if (pthread_create(&e->rx[h].thread, NULL, mad_rx_main, &e->rx[h]) != 0)
			break;
		e->rx[h].running = 1;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started < (e->fd[MAD_H_GSI] == e->fd[MAD_H_SMI] ? 1 : 2)) {
		log_warnx("cannot start the receive thread");
		goto fail;
	}
	return e;
fail:
	mad_close(e);
	return NULL;
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
	if (e->opts.window > MAD_SLOTS)
		e->opts.window = MAD_SLOTS;
	mad_pump(e);
}

/* The receive thread sees the stop flag when umad_recv() returns: a
 * NodeInfo Get to our own node brings a reply at once instead of waiting
 * out RX_TIMEOUT_MS. Its TID matches no slot. */
static void mad_wake_rx(struct mad_engine *e)
{
	if (e->rx[MAD_H_SMI].running)
		mad_send_local(e, IB_ATTR_NODE_INFO, 0, MAD_WAKE_TID, RX_TIMEOUT_MS);
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
	atomic_store(&e->stop, 1);
	mad_wake_rx(e);
	for (int h = 0; h < MAD_H_COUNT; h++)
		if (e->rx[h].running)
			pthread_join(e->rx[h].thread, NULL);
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
		if (e->slot_timer[i])
			event_free(e->slot_timer[i]);
	free(e->batch);
	free(e);
}
