/* fuzz_config: any bytes as smd.conf, read as smd reads its file at start
 * and at SIGHUP: a configuration or an error naming file:line, never a
 * crash, a hang or a leak. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fuzz_file.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct smd_config c;
	char err[256];

	if (!ready) {
		log_init("fuzz_config", 1, LOG_LVL_ERR);
		ready = 1;
	}
	const char *path = fuzz_file("fuzz_config.conf", data, size);
	if (!path)
		return 0;
	cfg_defaults(&c);
	cfg_load(path, &c, err, sizeof(err));
	return 0;
}
