/* rate: IB link MTU and rate codes (PathRecord, MCMemberRecord) and what a
 * port's PortInfo says its link carries. */
#ifndef SMD_RATE_H
#define SMD_RATE_H

#include <stdint.h>

struct fab_port;

/* MTU codes: 1 = 256 ... 5 = 4096 bytes. */
unsigned rate_mtu_bytes(unsigned code);
/* "256" ... "4096" -> code; "auto" -> 0; -1 when neither. */
int rate_mtu_parse(const char *s);

/* Rate codes (IBA 15.2.5.16, Rate; 2 ... 24): nominal bandwidth in tenths
 * of Gb/s (2.5 Gb/s = 25), 0 for an unknown code. For display and parsing
 * only: rates compare by rate_rank. */
unsigned rate_tenths(unsigned code);
/* Where a code stands in speed order (0: unknown code). The codes are not
 * in that order (11 = 14 Gb/s is slower than 7 = 40 Gb/s), and nor are the
 * nominal rates: FDR and later (codes 11 ... 24, 64b/66b) carry 5/4 of the
 * data of an SDR ... QDR rate of the same name (8b/10b), so 12x QDR (120)
 * is slower than 4x EDR (100). The same order as OpenSM's. */
unsigned rate_rank(unsigned code);
/* The slower of two codes (an unknown code, 0, counts as none). */
unsigned rate_min(unsigned a, unsigned b);
/* The next slower code than `code`, 0 when none. */
unsigned rate_below(unsigned code);
/* The code of a nominal rate in tenths (25 -> 2 ... 12000 -> 24), the
 * fastest not above it for a value between codes; 0 below 2.5 Gb/s. */
unsigned rate_code(unsigned tenths);
/* "2.5", "10", "56" ... -> code; "auto" -> 0; -1 when not a known rate. */
int rate_parse(const char *s);

/* PortInfo CapabilityMask bit 14: LinkSpeedExt* are valid (and PortInfo
 * Gets and Sets carry attribute modifier bit 31, as OpenSM's do). */
#define CAPMASK_EXT_SPEEDS (1u << 14)
#define PORTINFO_AM_EXT_SPEEDS (1u << 31)

/* The rate code of a link from a port's PortInfo (active width x lane
 * speed: SDR ... QDR, or FDR ... NDR from LinkSpeedExtActive and XDR from
 * LinkSpeedExtActive2 where `cap`, the PortInfo whose capability masks
 * speak for the port, says those fields are valid); 0 when the port says
 * nothing usable. */
unsigned rate_port(const uint8_t portinfo[64], const uint8_t cap[64]);
/* The PortInfo whose capability masks speak for p: port 0's on a switch
 * (an external port's are reserved), else p's own; NULL when not read. */
const uint8_t *rate_port_caps(const struct fab_port *p);
/* rate_port of a discovered port. */
unsigned rate_fab_port(const struct fab_port *p);
/* Does p (by rate_port_caps) support extended link speeds? */
int rate_port_ext_speeds(const struct fab_port *p);
/* The attribute modifier of a PortInfo Get or Set of p: its number, and
 * bit 31 (SMSupportsExtendedSpeeds) when rate_port_ext_speeds says so. */
uint32_t rate_portinfo_mod(const struct fab_port *p);
/* The link's MTU code: NeighborMTU (what the SM set for both ends). */
unsigned rate_port_mtu(const uint8_t portinfo[64]);

#endif
