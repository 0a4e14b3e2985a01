/* rate: link rates from PortInfo (every width and speed, the capability
 * bits that make the extended fields valid), the speed order of the IBA
 * rate codes, and parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <infiniband/mad.h>
#include "fabric.h"
#include "rate.h"
#include "sfield.h"

enum { SDR, DDR, QDR, FDR, EDR, HDR, NDR, XDR, NSPEEDS };
static const unsigned widths[] = { 1, 16, 2, 4, 8 };  /* 1x 2x 4x 8x 12x */
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))

/* IBA table 271, by speed and width (1x 2x 4x 8x 12x); 8x and 12x XDR
 * (1600, 2400 Gb/s) have no code: the fastest, 1200, stands for them. */
static const unsigned want[NSPEEDS][NWIDTHS] = {
	[SDR] = { 2, 5, 3, 6, 4 },       /* 2.5 5 10 20 30 */
	[DDR] = { 5, 3, 6, 7, 8 },       /* 5 10 20 40 60 */
	[QDR] = { 3, 6, 7, 9, 10 },      /* 10 20 40 80 120 */
	[FDR] = { 11, 19, 12, 13, 14 },  /* 14 28 56 112 168 */
	[EDR] = { 15, 20, 16, 17, 18 },  /* 25 50 100 200 300 */
	[HDR] = { 20, 16, 17, 21, 22 },  /* 50 100 200 400 600 */
	[NDR] = { 16, 17, 21, 23, 24 },  /* 100 200 400 800 1200 */
	[XDR] = { 17, 21, 23, 24, 24 },  /* 200 400 800 (1600 2400) */
};

#define CAP_EXT (1u << 14)
#define CAP_HAS_CAP2 (1u << 15)
#define CAP2_EXT2 (1u << 11)
#define PI_EXT2_ACTIVE SF(56, 1, 2)

/* A PortInfo of an active link at `speed` and LinkWidthActive `w`, with the
 * capability bits the speed needs (and, when `all_caps`, all of them). */
static void portinfo(uint8_t pi[64], unsigned speed, unsigned w, int all_caps)
{
	static const unsigned ext[] = { [FDR] = 1, [EDR] = 2, [HDR] = 4, [NDR] = 8 };
	uint32_t cap = all_caps ? CAP_EXT | CAP_HAS_CAP2 : 0;

	memset(pi, 0, 64);
	mad_set_field(pi, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, w);
	/* Extended speeds run with LinkSpeedActive QDR, as real ports show. */
	mad_set_field(pi, 0, IB_PORT_LINK_SPEED_ACTIVE_F, speed == SDR ? 1 : speed == DDR ? 2 : 4);
	if (speed >= FDR && speed <= NDR) {
		mad_set_field(pi, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, ext[speed]);
		cap |= CAP_EXT;
	}
	if (speed == XDR) {
		sf_set(pi, PI_EXT2_ACTIVE, 1);
		/* what an XDR port shows in the older field: none of its values */
		mad_set_field(pi, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, 0);
		cap |= CAP_EXT | CAP_HAS_CAP2;
		mad_set_field(pi, 0, IB_PORT_CAPMASK2_F, CAP2_EXT2);
	}
	if (all_caps)
		mad_set_field(pi, 0, IB_PORT_CAPMASK2_F, CAP2_EXT2);
	mad_set_field(pi, 0, IB_PORT_CAPMASK_F, cap);
}

static void test_every_width_and_speed(void **st)
{
	uint8_t pi[64];
	(void)st;
	for (unsigned s = 0; s < NSPEEDS; s++)
		for (unsigned w = 0; w < NWIDTHS; w++) {
			portinfo(pi, s, widths[w], 0);
			assert_int_equal(rate_port(pi, pi), want[s][w]);
			/* every capability bit set changes nothing */
			portinfo(pi, s, widths[w], 1);
			assert_int_equal(rate_port(pi, pi), want[s][w]);
		}
}

/* Without the capability bits the extended fields are not valid: ignored. */
static void test_ext_fields_need_capability(void **st)
{
	uint8_t pi[64], cap[64] = { 0 };
	(void)st;
	portinfo(pi, HDR, 2, 0);
	assert_int_equal(rate_port(pi, cap), 7);   /* 4x QDR, not 4x HDR */
	assert_int_equal(rate_port(pi, NULL), 7);
	portinfo(pi, XDR, 2, 0);
	mad_set_field(pi, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, 8);  /* NDR too */
	assert_int_equal(rate_port(pi, pi), 23);   /* XDR first */
	mad_set_field(pi, 0, IB_PORT_CAPMASK2_F, 0);
	assert_int_equal(rate_port(pi, pi), 21);   /* no ExtSpeeds2: NDR */
	mad_set_field(pi, 0, IB_PORT_CAPMASK2_F, CAP2_EXT2);
	mad_set_field(pi, 0, IB_PORT_CAPMASK_F, CAP_EXT);
	assert_int_equal(rate_port(pi, pi), 21);   /* no CapabilityMask2 at all */
	mad_set_field(pi, 0, IB_PORT_CAPMASK_F, 0);
	assert_int_equal(rate_port(pi, pi), 7);    /* neither */
	/* unknown width or speed: nothing usable */
	portinfo(pi, EDR, 3, 0);
	assert_int_equal(rate_port(pi, pi), 0);
	portinfo(pi, QDR, 2, 0);
	mad_set_field(pi, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 0);
	assert_int_equal(rate_port(pi, pi), 0);
	/* an unknown extended value falls back to LinkSpeedActive (OpenSM) */
	portinfo(pi, EDR, 2, 0);
	mad_set_field(pi, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, 3);
	assert_int_equal(rate_port(pi, pi), 7);
}

/* A switch's external ports have reserved capability masks: port 0's speak
 * for them. */
static void test_switch_ports_use_port0_caps(void **st)
{
	struct fab_port ports[3];
	struct fab_node sw = { .type = 2, .nports = 2, .ports = ports }, ca = { .type = 1, .nports = 2,
										 .ports = ports };
	(void)st;
	memset(ports, 0, sizeof(ports));
	for (int i = 0; i < 3; i++) {
		ports[i].node = &sw;
		ports[i].num = (uint8_t)i;
	}
	portinfo(ports[0].info, SDR, 2, 0);
	mad_set_field(ports[0].info, 0, IB_PORT_CAPMASK_F, CAP_EXT);
	portinfo(ports[1].info, EDR, 2, 0);
	mad_set_field(ports[1].info, 0, IB_PORT_CAPMASK_F, 0);
	ports[1].have_info = 1;
	assert_int_equal(rate_fab_port(&ports[1]), 7);   /* port 0 not read yet */
	assert_false(rate_port_ext_speeds(&ports[1]));
	ports[0].have_info = 1;
	assert_int_equal(rate_fab_port(&ports[1]), 16);  /* 4x EDR */
	assert_true(rate_port_ext_speeds(&ports[1]));
	assert_ptr_equal(rate_port_caps(&ports[1]), ports[0].info);
	/* a CA port's own mask */
	ports[1].node = &ca;
	assert_int_equal(rate_fab_port(&ports[1]), 7);
	assert_false(rate_port_ext_speeds(&ports[1]));
	assert_ptr_equal(rate_port_caps(&ports[1]), ports[1].info);
}

/* Every code, slowest first: the data each carries (64b/66b from 11 on),
 * the order of OpenSM's ordered_rates. */
static const unsigned order[] = { 2, 5, 3, 11, 6, 4, 15, 19, 7, 8, 20, 12,
				  9, 10, 16, 13, 14, 17, 18, 21, 22, 23, 24 };
#define NORDER (sizeof(order) / sizeof(order[0]))

static void test_speed_order(void **st)
{
	(void)st;
	for (unsigned i = 0; i < NORDER; i++) {
		assert_true(rate_rank(order[i]) > 0);
		if (i)
			assert_true(rate_rank(order[i - 1]) < rate_rank(order[i]));
		assert_int_equal(rate_below(order[i]), i ? order[i - 1] : 0);
		for (unsigned j = 0; j < NORDER; j++)
			assert_int_equal(rate_min(order[i], order[j]), order[i < j ? i : j]);
		assert_int_equal(rate_min(order[i], 0), order[i]);
		assert_int_equal(rate_min(0, order[i]), order[i]);
		assert_int_equal(rate_min(order[i], 25), order[i]);  /* unknown code */
	}
	for (unsigned c = 0; c < 64; c++) {
		int known = c >= 2 && c <= 24;
		assert_int_equal(rate_rank(c) != 0, known);
		assert_int_equal(rate_tenths(c) != 0, known);
	}
	/* the classic traps: 12x QDR below 4x EDR, 4x FDR above 12x DDR */
	assert_true(rate_rank(10) < rate_rank(16));
	assert_true(rate_rank(12) > rate_rank(8));
	assert_true(rate_rank(11) < rate_rank(7));
}

static void test_code_and_parse(void **st)
{
	static const char *names[] = { [2] = "2.5", [3] = "10", [4] = "30", [5] = "5",
		[6] = "20", [7] = "40", [8] = "60", [9] = "80", [10] = "120", [11] = "14",
		[12] = "56", [13] = "112", [14] = "168", [15] = "25", [16] = "100",
		[17] = "200", [18] = "300", [19] = "28", [20] = "50", [21] = "400",
		[22] = "600", [23] = "800", [24] = "1200" };
	(void)st;
	for (unsigned c = 2; c <= 24; c++) {
		assert_int_equal(rate_parse(names[c]), (int)c);
		assert_int_equal(rate_code(rate_tenths(c)), c);
		assert_int_equal(rate_code(rate_tenths(c) + 1), c);  /* no two rates 0.1 apart */
		assert_true(rate_code(rate_tenths(c) - 1) != c);
	}
	assert_int_equal(rate_code(24), 0);
	assert_int_equal(rate_code(24000), 24);
	assert_int_equal(rate_code(1500), 10);  /* between 120 and 140: 120 */
	assert_int_equal(rate_parse("auto"), 0);
	static const char *bad[] = { "", "11", "0", "-10", "1e30", "nan", "40x", "1600" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rate_parse(bad[i]), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_width_and_speed),
		cmocka_unit_test(test_ext_fields_need_capability),
		cmocka_unit_test(test_switch_ports_use_port0_caps),
		cmocka_unit_test(test_speed_order),
		cmocka_unit_test(test_code_and_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
