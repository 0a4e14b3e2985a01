/* mad_int: what the MAD engine (mad.c, the event loop's side) and its
 * receive threads (mad_rx.c) share. Private to those two files. Calls go
 * one way only: mad.c starts and stops the threads; the threads reach the
 * loop through the pipe and a few atomics, never by calling into mad.c. */
#ifndef SMD_MAD_INT_H
#define SMD_MAD_INT_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <infiniband/umad.h>
#include "mad.h"

#define MAD_SLOT_BITS 8
#define MAD_SLOTS (1u << MAD_SLOT_BITS)
#define RX_TIMEOUT_MS 10000    /* how often a receive thread looks at the stop flag
				* (mad_close wakes it sooner with a MAD) */
#define MAD_WAKE_TID 0xffffffffu
#define MAD_WATCH_TID 0xfffffffeu
#define REC_WATCH MAD_H_COUNT  /* rx_rec.handle of a watch reading for the loop */
#define MAD_HDR_SIZE 24         /* the common MAD header */

/* Agents registered per handle, by class. */
enum { AG_SMI, AG_SMI_DR, AG_SA, AG_COUNT };

/* A received MAD as the receive thread hands it to the loop. */
struct rx_rec {
	int handle;
	int len;                      /* MAD bytes, or negative errno: -EMSGSIZE = a MAD
				       * larger than one was read and dropped */
	uint8_t umad[];               /* struct ib_user_mad + MAD_SIZE */
};

/* umad_size() (56) is smaller than what umad_recv() may write (64 + MAD). */
#define MAD_REC_SIZE (sizeof(struct rx_rec) + sizeof(struct ib_user_mad) + MAD_SIZE)

struct mad_rx {
	struct mad_engine *e;
	int handle;
	int fd;
	uint8_t *buf;                 /* the thread's records, up to PIPE_BUF bytes */
	pthread_t thread;
	int running;
};

struct mad_req;

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
	_Atomic uint64_t m_key;       /* opts.m_key, for the watch's SMPs too */
	atomic_int watch_port;
	mad_watch_fn watch_cb;
	void *watch_arg;
};

static inline long long mad_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The device is gone for good (firmware reset, devlink reload, PCIe
 * recovery): every later call fails the same way. */
static inline int mad_dev_dead(int err)
{
	return err == EIO || err == ENODEV;
}

/* mad_rx.c: start a receive thread per descriptor, every signal blocked
 * (0, or -1 when one could not start: the caller closes); stop them: set
 * the stop flag, wake the SMI thread, join. */
int mad_rx_start(struct mad_engine *e);
void mad_rx_stop(struct mad_engine *e);

#endif
