/* mcast: the SA's multicast groups (MCMemberRecord): groups by MGID, MLIDs
 * from 0xC000, members by port GID with their join state. Pure. */
#ifndef SMD_MCAST_H
#define SMD_MCAST_H

#include <stddef.h>
#include <stdint.h>
#include "hmap.h"

#define MC_MLID_FIRST 0xC000
#define MC_MLID_LAST 0xFFFE
#define MC_MAX_GROUPS (MC_MLID_LAST - MC_MLID_FIRST + 1)

/* JoinState bits (IBA 15.2.5.17) */
enum { MC_JOIN_FULL = 1, MC_JOIN_NON = 2, MC_JOIN_SENDONLY_NON = 4, MC_JOIN_SENDONLY_FULL = 8 };

/* IPoIB's Q_Key and the scope of its broadcast group (link-local) */
#define MC_IPOIB_QKEY 0x0b1b
#define MC_SCOPE_LINK 2

struct mc_member {
	uint64_t guid;            /* interface id of the port GID */
	uint8_t join_state;
	uint8_t proxy;            /* joined by another port on its behalf: any
				   * port may change it (IBA o15-0.2.1) */
};

struct mc_group {
	uint8_t mgid[16];
	uint16_t mlid;
	uint32_t qkey;
	uint16_t pkey;
	uint8_t mtu;              /* IB MTU code: 1 = 256 ... 5 = 4096 */
	uint8_t rate;             /* IB rate code */
	uint8_t pkt_life;
	uint8_t sl, tclass, hop_limit, scope;
	uint32_t flow_label;
	int permanent;            /* kept with no members (IPoIB broadcast) */
	uint64_t creator;         /* the port whose join made it (0: the SM);
				   * set with mc_set_creator() */
	struct hmap members;      /* guid -> struct mc_member */
	unsigned nmembers;
	struct mc_group *next, *prev;   /* by MLID */
	struct mc_group *hnext;   /* the next group with the same MGID hash */
};

#define MC_WORDS ((MC_MAX_GROUPS + 63) / 64)

struct mc_table {
	struct mc_group *groups;
	unsigned ngroups;
	unsigned mlid_cap;        /* MLIDs every switch can forward (the least
				   * MulticastFDBCap); 0: no switch known, no cap */
	unsigned changes;         /* bumped at every membership change */
	/* Indexes, so that no join or leave walks the groups: a join costs the
	 * same with 10 groups or 10,000. */
	struct mc_group **by_mlid;  /* [MC_MAX_GROUPS], allocated at the first group */
	struct hmap by_mgid;      /* MGID hash -> first group of its chain */
	struct hmap made;         /* creator GUID -> groups it made */
	uint64_t used[MC_WORDS];  /* MLIDs taken */
	/* MLIDs whose membership changed since mc_dirty_clear(): the
	 * forwarding tables recompute only those groups' trees. */
	uint64_t dirty[MC_WORDS];
	int dirty_all;            /* everything (the table was cleared) */
};

void mc_init(struct mc_table *t);
/* Is MLID offset i (MLID - MC_MLID_FIRST) marked? */
static inline int mc_bit(const uint64_t *w, unsigned i)
{
	return (int)(w[i / 64] >> (i % 64) & 1u);
}
void mc_dirty_clear(struct mc_table *t);
/* One past the highest MLID offset in use (0: no group). */
unsigned mc_mlid_end(const struct mc_table *t);
/* "ff12:401b:ffff:0000:0000:0000:ffff:ffff": buf needs 40 bytes. */
char *mc_gid_str(const uint8_t gid[16], char *buf, size_t len);
/* Drop every group (and free the indexes; the table stays usable). */
void mc_clear(struct mc_table *t);
struct mc_group *mc_find(const struct mc_table *t, const uint8_t mgid[16]);
struct mc_group *mc_find_mlid(const struct mc_table *t, uint16_t mlid);
/* A new group with the lowest free MLID (or `mlid` when free and valid);
 * NULL when the MLIDs are exhausted. The caller fills in its parameters. */
struct mc_group *mc_create(struct mc_table *t, const uint8_t mgid[16], uint16_t mlid);
/* May port `creator` make one more group? The last eighth of the MLIDs the
 * switches forward is kept for ports that made fewer than MC_LIGHT groups,
 * so one port cannot take them all and starve the others. */
#define MC_LIGHT 16
int mc_may_create(const struct mc_table *t, uint64_t creator);
/* Record which port made g (counted by mc_may_create). */
void mc_set_creator(struct mc_table *t, struct mc_group *g, uint64_t creator);
/* Add join state bits for a port (guid != 0); returns the port's resulting
 * state, 0 for GUID 0. */
uint8_t mc_join(struct mc_table *t, struct mc_group *g, uint64_t guid, uint8_t join_state);
/* Remove join state bits; the member goes when none are left, the group
 * too when it has no member and is not permanent (*gone = 1: g is freed).
 * -1 when the port is not a member with those bits. */
int mc_leave(struct mc_table *t, struct mc_group *g, uint64_t guid, uint8_t join_state, int *gone);
struct mc_member *mc_member(const struct mc_group *g, uint64_t guid);
/* Members in a stable order (by GUID): fills out[] (up to max), returns the count. */
unsigned mc_members(const struct mc_group *g, struct mc_member **out, unsigned max);
/* Drop every member for which present() says 0; returns how many. */
unsigned mc_prune(struct mc_table *t, int (*present)(void *arg, uint64_t guid), void *arg);
/* The same, asking keep() about each member of each group. */
unsigned mc_prune_by(struct mc_table *t,
		     int (*keep)(void *arg, const struct mc_group *g, uint64_t guid), void *arg);
/* Remove a group, members and all (a permanent one too). */
void mc_remove(struct mc_table *t, struct mc_group *g);

/* ff12:401b:<pkey>::ffff:ffff, the IPoIB IPv4 broadcast group. */
void mc_ipoib_broadcast_mgid(uint8_t mgid[16], uint16_t pkey);
/* That group for the default partition, if it exists. */
struct mc_group *mc_ipoib_broadcast(const struct mc_table *t);

#endif
