/* fake_port: for the harnesses that run the whole SM (fuzz_sm): the MAD
 * engine (lib/mad.h) and the port choice (lib/umadport.h) without a device,
 * linked in place of lib/mad.c, lib/mad_rx.c and lib/umadport.c. Every SMP
 * the SM sends waits in a queue, first in first out, until the harness ends
 * it; what the SM answers to unsolicited MADs is checked and counted. */
#ifndef SMD_FAKE_PORT_H
#define SMD_FAKE_PORT_H

#include <stddef.h>
#include <stdint.h>
#include "mad.h"

#define FAKE_GUID 0x0002c90300000001ULL   /* our port's GUID */

/* Requests waiting for an answer. */
unsigned fake_pending(void);
/* The oldest one's attribute, or 0 when none waits. */
unsigned fake_next_attr(void);
/* End the oldest request: MAD_OK with these 64 bytes of data (a GetResp
 * built from the request), MAD_ESTATUS with status, or MAD_ETIMEDOUT.
 * Runs its callback (as the engine would, from the loop). 0 when none. */
int fake_answer(enum mad_err err, unsigned status, const uint8_t data[64]);
/* Responses the SM sent to unsolicited MADs. */
unsigned fake_responses(void);

#endif
