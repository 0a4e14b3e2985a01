/* Unit tests for lib/prtn_conf.c (partitions.conf as OpenSM reads it) and
 * lib/pkey.c (P_Key tables as OpenSM places them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pkey.h"
#include "prtn_conf.h"

#define SM 0x0002c90300000001ull
#define H2 0x0002c90300000002ull
#define H3 0x0002c90300000003ull
#define SWG 0x0002c903000000f0ull

static void parse_ok(const char *text, struct prtn_conf *c)
{
	char err[256] = "";
	int rc = prtn_conf_parse(text, strlen(text), "p.conf", c, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

static void expect_error(const char *text, const char *want)
{
	struct prtn_conf c;
	char err[256] = "";
	assert_int_equal(prtn_conf_parse(text, strlen(text), "p.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(c.n, 0);
}

static enum prtn_mship mof(const struct prtn_conf *c, uint16_t pkey, uint64_t guid, int sw)
{
	const struct prtn *p = prtn_conf_find(c, pkey);
	assert_non_null(p);
	return prtn_conf_member(p, guid, sw, SM);
}

/* No file: Default, everyone full, with its IPoIB group. */
static void test_no_file(void **state)
{
	struct prtn_conf c;
	(void)state;
	prtn_conf_default(&c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.p[0].pkey, 0x7fff);
	assert_true(c.p[0].ipoib);
	assert_int_equal(mof(&c, 0x7fff, H2, 0), PM_FULL);
	assert_int_equal(mof(&c, 0x7fff, SWG, 1), PM_FULL);
	prtn_conf_free(&c);
}

/* A file that does not mention Default: everyone limited, the SM full,
 * and no IPoIB group for it (OpenSM makes it only when the file says so). */
static void test_default_implicit(void **state)
{
	struct prtn_conf c;
	(void)state;
	parse_ok("storage=0x8001 : 0x0002c90300000002=full ;\n", &c);
	assert_int_equal(c.n, 2);
	assert_false(c.p[0].ipoib);
	assert_int_equal(mof(&c, 0x7fff, H2, 0), PM_LIMITED);
	assert_int_equal(mof(&c, 0x7fff, SM, 0), PM_FULL);
	assert_int_equal(mof(&c, 0x0001, H2, 0), PM_FULL);
	assert_int_equal(mof(&c, 0x8001, H3, 0), PM_NONE);
	assert_string_equal(c.p[1].name, "storage");
	assert_int_equal(c.p[1].pkey, 0x0001);
	assert_int_equal(c.p[1].line, 1);
	prtn_conf_free(&c);
}

/* The usual file: Default with mtu=5, a 4K tenant partition, limited
 * members, comments, a definition over several lines. */
static void test_real_file(void **state)
{
	struct prtn_conf c;
	(void)state;
	parse_ok("# site partitions\n"
		 "Default=0x7fff, ipoib, mtu=5 : ALL=full ;   # 4K IPoIB\n"
		 "\n"
		 "tenant1 = 0x8001, ipoib, mtu=4, rate=7, sl=1, scope=2, scope=5, defmember=full :\n"
		 "    0x0002c90300000002,\n"
		 "    0x0002c90300000003=limited,  # a client\n"
		 "    ALL_SWITCHES=full ;\n", &c);
	assert_int_equal(c.n, 2);
	const struct prtn *d = prtn_conf_find(&c, 0xffff);
	assert_non_null(d);
	assert_string_equal(d->name, "Default");
	assert_true(d->ipoib);
	assert_int_equal(d->mtu, 5);
	assert_int_equal(mof(&c, 0x7fff, H3, 0), PM_FULL);
	const struct prtn *t = prtn_conf_find(&c, 0x8001);
	assert_non_null(t);
	assert_int_equal(t->line, 4);
	assert_int_equal(t->mtu, 4);
	assert_int_equal(t->rate, 7);
	assert_int_equal(t->sl, 1);
	assert_int_equal(t->scope_mask, (1 << 2) | (1 << 5));
	assert_int_equal(mof(&c, 0x0001, H2, 0), PM_FULL);      /* defmember=full */
	assert_int_equal(mof(&c, 0x0001, H3, 0), PM_LIMITED);
	assert_int_equal(mof(&c, 0x0001, SWG, 1), PM_FULL);
	assert_int_equal(mof(&c, 0x0001, SM, 0), PM_NONE);
	prtn_conf_free(&c);
}

/* Several definitions of one P_Key merge: the first name and group flags
 * stay, members add up, the last rule naming a port wins (OpenSM's
 * "ShareIO" example in opensm(8)). */
static void test_merge(void **state)
{
	struct prtn_conf c;
	(void)state;
	parse_ok("ShareIO = 0x80 , defmember=full : 0x123451, 0x123452;\n"
		 "ShareIO = 0x80 : 0x123453, 0x123455=full;\n"
		 "Other = 0x80, ipoib, mtu=4 : ALL_CAS=limi, 0x123452=both;\n"
		 "YetAnotherOne = 0x300 : SELF=full ;\n"
		 "YetAnotherOne = 0x300 : ALL=limited ;\n"
		 "0x301 : NONE ;", &c);
	assert_int_equal(c.n, 4);
	const struct prtn *p = prtn_conf_find(&c, 0x80);
	assert_string_equal(p->name, "ShareIO");
	assert_true(p->ipoib);
	assert_int_equal(p->mtu, 4);
	assert_int_equal(mof(&c, 0x80, 0x123451, 0), PM_LIMITED);  /* ALL_CAS=limi came later */
	assert_int_equal(mof(&c, 0x80, 0x123452, 0), PM_FULL);     /* both = full */
	assert_int_equal(mof(&c, 0x80, 0x123453, 1), PM_LIMITED);
	assert_int_equal(mof(&c, 0x80, 0x123455, 1), PM_FULL);
	assert_int_equal(mof(&c, 0x300, SM, 0), PM_LIMITED);       /* ALL=limited after SELF */
	assert_int_equal(prtn_conf_find(&c, 0x301)->nrules, 0);
	assert_string_equal(prtn_conf_find(&c, 0x301)->name, "");
	prtn_conf_free(&c);
}

/* The file's Default rules come after OpenSM's implicit ALL=limited, SELF=full. */
static void test_default_rules_after_implicit(void **state)
{
	struct prtn_conf c;
	(void)state;
	parse_ok("Default=0x7fff : ALL_CAS=full ;", &c);
	assert_int_equal(mof(&c, 0x7fff, H2, 0), PM_FULL);
	assert_int_equal(mof(&c, 0x7fff, SWG, 1), PM_LIMITED);
	assert_int_equal(mof(&c, 0x7fff, SM, 0), PM_FULL);
	prtn_conf_free(&c);
}

static void test_refused(void **state)
{
	(void)state;
	expect_error("a=0x10 : ALL_ROUTERS=full ;", "p.conf:1: ALL_ROUTERS is not supported by smd "
		     "(it serves no routers)");
	expect_error("Default=0x7fff, ipoib :\n  mgid=ff12:401b::0707,sl=1\n  ALL=full;",
		     "p.conf:2: mgid lines (groups made from partitions.conf) are not supported by smd");
	expect_error("\n\nx=0x10, indx0 : ALL;", "p.conf:3: flag 'indx0' is not supported by smd "
		     "(the default partition is at index 0)");
	expect_error("x : ALL;", "p.conf:1: partition 'x' has no P_Key (smd does not generate "
		     "them: write Name=0x8001)");
	expect_error("x=0x8000 : ALL;", "p.conf:1: P_Key '0x8000' has no partition bits "
		     "(0x0000 and 0x8000 are invalid)");
	expect_error("x=0x10000 : ALL;", "p.conf:1: P_Key '0x10000' is not a number 0x0001..0xffff");
	expect_error("x=0x10, mtu=6 : ALL;", "p.conf:1: flag 'mtu': '6' is not a number in 1..5 "
		     "(IBA MTU code: 4 = 2048, 5 = 4096)");
	expect_error("x=0x10, mtu : ALL;", "p.conf:1: flag 'mtu' needs a value");
	expect_error("x=0x10, mcast : ALL;", "p.conf:1: unknown flag 'mcast' (smd knows ipoib, mtu, "
		     "rate, sl, scope, Q_Key, TClass, FlowLabel, defmember)");
	expect_error("x=0x10 : 0x1=fulll;", "p.conf:1: membership 'fulll' is not full, limited or both");
	expect_error("x=0x10 : ALL,\n host7 ;", "p.conf:2: 'host7' is not a port GUID (0x...) nor ALL, "
		     "ALL_CAS, ALL_SWITCHES, SELF");
	expect_error("x=0x10 ALL;", "p.conf:1: no ':' between the partition definition and its members");
	expect_error("x=0x10 : defmember=limited : 0x1;",
		     "p.conf:1: a second ':' in one definition (missing ';'?)");
	expect_error("x=0x10, defmember=most : 0x1;",
		     "p.conf:1: defmember: 'most' is not full, limited or both");
	expect_error("x=0x10 : 0x1\x01;", "p.conf:1: control character 0x01 (not a text file?)");
	expect_error("x=0x10 : 0;", "p.conf:1: '0' is not a port GUID (0x...) nor ALL, ALL_CAS, "
		     "ALL_SWITCHES, SELF");
}

/* Blanks around every delimiter, a last definition without ';', empty
 * members, comments with ';' in them. */
static void test_lenient_like_opensm(void **state)
{
	struct prtn_conf c;
	(void)state;
	parse_ok("  p1\t=\t0x0a ,\tipoib\t:\tALL_CAS ,  , 0x2 = full ; # x ; y\n"
		 ";;\n"
		 "p2=11:SELF=full", &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(mof(&c, 0x0a, 0x2, 0), PM_FULL);
	assert_int_equal(mof(&c, 0x0a, H3, 0), PM_LIMITED);
	assert_int_equal(mof(&c, 11, SM, 0), PM_FULL);
	prtn_conf_free(&c);
}

static void test_load_missing(void **state)
{
	struct prtn_conf c;
	char err[256];
	(void)state;
	assert_int_equal(prtn_conf_load("/nonexistent/partitions.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/partitions.conf: cannot open: No such file or directory");
	assert_int_equal(prtn_conf_load("/dev/null", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/null: not a regular file");
}

/* A port's keys in OpenSM's order: its partition map is keyed by the P_Key
 * in network byte order, so 0x0100 comes before 0x0001. */
static void test_pkey_want_order(void **state)
{
	struct prtn_conf c;
	uint16_t k[8];
	(void)state;
	parse_ok("a=0x0002 : ALL ;\nb=0x0100 : ALL=full ;\nc=0x8001 : 0x0002c90300000002=full ;\n"
		 "d=0x0003 : 0x99=full ;\n", &c);
	assert_int_equal(pkey_want(&c, H2, 0, SM, k, 8), 4);
	assert_int_equal(k[0], 0x8100);
	assert_int_equal(k[1], 0x8001);
	assert_int_equal(k[2], 0x0002);
	assert_int_equal(k[3], 0x7fff);   /* Default: limited, not the SM */
	assert_int_equal(pkey_want(&c, SM, 0, SM, k, 8), 3);
	assert_int_equal(k[2], 0xffff);
	/* room for two: the first two in that order, whatever the file's */
	assert_int_equal(pkey_want(&c, H2, 0, SM, k, 2), 2);
	assert_int_equal(k[0], 0x8100);
	assert_int_equal(k[1], 0x8001);
	prtn_conf_free(&c);
}

/* A fresh port (ibsim's and most firmware's: 0xFFFF at 0): the default key
 * at index 0, the others after it in order. */
static void test_pkey_place_fresh(void **state)
{
	uint16_t cur[64] = { 0xffff }, out[64];
	const uint16_t want[] = { 0x8100, 0x8001, 0x0002, 0x7fff };
	(void)state;
	assert_int_equal(pkey_place(cur, want, 4, 64, 0, out), 0);
	assert_int_equal(out[0], 0x7fff);
	assert_int_equal(out[1], 0x8100);
	assert_int_equal(out[2], 0x8001);
	assert_int_equal(out[3], 0x0002);
	for (int i = 4; i < 64; i++)
		assert_int_equal(out[i], 0);
}

/* Keys the port holds keep their index (a failover moves nothing); a
 * new one goes after the highest in use; gone ones leave a hole. */
static void test_pkey_place_keeps(void **state)
{
	uint16_t cur[64] = { 0xffff, 0x8005, 0, 0x0002, 0x8009 }, out[64];
	const uint16_t want[] = { 0x8001, 0x8002, 0x8005, 0xffff };
	(void)state;
	assert_int_equal(pkey_place(cur, want, 4, 64, 0, out), 0);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(out[1], 0x8005);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 0x8002);     /* full now, same index */
	assert_int_equal(out[4], 0x8001);     /* after the highest index kept (0x8009 gone) */
	assert_int_equal(out[5], 0);
}

/* What smd wrote itself: a key removed leaves its index empty for now,
 * the new one goes after it (a running OpenSM does the same). */
static void test_pkey_place_own(void **state)
{
	uint16_t cur[64] = { 0xffff, 0x8001, 0x8003 }, out[64];
	const uint16_t want[] = { 0x8002, 0x8003, 0xffff };
	(void)state;
	assert_int_equal(pkey_place(cur, want, 3, 64, 1, out), 0);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0x8003);
	assert_int_equal(out[3], 0x8002);
	/* read from the port (a new master): the key's old index is free */
	const uint16_t cur2[64] = { 0xffff, 0, 0x8003 };
	assert_int_equal(pkey_place(cur2, want, 3, 64, 0, out), 0);
	assert_int_equal(out[3], 0x8002);
	const uint16_t want3[] = { 0x8002, 0xffff };
	assert_int_equal(pkey_place(cur, want3, 2, 64, 0, out), 0);
	assert_int_equal(out[1], 0x8002);
}

/* The default key only at 0, nothing else there. */
static void test_pkey_place_default_moves(void **state)
{
	uint16_t cur[8] = { 0x8001, 0x7fff }, out[8];
	const uint16_t want[] = { 0x8001, 0xffff };
	(void)state;
	assert_int_equal(pkey_place(cur, want, 2, 8, 0, out), 0);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(out[1], 0x8001);
}

/* Capacity: past the end, the first free entry; then keys are left out. */
static void test_pkey_place_full(void **state)
{
	uint16_t cur[4] = { 0xffff, 0, 0x8003, 0x8004 }, out[4];
	const uint16_t want[] = { 0x8001, 0x8002, 0x8003, 0x8004, 0xffff };
	(void)state;
	assert_int_equal(pkey_place(cur, want, 5, 4, 0, out), 1);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(out[1], 0x8001);
	assert_int_equal(out[2], 0x8003);
	assert_int_equal(out[3], 0x8004);
}

/* The switch port facing a CA: the CA's keys packed from 0. */
static void test_pkey_peer(void **state)
{
	const uint16_t ca[6] = { 0xffff, 0, 0x8001, 0, 0x0002, 0 };
	uint16_t out[8];
	(void)state;
	assert_int_equal(pkey_peer(ca, 6, 8, out), 0);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(out[1], 0x8001);
	assert_int_equal(out[2], 0x0002);
	assert_int_equal(out[3], 0);
	assert_int_equal(pkey_peer(ca, 6, 2, out), 1);
	assert_int_equal(out[1], 0x8001);
}

/* The memory: end ports by GUID, switch ports by node GUID and number. */
static void test_pkey_memory(void **state)
{
	struct pkey_memory m;
	const uint16_t a[32] = { 0xffff, 0x8001 }, b[32] = { 0x7fff };
	(void)state;
	pkey_memory_init(&m);
	assert_null(pkey_shadow_get(&m, H2, 0, 0));
	pkey_shadow_put(&m, H2, 0, 0, a, 32);
	pkey_shadow_put(&m, SWG, 40, 1, b, 32);
	pkey_shadow_put(&m, SWG, 3, 1, a, 32);
	assert_int_equal(pkey_shadow_get(&m, H2, 0, 0)->keys[1], 0x8001);
	assert_int_equal(pkey_shadow_get(&m, SWG, 40, 1)->keys[0], 0x7fff);
	assert_int_equal(pkey_shadow_get(&m, SWG, 3, 1)->keys[0], 0xffff);
	assert_null(pkey_shadow_get(&m, SWG, 4, 1));
	assert_null(pkey_shadow_get(&m, SWG, 0, 0));
	pkey_shadow_forget(&m, SWG, 40, 1);
	assert_null(pkey_shadow_get(&m, SWG, 40, 1));
	pkey_shadow_forget(&m, H2, 0, 0);
	assert_null(pkey_shadow_get(&m, H2, 0, 0));
	pkey_memory_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_default_implicit),
		cmocka_unit_test(test_real_file),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_default_rules_after_implicit),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_lenient_like_opensm),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_pkey_want_order),
		cmocka_unit_test(test_pkey_place_fresh),
		cmocka_unit_test(test_pkey_place_keeps),
		cmocka_unit_test(test_pkey_place_own),
		cmocka_unit_test(test_pkey_place_default_moves),
		cmocka_unit_test(test_pkey_place_full),
		cmocka_unit_test(test_pkey_peer),
		cmocka_unit_test(test_pkey_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
