/* audit: what smd configured against what the fabric holds. Any node can
 * Set another port's PortInfo or a switch's tables where M_Key is not
 * enforced; this reads them back on a schedule and repairs what changed.
 *
 * The rolling audit: each light sweep reads a slice of at most `budget`
 * SMPs, going on where the last stopped, so every few sweeps the whole
 * model is covered: the PortInfo of every linked CA port and switch port 0
 * (LID, LMC, MasterSMLID), and every LFT and MFT block smd remembers
 * writing (MFT blocks not while the multicast tables are being written).
 * A CA port that no longer answers has its switch's port read: a
 * port Disabled behind our back is enabled again (Polling). Links a heavy
 * sweep lost are watched the same way, each light sweep.
 *
 * Repairs: an LFT or MFT block that differs is written again from the shadow (at
 * once, one Set); a port's LID, SM LID or LMC asks for a heavy sweep, which
 * configures the port from a fresh Get (one heavy sweep a slice however many
 * ports drifted). Each is logged once, naming who is affected.
 *
 * The forced pass (smctl sweep): every LFT and MFT block the shadows hold is read
 * and only the differing ones written, before the heavy sweep trusts the
 * shadow. Replies to reads sent before a heavy sweep started or the model
 * changed are not judged (what smd itself writes meanwhile is no drift). */
#ifndef SMD_AUDIT_H
#define SMD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "fabric.h"
#include "lft.h"
#include "link.h"
#include "mad.h"
#include "mft.h"
#include "trouble.h"

struct audit;

/* A slice found ports only a heavy sweep repairs; why names the first. */
typedef void (*audit_sweep_fn)(void *arg, const char *why);
/* The forced pass is over: blocks read, found different (written again),
 * ms from the first read to the last reply. */
typedef void (*audit_pass_fn)(void *arg, unsigned read, unsigned differed, double ms);

struct audit *audit_new(struct mad_engine *mad, struct lft_memory *lfts, struct mft_memory *mfts,
			struct trouble *trouble, audit_sweep_fn cb, void *arg);
/* Requests in flight free themselves (no callbacks after this). */
void audit_free(struct audit *a);
/* budget: SMPs a slice (0: the rolling audit is off; the forced pass and
 * the watch of lost links still run); reenable: enable ports found Disabled. */
void audit_configure(struct audit *a, unsigned budget, int reenable);
/* The M_Key its Sets carry in PortInfo (the one every Set writes). */
void audit_set_mkey(struct audit *a, const struct link_mkey *mk);
/* The model is now f (NULL: none); prev is the one it replaces (NULL: none),
 * still valid during the call: switch ports linked in prev and not in f are
 * watched. Returns how many were added. */
unsigned audit_model(struct audit *a, const struct fabric *prev, const struct fabric *f);
/* The multicast tables are being written (busy) or are done: no MFT block
 * is read meanwhile, and replies to reads from before are not judged. */
void audit_mcast_busy(struct audit *a, int busy);
/* A heavy sweep starts: replies to what was sent before are not judged. */
void audit_hold(struct audit *a);
/* One slice (light sweep): the lost links watched, then up to budget reads
 * of the model. Does nothing while the last slice is still out. Returns the
 * reads sent. */
unsigned audit_step(struct audit *a);
/* Read every LFT and MFT block the shadows hold, write the differing ones, then
 * cb. -1 (cb not called) when there is nothing to read; 0 when a pass is
 * already under way (its own callback ends it). */
int audit_lft_pass(struct audit *a, audit_pass_fn cb, void *arg);

/* Pure, for the tests. What a PortInfo read of a port smd configured says
 * changed: 0 when nothing, else a description in buf ("SM LID 9 instead of
 * 1"). lid: the LID smd gave it (0: not checked), sm_lid: ours; a
 * switch's port 0 has no LMC of smd's to check. */
int audit_portinfo_drift(const uint8_t info[64], uint16_t lid, uint16_t sm_lid, int switch_port0,
			 char *buf, size_t len);
/* The entries of an LFT block that differ from what was written: their
 * offsets in idx (ascending), how many returned. */
unsigned audit_lft_drift(const uint8_t have[LFT_BLOCK], const uint8_t want[LFT_BLOCK],
			 uint8_t idx[LFT_BLOCK]);

#endif
