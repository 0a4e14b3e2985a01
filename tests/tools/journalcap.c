/* journalcap: a test-only LD_PRELOAD shim standing in for the systemd
 * journal. It defines sd_journal_sendv, the call smd makes to log natively
 * to the journal, and appends each entry it is given to JOURNALCAP_FILE:
 * one FIELD=value line per field, then an empty line (the shape of
 * journalctl -o export without the binary fields). Without JOURNALCAP_FILE
 * it fails as libsystemd does with no journal (-ENOENT), so smd's own
 * fallback to stderr can be tested too. Loaded after the ASan runtime:
 *   LD_PRELOAD="libasan.so:libjournalcap.so:libumad2sim.so" smd -f ...
 * Built for the tests only, never installed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define JCAP_MAX_FIELDS 64

int sd_journal_sendv(const struct iovec *iov, int n);

int sd_journal_sendv(const struct iovec *iov, int n)
{
	static const char nl = '\n';
	struct iovec out[2 * JCAP_MAX_FIELDS + 1];
	const char *path = getenv("JOURNALCAP_FILE");
	int k = 0;

	if (!path || !*path)
		return -ENOENT;
	if (n < 0 || n > JCAP_MAX_FIELDS)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		out[k++] = iov[i];
		out[k++] = (struct iovec){ (void *)&nl, 1 };
	}
	out[k++] = (struct iovec){ (void *)&nl, 1 };
	/* One writev on an O_APPEND file: entries of concurrent threads and of
	 * several processes never interleave. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t w = writev(fd, out, k);
	int e = errno;
	close(fd);
	return w < 0 ? -e : 0;
}
