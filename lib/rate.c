#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "fabric.h"
#include "rate.h"
#include "sfield.h"
#include "smp.h"

unsigned rate_mtu_bytes(unsigned code)
{
	return code >= 1 && code <= 5 ? 128u << code : 0;
}

int rate_mtu_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return 0;
	for (unsigned c = 1; c <= 5; c++) {
		char buf[8];
		snprintf(buf, sizeof(buf), "%u", rate_mtu_bytes(c));
		if (!strcmp(s, buf))
			return (int)c;
	}
	return -1;
}

/* code -> tenths of Gb/s (IBA table 271) */
static const uint16_t rate_table[] = {
	[2] = 25, [3] = 100, [4] = 300, [5] = 50, [6] = 200, [7] = 400, [8] = 600,
	[9] = 800, [10] = 1200, [11] = 140, [12] = 560, [13] = 1120, [14] = 1680,
	[15] = 250, [16] = 1000, [17] = 2000, [18] = 3000, [19] = 280, [20] = 500,
	[21] = 4000, [22] = 6000, [23] = 8000, [24] = 12000,
};
#define NRATES (sizeof(rate_table) / sizeof(rate_table[0]))

unsigned rate_tenths(unsigned code)
{
	return code < NRATES ? rate_table[code] : 0;
}

/* FDR and later codes (64b/66b): 5/4 of the data of an 8b/10b rate. */
static int rate_is_64b66b(unsigned code)
{
	return code >= 11;
}

unsigned rate_rank(unsigned code)
{
	unsigned t = rate_tenths(code);
	return rate_is_64b66b(code) ? t * 5 : t * 4;
}

unsigned rate_min(unsigned a, unsigned b)
{
	if (!rate_rank(a))
		return rate_rank(b) ? b : 0;
	return rate_rank(b) && rate_rank(b) < rate_rank(a) ? b : a;
}

unsigned rate_below(unsigned code)
{
	unsigned best = 0, r = rate_rank(code);
	for (unsigned c = 2; c < NRATES; c++)
		if (rate_rank(c) < r && rate_rank(c) > rate_rank(best))
			best = c;
	return best;
}

unsigned rate_code(unsigned tenths)
{
	unsigned best = 0;
	for (unsigned c = 2; c < NRATES; c++)
		if (rate_table[c] <= tenths && rate_table[c] > rate_table[best])
			best = c;
	return best;
}

int rate_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return 0;
	char *end;
	double g = strtod(s, &end);
	if (end == s || *end || !(g > 0 && g < 100000))
		return -1;
	for (unsigned c = 2; c < NRATES; c++)
		if ((unsigned)(g * 10 + 0.5) == rate_table[c])
			return (int)c;
	return -1;
}

/* PortInfo fields libibmad 44 does not name: LinkSpeedExtActive2 (XDR),
 * valid when CapabilityMask2 says IsExtendedSpeeds2Supported. */
#define PI_SPEED_EXT2_ACTIVE SF(56, 1, 2)
#define CAPMASK_HAS_CAPMASK2 (1u << 15)
#define CAPMASK2_EXT_SPEEDS2 (1u << 11)

/* Lanes of a LinkWidthActive value (1x, 4x, 8x, 12x, 2x). */
static unsigned width_lanes(unsigned w)
{
	return w == 1 ? 1 : w == 2 ? 4 : w == 4 ? 8 : w == 8 ? 12 : w == 16 ? 2 : 0;
}

/* Tenths of Gb/s per lane: the extended speeds first where valid (FDR,
 * EDR, HDR, NDR; XDR), else LinkSpeedActive (SDR, DDR, QDR), as OpenSM. */
static unsigned lane_tenths(const uint8_t *pi, const uint8_t *cap)
{
	uint32_t cm = cap ? mad_get_field(smp_ro(cap), 0, IB_PORT_CAPMASK_F) : 0;

	if (cm & CAPMASK_EXT_SPEEDS) {
		uint32_t cm2 = cm & CAPMASK_HAS_CAPMASK2 ?
				       mad_get_field(smp_ro(cap), 0, IB_PORT_CAPMASK2_F) : 0;
		if ((cm2 & CAPMASK2_EXT_SPEEDS2) && sf_get(pi, PI_SPEED_EXT2_ACTIVE) == 1)
			return 2000;
		switch (mad_get_field(smp_ro(pi), 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F)) {
		case 1: return 140;
		case 2: return 250;
		case 4: return 500;
		case 8: return 1000;
		}
	}
	switch (mad_get_field(smp_ro(pi), 0, IB_PORT_LINK_SPEED_ACTIVE_F)) {
	case 1: return 25;
	case 2: return 50;
	case 4: return 100;
	}
	return 0;
}

unsigned rate_port(const uint8_t portinfo[64], const uint8_t cap[64])
{
	unsigned lanes = width_lanes(mad_get_field(smp_ro(portinfo), 0, IB_PORT_LINK_WIDTH_ACTIVE_F));
	/* Every product is a code's rate but 8x and 12x XDR (1600, 2400 Gb/s),
	 * which have none: 1200 Gb/s, the fastest code, stands for them. */
	return rate_code(lanes * lane_tenths(portinfo, cap));
}

const uint8_t *rate_port_caps(const struct fab_port *p)
{
	const struct fab_port *c = fab_is_switch(p->node) ? &p->node->ports[0] : p;
	return c->have_info ? c->info : NULL;
}

unsigned rate_fab_port(const struct fab_port *p)
{
	return rate_port(p->info, rate_port_caps(p));
}

int rate_port_ext_speeds(const struct fab_port *p)
{
	const uint8_t *cap = rate_port_caps(p);
	return cap && (mad_get_field(smp_ro(cap), 0, IB_PORT_CAPMASK_F) & CAPMASK_EXT_SPEEDS);
}

uint32_t rate_portinfo_mod(const struct fab_port *p)
{
	return p->num | (rate_port_ext_speeds(p) ? PORTINFO_AM_EXT_SPEEDS : 0);
}

unsigned rate_port_mtu(const uint8_t portinfo[64])
{
	return mad_get_field(smp_ro(portinfo), 0, IB_PORT_NEIGHBOR_MTU_F);
}
