/* link: PortInfo configuration and the Init -> Armed -> Active walk.
 * Every PortInfo field goes through libibmad's field table; nothing is
 * hand-packed. */
#include "link.h"

#include <stdint.h>
#include <string.h>

#include <infiniband/mad.h>

/* libibmad takes void * even for reads; it never writes through a get. */
static uint32_t link_get(const uint8_t *buf, enum MAD_FIELDS f)
{
	return mad_get_field((void *)(uintptr_t)buf, 0, f);
}

static uint64_t link_get64(const uint8_t *buf, enum MAD_FIELDS f)
{
	return mad_get_field64((void *)(uintptr_t)buf, 0, f);
}

/* min of two capability codes where 0 means "unknown": an unknown side
 * does not drag the result down to an invalid 0. */
static uint32_t link_min_known(uint32_t a, uint32_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* NeighborMTU and OperationalVLs this port should end up with. */
static void link_calc_mtu_vls(const uint8_t cur[64], const uint8_t *peer,
			      uint32_t *mtu, uint32_t *vls)
{
	uint32_t cur_mtu = link_get(cur, IB_PORT_NEIGHBOR_MTU_F);
	uint32_t cur_vls = link_get(cur, IB_PORT_OPER_VLS_F);
	uint32_t vlcap = link_get(cur, IB_PORT_VL_CAP_F);

	*mtu = link_get(cur, IB_PORT_MTU_CAP_F);
	*vls = vlcap;
	if (peer) {
		*mtu = link_min_known(*mtu, link_get(peer, IB_PORT_MTU_CAP_F));
		/* The SMA checks OperationalVLs against the VLCap carried in
		 * the same Set (cur's, echoed): with our own VLCap unknown (0)
		 * the peer's value could exceed it, so then keep cur's. */
		if (vlcap)
			*vls = link_min_known(vlcap, link_get(peer, IB_PORT_VL_CAP_F));
	}

	/* Changing either on an Active port retrains/bounces the link. */
	if (link_get(cur, IB_PORT_STATE_F) == PORT_ACTIVE) {
		if (cur_mtu)
			*mtu = cur_mtu;
		if (cur_vls)
			*vls = cur_vls;
	}
	/* Nothing valid to compute (bogus caps): leave the port's value. */
	if (!*mtu)
		*mtu = cur_mtu;
	if (!*vls)
		*vls = cur_vls;
}

/* The M_Key fields of a Set. A switch's external ports ignore them (port
 * 0's count), so writing them everywhere costs nothing and keeps one rule. */
static void link_put_mkey(uint8_t out[64], const struct link_mkey *mk)
{
	int on = mk && mk->key;

	mad_set_field64(out, 0, IB_PORT_MKEY_F, on ? mk->key : 0);
	mad_set_field(out, 0, IB_PORT_MKEY_PROT_BITS_F, on ? mk->protect & 3u : 0);
	mad_set_field(out, 0, IB_PORT_MKEY_LEASE_F, on ? mk->lease : 0);
}

int link_mkey_foreign(const uint8_t cur[64], uint64_t ours)
{
	uint64_t k = link_get64(cur, IB_PORT_MKEY_F);

	if (k)
		return k != ours;
	return link_get(cur, IB_PORT_MKEY_PROT_BITS_F) != 0;
}

void link_build_set(uint8_t out[64], const uint8_t cur[64], const uint8_t *peer,
		    const struct link_params *p)
{
	uint32_t mtu, vls;
	int rereg;

	/* Read everything needed from cur first: out may alias cur. */
	link_calc_mtu_vls(cur, peer, &mtu, &vls);
	if (p->is_switch_port0) {
		/* No link behind port 0: its NeighborMTU only matters on an
		 * enhanced port 0 and follows MTUCap; VLs are not ours to set. */
		uint32_t cap = link_get(cur, IB_PORT_MTU_CAP_F);
		mtu = cap ? cap : link_get(cur, IB_PORT_NEIGHBOR_MTU_F);
		vls = link_get(cur, IB_PORT_OPER_VLS_F);
	}
	rereg = p->client_rereg && !p->is_switch_port &&
		(link_get(cur, IB_PORT_CAPMASK_F) & CAPMASK_CLIENT_REREG);

	/* Everything not listed below (widths/speeds enabled, HOQ, VLCap,
	 * thresholds, ...) is echoed from the fresh Get. In a Set, 0 in
	 * LinkWidth/SpeedEnabled would mean NOP too, but echoing the current
	 * enabled value is equally a no-op and keeps the Set self-consistent. */
	memmove(out, cur, 64);

	/* LID, LMC, the SM fields, prefix and timeout of a switch live on
	 * port 0; external ports ignore them (OpenSM leaves them alone too). */
	if (!p->is_switch_port) {
		mad_set_field(out, 0, IB_PORT_LID_F, p->lid);
		mad_set_field(out, 0, IB_PORT_SMLID_F, p->sm_lid);
		if (!p->is_switch_port0) {
			mad_set_field(out, 0, IB_PORT_LMC_F, 0);
			mad_set_field(out, 0, IB_PORT_SMSL_F, p->sm_sl);
		}
		mad_set_field64(out, 0, IB_PORT_GID_PREFIX_F, p->subnet_prefix);
		mad_set_field(out, 0, IB_PORT_SUBN_TIMEOUT_F, p->subnet_timeout);
	}

	link_put_mkey(out, &p->mkey);

	mad_set_field(out, 0, IB_PORT_NEIGHBOR_MTU_F, mtu);
	mad_set_field(out, 0, IB_PORT_OPER_VLS_F, vls);

	/* Configuration only: no state change. PortPhysicalState values > 3
	 * read back from a Get must never be written (not valid in a Set). */
	mad_set_field(out, 0, IB_PORT_LINK_DOWN_DEF_F, PHYS_POLLING);
	mad_set_field(out, 0, IB_PORT_STATE_F, PORT_NOP);
	mad_set_field(out, 0, IB_PORT_PHYS_STATE_F, PHYS_NOP);

	/* Write-only bit; only meaningful where the port owns its SM fields
	 * and says it implements it. */
	mad_set_field(out, 0, IB_PORT_CLIENT_REREG_F, rereg ? 1 : 0);
}

int link_config_ok(const uint8_t cur[64], const uint8_t *peer, const struct link_params *p)
{
	static const enum MAD_FIELDS fields[] = {
		IB_PORT_LID_F, IB_PORT_LMC_F, IB_PORT_SMLID_F, IB_PORT_SMSL_F,
		IB_PORT_SUBN_TIMEOUT_F, IB_PORT_NEIGHBOR_MTU_F,
		IB_PORT_OPER_VLS_F, IB_PORT_LINK_DOWN_DEF_F,
	};
	uint8_t want[64];
	size_t i;

	/* Same rules as the Set, so the two can never disagree. */
	link_build_set(want, cur, peer, p);

	/* A reregister request always needs a Set. */
	if (link_get(want, IB_PORT_CLIENT_REREG_F))
		return 0;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (link_get(want, fields[i]) != link_get(cur, fields[i]))
			return 0;
	if (link_get64(want, IB_PORT_GID_PREFIX_F) != link_get64(cur, IB_PORT_GID_PREFIX_F))
		return 0;
	/* A switch's external ports ignore the M_Key fields (port 0 holds
	 * the switch's): what they read back must not cost a Set a sweep. */
	if (!p->is_switch_port &&
	    (link_get64(want, IB_PORT_MKEY_F) != link_get64(cur, IB_PORT_MKEY_F) ||
	     link_get(want, IB_PORT_MKEY_PROT_BITS_F) != link_get(cur, IB_PORT_MKEY_PROT_BITS_F) ||
	     link_get(want, IB_PORT_MKEY_LEASE_F) != link_get(cur, IB_PORT_MKEY_LEASE_F)))
		return 0;
	return 1;
}

void link_build_state_set(uint8_t out[64], const uint8_t cur[64], int state,
			  const struct link_mkey *mk)
{
	/* LID, SM fields, NeighborMTU and OperationalVLs were configured by an
	 * earlier Set and are echoed. OperationalVLs must not be zeroed: some
	 * SMAs (ibsim) store it unconditionally. */
	memmove(out, cur, 64);
	mad_set_field(out, 0, IB_PORT_STATE_F, (uint32_t)state);
	mad_set_field(out, 0, IB_PORT_PHYS_STATE_F, PHYS_NOP);
	/* 0 = "no state change" for all three in a Set. */
	mad_set_field(out, 0, IB_PORT_LINK_DOWN_DEF_F, 0);
	mad_set_field(out, 0, IB_PORT_LINK_WIDTH_ENABLED_F, 0);
	mad_set_field(out, 0, IB_PORT_LINK_SPEED_ENABLED_F, 0);
	mad_set_field(out, 0, IB_PORT_CLIENT_REREG_F, 0);
	link_put_mkey(out, mk);
}

int link_next_state(int port_state, int phys_state)
{
	/* Only one step at a time, and never the state the port is in. */
	if (port_state == PORT_INIT && phys_state == PHYS_LINKUP)
		return PORT_ARMED;
	if (port_state == PORT_ARMED)
		return PORT_ACTIVE;
	return 0;
}

