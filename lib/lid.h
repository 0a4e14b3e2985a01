/* lid: choosing LIDs (pure). A port keeps a valid unique LID; else the one
 * persisted for its GUID; else the lowest free one. */
#ifndef SMD_LID_H
#define SMD_LID_H

#include <stddef.h>
#include <stdint.h>
#include "lidmap.h"

struct lid_req {
	uint64_t guid;     /* port GUID (switch: the switch's port-0 GUID) */
	uint16_t cur;      /* LID the port has now (PortInfo), 0 = none */
	uint16_t assigned; /* output */
};

/*
 * Assign a LID to every request (LMC 0: one LID per port), in this order:
 *  1. the current LID when it is a valid unicast LID that no other request
 *     also holds; when several hold the same LID, the one the map records
 *     for that LID keeps it, otherwise none does;
 *  2. the LID the map records for the GUID, if no request kept it in step 1;
 *  3. the lowest unicast LID not used in steps 1-2 and not recorded in the
 *     map for another GUID (those are kept for ports that may come back);
 *     only when none is left, the lowest LID not used by a request.
 * Does not modify the map. Returns 0, or -1 if the LID space is exhausted
 * (requests without a LID keep assigned = 0).
 */
int lid_assign(struct lid_req *reqs, size_t n, const struct lidmap *map);

#endif
