/* mad: the asynchronous MAD engine over libibumad.
 *
 * A receive thread per umad descriptor blocks in umad_recv() and passes each
 * MAD through a pipe to the libevent loop (libumad2sim's fake descriptors
 * cannot be watched by epoll; a real umad fd works the same way). The loop
 * matches replies to requests by TID, owns every retry, keeps a window of
 * outstanding requests, and hands unsolicited MADs (SMInfo from other SMs,
 * traps, SA requests) to one handler. Each attempt has one timeout: the
 * kernel's (it returns the send with ETIMEDOUT), or ours where nothing
 * reports one (libumad2sim).
 *
 * Two handles from the start: SMPs go through MAD_H_SMI, GMPs (SA) through
 * MAD_H_GSI; on ordinary HCAs both are the same descriptor.
 *
 * mad.c is the loop's side, mad_rx.c the receive threads (and the own-port
 * watch they run); mad_int.h is what the two share.
 */
#ifndef SMD_MAD_H
#define SMD_MAD_H

#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include "smp.h"

enum mad_handle { MAD_H_SMI = 0, MAD_H_GSI = 1, MAD_H_COUNT };

enum mad_err {
	MAD_OK = 0,
	MAD_ETIMEDOUT,  /* no reply after every retry (our timer or the kernel's ETIMEDOUT) */
	MAD_EUMAD,      /* umad status non-zero, returned before the timeout passed
			 * (e.g. 110 at once: undeliverable under ibsim) */
	MAD_ESTATUS,    /* the reply carries a MAD status */
	MAD_ECANCELED,  /* the engine is closing */
};

struct mad_reply {
	enum mad_err err;
	int umad_status;
	unsigned mad_status;
	const uint8_t *mad;      /* the reply (MAD_OK, MAD_ESTATUS), else NULL */
	const uint8_t *data;     /* SMP data of the reply, or NULL */
};

typedef void (*mad_done_fn)(void *arg, const struct mad_reply *r);

/* Where an unsolicited MAD came from; pass it back to mad_send_response(). */
struct mad_from {
	enum mad_handle handle;
	uint8_t addr[64];        /* the umad address header of the request */
};

/* The source LID of an unsolicited MAD (0xffff for directed route). */
uint16_t mad_from_lid(const struct mad_from *from);

typedef void (*mad_unsol_fn)(void *arg, uint8_t *mad, size_t len, const struct mad_from *from);

struct mad_port_spec {
	char ca[64];             /* CA name for SMPs */
	int port;
	char gsi_ca[64];         /* CA name for GMPs; "" = same as ca */
	int gsi_port;
};

struct mad_opts {
	unsigned window;         /* outstanding requests at once */
	unsigned timeout_ms;     /* per attempt */
	unsigned retries;
	uint64_t m_key;          /* in the M_Key field of every SMP sent (0: none) */
};

struct mad_engine;

/* Open the port(s), register every class that can arrive, open issm
 * (exclusive: the port then advertises IsSM; "another SM holds port" when
 * it is taken, also when the agents were refused because that SM holds
 * them), start the receive thread(s) with every signal blocked. NULL on
 * error (logged). */
struct mad_engine *mad_open(struct event_base *base, const struct mad_port_spec *spec,
			    const struct mad_opts *opts, mad_unsol_fn unsol, void *unsol_arg);
/* End every queued request with MAD_ECANCELED, run the loop until the sent
 * ones have come back (a second at most), stop receiving, end what is left
 * with MAD_ECANCELED (callbacks run, so owners free what they hold), close
 * the port and issm. Not from inside a callback of this loop. */
void mad_close(struct mad_engine *e);
/* MADs dropped unread since open: short, bad base version, the wrong
 * attribute for their request, oversized (smctl status). */
unsigned long long mad_malformed_count(const struct mad_engine *e);
void mad_set_opts(struct mad_engine *e, const struct mad_opts *opts);

/* One SMP. dr == NULL: LID routed to dlid. data: 64 bytes for a Set, NULL
 * for a Get. timeout_ms/retries < 0: the engine's. The callback runs exactly
 * once from the loop (never from inside mad_smp). Returns 0, or -1 (and
 * no callback) while the engine closes or once the device is gone. A Trap is sent once and ends with MAD_OK as soon
 * as it is out: its TrapRepress is not waited for (mlx5 swallows them). */
struct smp_req {
	const struct dr_path *dr;
	uint16_t dlid;
	uint8_t method;
	uint16_t attr;
	uint32_t mod;
	const void *data;
	int timeout_ms;
	int retries;
	int own_mkey;            /* 1: this request carries m_key, not the engine's */
	uint64_t m_key;
};
int mad_smp(struct mad_engine *e, const struct smp_req *r, mad_done_fn cb, void *arg);

/* The own-port watch: the SMI receive thread reads PortInfo of local port
 * portnum every period_ms by itself (directed route) and wakes the loop
 * (cb with the 64 bytes of PortInfo) only when PortState, PhysState or the
 * IsSM bit differ from the last reading, and on the first one. Idle, it
 * costs one SMP and no wake-up of the loop. period_ms 0 stops it. */
typedef void (*mad_watch_fn)(void *arg, const uint8_t portinfo[64]);
void mad_watch_port(struct mad_engine *e, int portnum, unsigned period_ms, mad_watch_fn cb,
		    void *arg);

/* Answer an unsolicited request: mad is the request turned into its response
 * with smp_make_response(). -1 when the send failed (logged). */
int mad_send_response(struct mad_engine *e, const uint8_t *mad, size_t len, const struct mad_from *from);

/* The device went away (umad EIO or ENODEV: firmware reset, devlink
 * reload, PCIe recovery). The engine then logs it once, sends nothing more
 * and breaks the event loop; the daemon should exit non-zero so that its
 * service manager restarts it. */
int mad_gone(const struct mad_engine *e);

/* What the engine counted since it opened (logged at close, exported as
 * metrics): MADs sent (requests, their resends, responses), resent, requests
 * ended with no answer after every retry (timeouts), with every attempt
 * returned undeliverable, or with a MAD status in the reply; sends the
 * device refused; received MADs dropped as malformed or as replies to
 * nothing outstanding (stray), and by the receive threads while the loop
 * was busy (overflow). */
struct mad_stats {
	uint64_t sent, resent, timeouts, undeliverable, status, send_errors, malformed, stray,
		 overflow;
};
void mad_get_stats(const struct mad_engine *e, struct mad_stats *st);

/* Close and re-open issm so the port advertises IsSM again (ibsim clears
 * the bit when a link on the port is unlinked and relinked). */
int mad_reopen_issm(struct mad_engine *e);


#endif
