/* umadport: which local CA port smd runs on ([sm] port). */
#ifndef SMD_UMADPORT_H
#define SMD_UMADPORT_H

#include <stdint.h>
#include "mad.h"

/* spec: "" (the first InfiniBand port whose link is up), "CA:PORT", or a
 * port GUID "0x...". Fills the MAD engine's port spec and the port GUID.
 * Returns 0, or -1 with the reason logged.
 * SMPs and GMPs use the same device here; SMI/GSI-split HCAs (kernel 6.11+)
 * are not detected yet. */
int umad_port_pick(const char *spec, struct mad_port_spec *out, uint64_t *guid);

#endif
