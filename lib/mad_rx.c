/* mad_rx: the receive threads of the MAD engine. One per umad descriptor
 * blocks in umad_recv() and hands what it reads to the loop through the
 * engine's pipe; the SMI one also runs the own-port watch. Nothing here
 * calls into mad.c (see mad_int.h). */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include "link.h"
#include "log.h"
#include "mad_int.h"
#include "xalloc.h"

#define RX_STOP_WAIT_MS 100    /* stopping: wait for the wake-up's answer this long ... */
#define RX_STOP_WAITS 10       /* ... this many times */
#define MAD_BIG_TRIES 4        /* ENOSPC: re-reads with the length the kernel asks for */

/* ENOSPC: the kernel keeps a MAD larger than our buffer (an RMPP transfer)
 * at the head of the queue and says how long it is. Read it with a buffer
 * that size so that it leaves the queue (else nothing behind it is ever
 * read), and drop it: smd serves no multi-MAD request. -EMSGSIZE when it
 * is gone, else umad_recv()'s error. */
static int mad_rx_big(struct mad_rx *rx, int len)
{
	int rc = -ENOSPC;

	for (int i = 0; i < MAD_BIG_TRIES && rc == -ENOSPC && len > 0; i++) {
		void *big = xmalloc(umad_size() + (size_t)len);
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
static void mad_rx_send_local(struct mad_engine *e, uint16_t attr, uint32_t mod, uint32_t tid,
			      unsigned timeout_ms)
{
	uint8_t buf[512];
	void *umad = buf;
	struct dr_path local;

	dr_path_local(&local);
	memset(buf, 0, umad_size());
	smp_init_dr(umad_get_mad(umad), &local, IB_MAD_METHOD_GET, attr, mod, tid,
		    atomic_load(&e->m_key), NULL);
	umad_set_addr(umad, 0xffff, 0, 0, 0);
	(void)umad_send(e->fd[MAD_H_SMI], e->agent[MAD_H_SMI][AG_SMI_DR], umad, MAD_SIZE,
			(int)timeout_ms, 0);
}

/* What the watch compares: state, physical state, IsSM; a failed reading
 * counts as a state of its own. */
static uint32_t mad_rx_watch_key(struct rx_rec *rec)
{
	uint8_t *mad = umad_get_mad(rec->umad);
	if (umad_status(rec->umad) || smp_hdr_status(mad))
		return 0xffffffffu;
	uint8_t *pi = smp_data(mad);
	return mad_get_field(pi, 0, IB_PORT_STATE_F) | mad_get_field(pi, 0, IB_PORT_PHYS_STATE_F) << 4 |
	       (mad_get_field(pi, 0, IB_PORT_CAPMASK_F) & CAPMASK_IS_SM ? 1u : 0u) << 8;
}

/* The low 32 bits of a received MAD's TID: MAD_WATCH_TID marks a watch
 * reading, MAD_WAKE_TID the answer to mad_rx_wake()'s MAD. */
static uint32_t mad_rx_tid(struct rx_rec *rec)
{
	return rec->len >= MAD_HDR_SIZE ? (uint32_t)smp_hdr_tid(umad_get_mad(rec->umad)) : 0;
}

static long long mad_rx_mono_ms(void)
{
	return mad_mono_us() / 1000;
}

static void *mad_rx_main(void *p)
{
	struct mad_rx *rx = p;
	struct mad_engine *e = rx->e;
	/* Up to PIPE_BUF bytes of records per write: such a write is atomic
	 * even when two receive threads share the pipe. */
	size_t per_write = PIPE_BUF / MAD_REC_SIZE;
	uint8_t *buf = rx->buf;

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
			long long now = mad_rx_mono_ms();
			if (now >= next_watch) {
				mad_rx_send_local(e, IB_ATTR_PORT_INFO,
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
			struct rx_rec *got = (struct rx_rec *)(buf + n * MAD_REC_SIZE);
			if (!mad_rx_one(rx, got, n ? 0 : timeout))
				break;
			failed = got->len < 0 && got->len != -EMSGSIZE;
			uint32_t tid = failed ? 0 : mad_rx_tid(got);
			woke |= tid == MAD_WAKE_TID;
			if (tid == MAD_WATCH_TID) {
				uint32_t key = mad_rx_watch_key(got);
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
			w = write(e->pipe_wr, buf, n * MAD_REC_SIZE);
		} while (w < 0 && errno == EINTR);
		if (w < 0)
			atomic_fetch_add(&e->rx_dropped, (unsigned)n);
		struct rx_rec *last = (struct rx_rec *)(buf + (n - 1) * MAD_REC_SIZE);
		if (failed && mad_dev_dead(-last->len)) {
			atomic_store(&e->gone, 1);  /* the loop ends the daemon */
			/* ... once it hears of it: this record must get through. */
			while (w < 0 && !atomic_load(&e->stop)) {
				usleep(10000);
				w = write(e->pipe_wr, last, MAD_REC_SIZE);
			}
			break;
		}
		if (failed)
			usleep(100000);  /* a failing descriptor must not spin */
	}
	return NULL;
}

int mad_rx_start(struct mad_engine *e)
{
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
		e->rx[h] = (struct mad_rx){ .e = e, .handle = h, .fd = e->fd[h],
					    .buf = xcalloc(PIPE_BUF / MAD_REC_SIZE, MAD_REC_SIZE) };
		if (pthread_create(&e->rx[h].thread, NULL, mad_rx_main, &e->rx[h]) != 0)
			break;
		e->rx[h].running = 1;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started < (e->fd[MAD_H_GSI] == e->fd[MAD_H_SMI] ? 1 : 2)) {
		log_warnx("cannot start the receive thread");
		return -1;
	}
	return 0;
}

/* The receive thread sees the stop flag when umad_recv() returns: a
 * NodeInfo Get to our own node brings a reply at once instead of waiting
 * out RX_TIMEOUT_MS. Its TID matches no slot. */
static void mad_rx_wake(struct mad_engine *e)
{
	if (e->rx[MAD_H_SMI].running)
		mad_rx_send_local(e, IB_ATTR_NODE_INFO, 0, MAD_WAKE_TID, RX_TIMEOUT_MS);
}

void mad_rx_stop(struct mad_engine *e)
{
	atomic_store(&e->stop, 1);
	mad_rx_wake(e);
	for (int h = 0; h < MAD_H_COUNT; h++) {
		if (e->rx[h].running)
			pthread_join(e->rx[h].thread, NULL);
		free(e->rx[h].buf);
		e->rx[h].buf = NULL;
	}
}

void mad_watch_port(struct mad_engine *e, int portnum, unsigned period_ms, mad_watch_fn cb,
		    void *arg)
{
	e->watch_cb = cb;
	e->watch_arg = arg;
	atomic_store(&e->watch_port, portnum);
	atomic_store(&e->watch_period_ms, period_ms);
}
