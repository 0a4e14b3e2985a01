/* config: smd.conf (INI, read with inih) into a validated struct. */
#ifndef SMD_CONFIG_H
#define SMD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "log.h"
#include "route.h"

#define CFG_PATH_MAX 512
#define CFG_MAX_ROOTS 64
#define CFG_DEFAULT_SOCKET "/run/smd/smd.sock"  /* smd's and smctl's */
#define CFG_DEFAULT_IMPORT "/var/cache/opensm/guid2lid" /* OpenSM's cache_dir */
#ifndef SMD_DEFAULT_PARTITIONS
#define SMD_DEFAULT_PARTITIONS "/etc/smd/partitions.conf"
#endif

struct smd_config {
	/* [sm] */
	int priority;                 /* 0..15, default 0 */
	char port[CFG_PATH_MAX];      /* "" = first IB port whose link is up; "CA:PORT" or "0x<guid>" */
	char state_dir[CFG_PATH_MAX]; /* default /var/lib/smd */
	char import_guid2lid[CFG_PATH_MAX]; /* OpenSM's LID map to import; "" = none */
	unsigned sweep_interval;      /* seconds, 0 = off, default 10, max 86400 */
	uint64_t sm_key;              /* default 0x1 (OpenSM's default) */
	uint64_t m_key;               /* every port's M_Key and every SMP's; 0 = none (default) */
	unsigned m_key_protect_bits;  /* 0..3, default 0 (OpenSM's) */
	unsigned m_key_lease_period;  /* s, 0..65535, default 0 = the protection never lapses */
	unsigned poll_interval_ms;    /* standby polling period, default 300, 50..60000 */
	unsigned poll_retries;        /* misses before takeover, default 3, 1..100 */
	unsigned master_timeout;      /* s a slow master (port answers, SM not) is waited for, default 10 */
	unsigned port_watch_ms;       /* own-port watch period, default 500, 50..10000 */
	int preempt;                  /* hand over to a better SM that joins; default yes */
	char control_socket[CFG_PATH_MAX]; /* smctl's socket; default /run/smd/smd.sock */
	unsigned audit_budget;        /* SMPs the audit reads a light sweep, 0 = off, default 1024 */
	int reenable_ports;           /* enable a port Disabled behind our back; default yes */
	/* [mad] */
	unsigned mad_window;          /* outstanding SMPs, default 32, 1..256 */
	unsigned mad_timeout_ms;      /* per attempt, default 200, 10..10000 */
	unsigned mad_retries;         /* default 3, 0..20 */
	/* [routing] */
	enum rt_engine route_engine;  /* default auto */
	uint64_t roots[CFG_MAX_ROOTS];/* up/down roots; none = chosen automatically */
	unsigned nroots;
	/* [ipoib] */
	unsigned ipoib_mtu;           /* MTU code of the broadcast group; 0 = auto */
	unsigned ipoib_rate;          /* rate code of the broadcast group; 0 = auto */
	/* [partitions] */
	char partitions_file[CFG_PATH_MAX]; /* OpenSM-syntax partitions.conf; "" = none */
	/* [log] */
	enum log_level log_level;     /* default info */
	/* [metrics] */
	char metrics_listen[CFG_PATH_MAX]; /* "ADDRESS:PORT" of the HTTP endpoint; "" = off */
};

void cfg_defaults(struct smd_config *cfg);

/*
 * Read path into *cfg (which the caller has filled with defaults).
 * Returns 0 on success; -1 with err holding one line such as
 *   "/etc/smd/smd.conf:7: key 'priority': '16' is out of range 0..15"
 *   "/etc/smd/smd.conf:3: unknown section [foo]"
 *   "/etc/smd/smd.conf: cannot open: No such file or directory"
 * On error *cfg is left unchanged (parse into a copy, commit on success).
 */
int cfg_load(const char *path, struct smd_config *cfg, char *err, size_t errlen);

/* Parse "IPv4:PORT" or "[IPv6]:PORT" (a numeric address, port 1..65535;
 * the [metrics] listen key) into addr (a literal for inet_pton) and port.
 * Returns 0 ok, -1 bad. */
int cfg_parse_listen(const char *s, char *addr, size_t addrlen, unsigned *port);

/* Parse "CA:PORT" or "0x<guid>" (the [sm] port key). Returns 0 ok, -1 bad. */
int cfg_parse_port(const char *s, char *ca, size_t calen, int *portnum, uint64_t *guid);

#endif
