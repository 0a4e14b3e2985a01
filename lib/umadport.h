/* umadport: which local CA port smd runs on ([sm] port), read from sysfs,
 * and where its SMPs and GMPs go. Its names are uport_*, clear of
 * libibumad's umad_*. On SMI/GSI-split HCAs (kernel 6.11+,
 * multi-plane ports such as ConnectX-8) one port GUID shows up on two
 * devices: the one whose CapabilityMask has IsSMDisabled carries the GMPs
 * (the SA), the other (ibdev "smiN") the SMPs. Bookworm's rdma-core 44 has
 * no API for that, so the pairing is done here from sysfs, the way rdma-core
 * 53+'s umad_get_smi_gsi_pairs() does it; built against a libibumad that has
 * it, its pairing of devices wins. A port named CA:PORT is used as named:
 * planes of one split port share a GUID, and the plane is the port number. */
#ifndef SMD_UMADPORT_H
#define SMD_UMADPORT_H

#include <stdint.h>
#include "mad.h"

struct uport_desc {
	char ca[64];
	int port;
	uint64_t guid;            /* port GUID, host order */
	uint32_t capmask;
	int phys_state;           /* 5 = LinkUp */
	int is_ib;                /* link layer InfiniBand (not Ethernet) */
};

/* Every port of every CA under root ("/sys" on a live system; a fake tree
 * in tests): sorted by CA name, then port. Returns the count (at most max),
 * -1 when root has no InfiniBand class directory. */
int uport_scan(const char *root, struct uport_desc *out, int max);

/* Pick the port for spec ("" = the first InfiniBand port whose link is up,
 * else the first InfiniBand port; "CA:PORT"; "0x<port GUID>") and its SMI
 * and GSI devices. Pure. 0, or -1 with the reason logged. */
int uport_choose(const struct uport_desc *ports, int n, const char *spec,
		 struct mad_port_spec *out, uint64_t *guid);

/* Both, on the live system. */
int uport_pick(const char *spec, struct mad_port_spec *out, uint64_t *guid);

#endif
