/* link: PortInfo configuration (built from a fresh Get) and the
 * Armed -> Active walk. Pure: raw 64-byte SMP data in, data out. */
#ifndef SMD_LINK_H
#define SMD_LINK_H

#include <stdint.h>

/* IBA PortState values */
enum { PORT_NOP = 0, PORT_DOWN = 1, PORT_INIT = 2, PORT_ARMED = 3, PORT_ACTIVE = 4 };
/* IBA PortPhysicalState values */
enum { PHYS_NOP = 0, PHYS_SLEEP = 1, PHYS_POLLING = 2, PHYS_DISABLED = 3,
       PHYS_TRAINING = 4, PHYS_LINKUP = 5, PHYS_ERROR_RECOVERY = 6 };

/* The subnet prefix smd gives every port (the default GID prefix). */
#define LINK_SUBNET_PREFIX 0xfe80000000000000ULL

#define CAPMASK_IS_SM          (1u << 1)
#define CAPMASK_IS_SM_DISABLED (1u << 10)
#define CAPMASK_CLIENT_REREG   (1u << 25)
#define CAPMASK_MCAST_FDB_TOP  (1u << 30)  /* switch port 0: SwitchInfo.MulticastFDBTop honoured */

/* What a port's M_Key fields are set to (IBA 14.2.4): the key an SMP must
 * carry to manage the port, how much a wrong key may still do there
 * (protect bits 0: Gets, 1: Gets with the key read as 0, 2 and 3:
 * nothing), and the seconds the protection outlives an SM that stops
 * answering its violations (lease, 0 = forever). key 0 means none: the
 * protect bits and the lease are then written as 0. */
struct link_mkey {
	uint64_t key;
	uint8_t protect;         /* 0..3 */
	uint16_t lease;          /* seconds */
};

struct link_params {
	uint16_t lid;            /* the port's LID (switch external ports: ignored, keep cur) */
	uint16_t sm_lid;         /* MasterSMLID */
	uint8_t sm_sl;           /* MasterSMSL */
	uint64_t subnet_prefix;  /* 0xfe80000000000000 */
	uint8_t subnet_timeout;  /* 18 like OpenSM */
	int client_rereg;        /* request ClientReregister (applied only if capmask bit 25) */
	int is_switch_port;      /* external port of a switch: LID/SM fields are the switch's (port 0) */
	int is_switch_port0;     /* a switch's port 0: only what OpenSM sets there (LID, SM LID,
				  * prefix, timeout, M_Key fields, NeighborMTU = MTUCap); LMC,
				  * SMSL and OperationalVLs are left as they are */
	struct link_mkey mkey;   /* written on every port; compared only where it counts
				  * (CA ports, switch port 0) */
};

/*
 * Build the PortInfo Set data in out[64] from cur[64] (a fresh Get of that
 * port) and peer[64] (a fresh Get of the neighbour port, or NULL if unknown):
 * LID, LMC 0, MasterSMLID, MasterSMSL, SubnetPrefix, SubnetTimeout,
 * M_Key / protect bits / lease from p->mkey, NeighborMTU = min(MTUCap, peer MTUCap),
 * OperationalVLs = min(VLCap, peer VLCap) (never above VLCap in the same Set),
 * LinkDownDefaultState = Polling(2), PortState = NOP, PortPhysState = NOP,
 * ClientReregister when requested and supported. Everything else is cur's.
 * On a port already Active, NeighborMTU and OperationalVLs keep their
 * current values when non-zero (never bounce a working link).
 */
void link_build_set(uint8_t out[64], const uint8_t cur[64], const uint8_t *peer,
		    const struct link_params *p);

/* Does cur[64] already hold everything link_build_set() would set?
 * (Then no Set is needed: a re-sweep of a healthy fabric sends none.) */
int link_config_ok(const uint8_t cur[64], const uint8_t *peer, const struct link_params *p);

/* Build a PortInfo Set that only moves the port to state (PORT_ARMED or
 * PORT_ACTIVE), from a fresh Get cur[64]: every other field NOP/unchanged
 * (PhysState NOP, LinkWidthEnabled/LinkSpeedEnabled 0 = NOP), but the
 * M_Key fields are mk's: every PortInfo Set writes them, since a Set takes
 * the M_Key fields it carries and a Get may not show the real ones. */
void link_build_state_set(uint8_t out[64], const uint8_t cur[64], int state,
			  const struct link_mkey *mk);

/* Does a port's PortInfo (read with our key) say it is protected by a key
 * we do not have? Its M_Key reads as another non-zero key, or as 0 with
 * protect bits set (level 1 hides a key the Get did not carry). */
int link_mkey_foreign(const uint8_t cur[64], uint64_t ours);

/* The next state to request on the walk to Active: PORT_ARMED for a port in
 * Init with a physical link, PORT_ACTIVE for one in Armed, 0 when nothing is to
 * be sent (already Active, Down, or no link). */
int link_next_state(int port_state, int phys_state);


#endif
