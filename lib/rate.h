/* rate: IB link MTU and rate codes (PathRecord, MCMemberRecord) and what a
 * port's PortInfo says its link carries. */
#ifndef SMD_RATE_H
#define SMD_RATE_H

#include <stdint.h>

/* MTU codes: 1 = 256 ... 5 = 4096 bytes. */
unsigned mtu_bytes(unsigned code);
/* "256" ... "4096" -> code; "auto" -> 0; -1 when neither. */
int mtu_parse(const char *s);

/* Rate codes (IBA 15.2.5.16, Rate): bandwidth in tenths of Gb/s (2.5 Gb/s
 * = 25), 0 for an unknown code. */
unsigned rate_tenths(unsigned code);
/* The code of the largest rate not above `tenths` (2 = 2.5 Gb/s at least). */
unsigned rate_code(unsigned tenths);
/* "2.5", "10", "56" ... -> code; "auto" -> 0; -1 when not a known rate. */
int rate_parse(const char *s);

/* The data rate of a link from a port's PortInfo (active width x speed),
 * in tenths of Gb/s; 0 when the port says nothing usable. */
unsigned port_rate_tenths(const uint8_t portinfo[64]);
/* The link's MTU code: NeighborMTU (what the SM set for both ends). */
unsigned port_mtu(const uint8_t portinfo[64]);

#endif
