/* fuzz_config: any bytes as smd.conf, read as smd reads its file at start
 * and at SIGHUP: a configuration or an error naming file:line, never a
 * crash, a hang or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char path[4096];

static void gone(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smd_config c;
	char err[256];

	if (!path[0]) {
		log_init("fuzz_config", 1, LOG_LVL_ERR);
		const char *tmp = getenv("TMPDIR");
		snprintf(path, sizeof(path), "%s/fuzz_config.%ld.conf", tmp ? tmp : "/tmp", (long)getpid());
		atexit(gone);
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	cfg_defaults(&c);
	cfg_load(path, &c, err, sizeof(err));
	return 0;
}
