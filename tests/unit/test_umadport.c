/* umadport: choosing the port and its SMI/GSI devices from a fake sysfs
 * tree: an ordinary HCA, a split (planarized) port whose GUID appears on
 * an SMI device and, with IsSMDisabled, on the ordinary one, and a split
 * port with two planes (ports 1 and 2 of both devices, one GUID). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "log.h"
#include "link.h"
#include "umadport.h"

static char root[256];

static void put(const char *ca, int port, const char *name, const char *val)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/class/infiniband/%s/ports/%d/gids", root, ca, port);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/class/infiniband/%s/ports/%d/%s", root, ca, port, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void port(const char *ca, int p, const char *guid, const char *capmask, int up)
{
	char gid[64];
	snprintf(gid, sizeof(gid), "fe80:0000:0000:0000:%s", guid);
	put(ca, p, "gids/0", gid);
	put(ca, p, "cap_mask", capmask);
	put(ca, p, "phys_state", up ? "5: LinkUp" : "2: Polling");
	put(ca, p, "link_layer", "InfiniBand");
}

static int setup(void **st)
{
	(void)st;
	snprintf(root, sizeof(root), "/tmp/smd-test-sysfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	/* an ordinary dual-port HCA, port 1 without a cable */
	port("mlx5_0", 1, "0002:c903:0000:1001", "0x2651e848", 0);
	port("mlx5_0", 2, "0002:c903:0000:1002", "0x2651e848", 1);
	/* a split port: GSI on mlx5_1 (IsSMDisabled), SMI on smi0 */
	port("mlx5_1", 1, "0002:c903:0000:2001", "0x2651ec48", 1);
	port("smi0", 1, "0002:c903:0000:2001", "0x2651e848", 1);
	/* two planes of one split port: SMI on smi1, GSI on mlx5_3 */
	port("mlx5_3", 1, "0002:c903:0000:4001", "0x2651ec48", 1);
	port("mlx5_3", 2, "0002:c903:0000:4001", "0x2651ec48", 1);
	port("smi1", 1, "0002:c903:0000:4001", "0x2651e848", 1);
	port("smi1", 2, "0002:c903:0000:4001", "0x2651e848", 1);
	/* a RoCE port is never chosen */
	port("mlx5_2", 1, "0002:c903:0000:3001", "0x04010000", 1);
	put("mlx5_2", 1, "link_layer", "Ethernet");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static struct uport_desc ports[16];
static int nports;

static void test_scan(void **st)
{
	(void)st;
	nports = uport_scan(root, ports, 16);
	assert_int_equal(nports, 9);
	assert_string_equal(ports[0].ca, "mlx5_0");
	assert_int_equal(ports[0].port, 1);
	assert_true(ports[0].guid == 0x0002c90300001001ULL);
	assert_int_equal(ports[0].phys_state, 2);
	assert_true(ports[2].capmask & CAPMASK_IS_SM_DISABLED);
	assert_false(ports[3].is_ib);  /* mlx5_2 */
	assert_string_equal(ports[6].ca, "smi0");
	assert_int_equal(uport_scan("/nonexistent", ports + 8, 4), -1);
}

static void test_default_port(void **st)
{
	(void)st;
	struct mad_port_spec s;
	uint64_t g;
	/* the first linked port that can run an SM: mlx5_0:2 */
	assert_int_equal(uport_choose(ports, nports, "", &s, &g), 0);
	assert_string_equal(s.ca, "mlx5_0");
	assert_int_equal(s.port, 2);
	assert_string_equal(s.gsi_ca, "");
	assert_true(g == 0x0002c90300001002ULL);
}

static void test_split_port(void **st)
{
	(void)st;
	struct mad_port_spec s;
	uint64_t g;
	/* by GUID, by the GSI device's name, by the SMI device's name: the same pair */
	const char *specs[] = { "0x0002c90300002001", "mlx5_1:1", "smi0:1" };
	for (int i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(uport_choose(ports, nports, specs[i], &s, &g), 0);
		assert_string_equal(s.ca, "smi0");
		assert_int_equal(s.port, 1);
		assert_string_equal(s.gsi_ca, "mlx5_1");
		assert_int_equal(s.gsi_port, 1);
		assert_true(g == 0x0002c90300002001ULL);
	}
}

/* The plane asked for is the plane used: by its SMI port, or by its GSI
 * port (then the SMI port of the same number). */
static void test_planes(void **st)
{
	(void)st;
	struct mad_port_spec s;
	uint64_t g;
	const char *specs[] = { "smi1:2", "mlx5_3:2", "smi1:1", "mlx5_3:1" };
	for (int i = 0; i < 4; i++) {
		int plane = i < 2 ? 2 : 1;
		memset(&s, 0, sizeof(s));
		assert_int_equal(uport_choose(ports, nports, specs[i], &s, &g), 0);
		assert_string_equal(s.ca, "smi1");
		assert_int_equal(s.port, plane);
		assert_string_equal(s.gsi_ca, "mlx5_3");
		assert_int_equal(s.gsi_port, plane);
		assert_true(g == 0x0002c90300004001ULL);
	}
}

static void test_errors(void **st)
{
	(void)st;
	struct mad_port_spec s;
	uint64_t g;
	assert_int_equal(uport_choose(ports, nports, "mlx5_9:1", &s, &g), -1);
	assert_int_equal(uport_choose(ports, nports, "0x1234", &s, &g), -1);
	assert_int_equal(uport_choose(ports, nports, "bogus", &s, &g), -1);
	/* only a RoCE port: nothing to run on */
	assert_int_equal(uport_choose(ports + 3, 1, "", &s, &g), -1);
	/* a GSI half without its SMI half */
	assert_int_equal(uport_choose(ports + 2, 1, "mlx5_1:1", &s, &g), -1);
	/* no link anywhere: the first IB port that can run an SM */
	struct uport_desc down[1] = { ports[0] };
	assert_int_equal(uport_choose(down, 1, "", &s, &g), 0);
	assert_string_equal(s.ca, "mlx5_0");
	assert_int_equal(s.port, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_default_port),
		cmocka_unit_test(test_split_port),
		cmocka_unit_test(test_planes),
		cmocka_unit_test(test_errors),
	};
	log_init("test", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
