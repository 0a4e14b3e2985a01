/* prtn_conf: partitions.conf in OpenSM's syntax ("PARTITION CONFIGURATION"
 * in opensm(8)) read into a list of partitions and their member rules (pure:
 * no fabric; prtn_conf_member() says what a given port is). */
#ifndef SMD_PRTN_CONF_H
#define SMD_PRTN_CONF_H

#include <stddef.h>
#include <stdint.h>

#define PRTN_DEFAULT_PKEY 0x7fffu      /* the default partition (base, 15 bits) */
#define PRTN_NAME_MAX 64
#define PRTN_QKEY_IPOIB 0x0b1bu

/* What a member rule names. */
enum prtn_who { PW_ALL, PW_ALL_CAS, PW_ALL_SWITCHES, PW_SELF, PW_GUID };
/* Membership: none, limited (P_Key without the full bit), full.  OpenSM's
 * "both" means full unless allow_both_pkeys (off by default) is set: smd
 * reads it as full. */
enum prtn_mship { PM_NONE = 0, PM_LIMITED = 1, PM_FULL = 2 };

struct prtn_rule {
	uint8_t who;          /* enum prtn_who */
	uint8_t mship;        /* enum prtn_mship: PM_LIMITED or PM_FULL */
	uint64_t guid;        /* PW_GUID */
};

struct prtn {
	char name[PRTN_NAME_MAX];
	uint16_t pkey;        /* 15 bits, never 0 */
	int line;             /* first definition's line (0: smd's implicit default) */
	int ipoib;            /* an IPoIB broadcast group is made for it */
	/* the broadcast group's flags; 0 = not given in the file */
	uint8_t mtu, rate, sl;
	uint8_t sl_set, tclass;
	uint16_t scope_mask;  /* bit s: a group of scope s (none: link-local, 2) */
	uint32_t qkey, flow_label;
	struct prtn_rule *rules; /* in file order: the last rule naming a port wins */
	unsigned nrules, caprules;
};

struct prtn_conf {
	struct prtn *p;       /* in order of first definition */
	unsigned n, cap;
	int from_file;        /* 0: no file (the default partition, ALL=full) */
};

/* The partitions when there is no file: Default=0x7fff, ipoib : ALL=full. */
void prtn_conf_default(struct prtn_conf *c);
/*
 * Parse text[0..len) (named `name` in errors). Returns 0 with *c filled, or
 * -1 with err holding one line "name:LINE: what" and *c empty. As OpenSM
 * does, the default partition always exists: a file that does not define
 * 0x7fff gets Default=0x7fff : ALL=limited, SELF=full, and the rules a file
 * gives 0x7fff come after SELF=full.
 */
int prtn_conf_parse(const char *text, size_t len, const char *name, struct prtn_conf *c,
		    char *err, size_t errlen);
/* Read and parse a file (regular, at most 1 MiB). -1: err says why (a
 * missing file too: the caller decides whether that is an error). */
int prtn_conf_load(const char *path, struct prtn_conf *c, char *err, size_t errlen);
/* [partitions] file: "" means none; a missing file at the built-in
 * default path means none too (the default partition, everyone full); any
 * other file must be there and be right. */
int prtn_conf_read(const char *path, const char *default_path, struct prtn_conf *c, char *err,
		   size_t errlen);
void prtn_conf_free(struct prtn_conf *c);

const struct prtn *prtn_conf_find(const struct prtn_conf *c, uint16_t pkey);
/* What port `guid` (of a switch or not) is in p, the SM's port being sm_guid. */
enum prtn_mship prtn_conf_member(const struct prtn *p, uint64_t guid, int is_switch,
				 uint64_t sm_guid);
const char *prtn_mship_name(enum prtn_mship m);

#endif
