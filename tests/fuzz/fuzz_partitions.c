/* fuzz_partitions: any bytes as partitions.conf, read as smd reads it at
 * start and at SIGHUP: partitions or an error naming file:line, never a
 * crash, a hang or a leak; what it accepts always holds the default
 * partition first and no P_Key twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "log.h"
#include "prtn_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct prtn_conf c;
	char err[256];

	if (!ready) {
		log_init("fuzz_partitions", 1, LOG_LVL_ERR);
		ready = 1;
	}
	const char *path = fuzz_file("fuzz_partitions.conf", data, size);
	if (!path)
		return 0;
	if (prtn_conf_load(path, &c, err, sizeof(err)) < 0) {
		size_t n = strlen(path);
		/* "PATH:LINE: what", or "PATH: why" for the file itself */
		if (strncmp(err, path, n) != 0 || err[n] != ':' || c.n != 0)
			abort();
		return 0;
	}
	if (!c.n || c.p[0].pkey != PRTN_DEFAULT_PKEY || !c.from_file)
		abort();
	for (unsigned i = 0; i < c.n; i++) {
		if (!c.p[i].pkey || c.p[i].pkey > 0x7fff)
			abort();
		for (unsigned j = i + 1; j < c.n; j++)
			if (c.p[i].pkey == c.p[j].pkey)
				abort();
		for (unsigned r = 0; r < c.p[i].nrules; r++)
			if (c.p[i].rules[r].mship != PM_LIMITED && c.p[i].rules[r].mship != PM_FULL)
				abort();
	}
	prtn_conf_free(&c);
	return 0;
}
