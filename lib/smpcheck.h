/* smpcheck: what a node may not answer. The SMP replies discovery and the
 * sweeps read (NodeInfo, PortInfo, SwitchInfo, NodeDescription), checked
 * and decoded without a fabric: each check says in words what is wrong,
 * so a node that lies is named, counted and left out rather than believed.
 * Pure: the fuzz harness fuzz_smp feeds it any bytes. */
#ifndef SMD_SMPCHECK_H
#define SMD_SMPCHECK_H

#include <stddef.h>
#include <stdint.h>

/* Unicast LIDs are 1..0xBFFF: no LFT holds more than 0xC000 entries. */
#define SMPCK_MAX_LFT_CAP 0xC000u
/* Multicast LIDs are 0xC000..0xFFFE. */
#define SMPCK_MAX_MFT_CAP 0x4000u

/* Each returns 0 when the reply can be believed, else -1 with why ("NumPorts
 * 0") written to why[len]. */
int smpck_nodeinfo(const uint8_t d[64], char *why, size_t len);
/* A NodeInfo that arrived over a link (not our own node): a port GUID and
 * a LocalPortNum a cable can end at. */
int smpck_nodeinfo_remote(const uint8_t d[64], char *why, size_t len);
/* sp0: a switch's port 0, whose link fields a base switch need not fill. */
int smpck_portinfo(const uint8_t d[64], int sp0, char *why, size_t len);
int smpck_switchinfo(const uint8_t d[64], char *why, size_t len);
/* NodeDescription as text fit for a log line: up to 64 bytes, ends at the
 * first NUL, control characters (a newline that would forge a log line, a
 * terminal escape) become '?'; UTF-8 stays as the SA serves it. */
void smpck_nodedesc(char out[65], const uint8_t d[64]);

#endif
