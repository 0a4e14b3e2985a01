#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include "rate.h"
#include "smp.h"

unsigned mtu_bytes(unsigned code)
{
	return code >= 1 && code <= 5 ? 128u << code : 0;
}

int mtu_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return 0;
	for (unsigned c = 1; c <= 5; c++) {
		char buf[8];
		snprintf(buf, sizeof(buf), "%u", mtu_bytes(c));
		if (!strcmp(s, buf))
			return (int)c;
	}
	return -1;
}

/* code -> tenths of Gb/s */
static const uint16_t rate_table[] = {
	[2] = 25, [3] = 100, [4] = 300, [5] = 50, [6] = 200, [7] = 400, [8] = 600,
	[9] = 800, [10] = 1200, [11] = 140, [12] = 560, [13] = 1120, [14] = 1680,
	[15] = 250, [16] = 1000, [17] = 2000, [18] = 3000, [19] = 280, [20] = 500,
	[21] = 4000, [22] = 6000,
};
#define NRATES (sizeof(rate_table) / sizeof(rate_table[0]))

unsigned rate_tenths(unsigned code)
{
	return code < NRATES ? rate_table[code] : 0;
}

unsigned rate_code(unsigned tenths)
{
	unsigned best = 2;
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
	if (end == s || *end)
		return -1;
	for (unsigned c = 2; c < NRATES; c++)
		if (rate_table[c] && (unsigned)(g * 10 + 0.5) == rate_table[c])
			return (int)c;
	return -1;
}

unsigned port_rate_tenths(const uint8_t portinfo[64])
{
	unsigned width = mad_get_field(mad_ro(portinfo), 0, IB_PORT_LINK_WIDTH_ACTIVE_F);
	unsigned speed = mad_get_field(mad_ro(portinfo), 0, IB_PORT_LINK_SPEED_ACTIVE_F);
	unsigned lanes = width == 1 ? 1 : width == 2 ? 4 : width == 4 ? 8 : width == 8 ? 12 :
			 width == 16 ? 2 : 0;
	/* SDR, DDR, QDR; the extended speeds (FDR and later) live in other
	 * fields, which ibsim does not model: counted as QDR here. */
	unsigned lane = speed == 1 ? 25 : speed == 2 ? 50 : speed == 4 ? 100 : 0;
	return lanes * lane;
}

unsigned port_mtu(const uint8_t portinfo[64])
{
	return mad_get_field(mad_ro(portinfo), 0, IB_PORT_NEIGHBOR_MTU_F);
}
