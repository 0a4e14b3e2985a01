/* kumad: a test-only LD_PRELOAD shim that makes libumad2sim behave like the
 * kernel's umad device where it matters to an SM. Loaded in front of it:
 *   LD_PRELOAD="libkumad.so libumad2sim.so" smd ...
 * It wraps libibumad's umad_* entry points (and open, close, sigaction)
 * with dlsym(RTLD_NEXT) and enforces what ib_umad does and libumad2sim
 * does not:
 *   - agents: a second agent for the same class, version and method on one
 *     port is refused (EINVAL), across processes too (a registry file per
 *     SIM_HOST in KUMAD_DIR);
 *   - issm is exclusive: opening it O_NONBLOCK while another process holds
 *     it fails with EAGAIN (a lock file per SIM_HOST in KUMAD_DIR);
 *   - a request sent with timeout_ms > 0 that gets no response within it
 *     comes back as its header with status ETIMEDOUT (110); a response
 *     arriving after that (or for no request) is dropped;
 *   - a non-RMPP MAD longer than 256 bytes is refused (EINVAL);
 *   - a received TrapRepress never reaches an agent (mlx5 swallows them).
 * Triggers, all optional:
 *   KUMAD_DIR=dir        where the registry and lock files live (default .)
 *   KUMAD_GONE=path      once path exists the device is gone: umad_recv and
 *                        umad_send fail with EIO for good
 *   KUMAD_BIG=path       when path appears it is removed and a MAD of
 *                        KUMAD_BIG_LEN bytes (default 1024) is queued at the
 *                        head: umad_recv with a smaller buffer fails with
 *                        ENOSPC and the length needed, and keeps it queued
 *   KUMAD_DROP=attr[:n]  drop the first n (default all) responses with this
 *                        attribute ID (hex): their sends time out
 *   KUMAD_EINTR=1        a caught signal that this receiving thread does not
 *                        block ends umad_recv with EIO, as libibumad's poll
 *                        does on EINTR
 *   KUMAD_LIE=rule;rule  a fabric that lies: SMP responses matching a rule
 *                        are changed or dropped before the SM sees them.
 *                        rule = ATTR[.PORT][/set]@PATH:EDIT[,EDIT...], ATTR in
 *                        hex, PORT the attribute modifier's low byte, /set:
 *                        only responses to Sets (else to Gets too), PATH the
 *                        request's directed route as the diags print it
 *                        ("0,1,3"; "*": any), EDIT = OFF=HEX (bytes written
 *                        at byte OFF of the SMP's 64 data bytes, e.g.
 *                        3=ff: NodeInfo NumPorts 255) or "drop" (silence)
 *   KUMAD_DELAY_MS=lo[:hi]  every response held lo..hi ms (uniform), so
 *                        they arrive late and out of order; one whose send
 *                        timed out meanwhile is dropped, as the kernel does
 * What it does is logged to stderr as "kumad: ..." lines. Built for the
 * tests only, never installed. */
#include <dlfcn.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/umad.h>

#define MAD_HDR 24
#define MAX_SENDS 1024
#define MAX_AGENTS 64
#define MAX_ISSM 8
#define SLICE_MS 20
#define METHOD_TRAP_REPRESS 0x07
#define METHOD_RESP 0x80

#define REAL(name) ((__typeof__(&name))real_sym(#name, &real_##name))
static void *real_umad_open_port, *real_umad_close_port, *real_umad_register,
	*real_umad_unregister, *real_umad_send, *real_umad_recv, *real_open, *real_close,
	*real_sigaction;

static void *real_sym(const char *name, void **cache)
{
	if (!*cache)
		*cache = dlsym(RTLD_NEXT, name);
	if (!*cache) {
		fprintf(stderr, "kumad: %s not found\n", name);
		abort();
	}
	return *cache;
}

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "kumad: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *host(void)
{
	const char *h = getenv("SIM_HOST");
	return h && *h ? h : "default";
}

/* Our own files: named after the directory and SIM_HOST. */
static void kpath(char *buf, size_t len, const char *what)
{
	const char *d = getenv("KUMAD_DIR");
	snprintf(buf, len, "%s/kumad-%s.%s", d && *d ? d : ".", host(), what);
	for (char *p = buf + strlen(buf) - strlen(what) - strlen(host()) - 1; *p; p++)
		if (*p == '/' || *p == ' ' || *p == '"')
			*p = '_';
}

static int file_exists(const char *env)
{
	const char *p = getenv(env);
	return p && *p && access(p, F_OK) == 0;
}

/* ---- state ------------------------------------------------------------- */

struct send {                     /* a request the "kernel" waits on */
	int used, fd;
	uint32_t tid;
	long long deadline_us;
	uint8_t umad[64 + MAD_HDR];  /* ib_user_mad header + MAD header */
};

struct agent {
	int used, fd, id, mclass, rmpp;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct send sends[MAX_SENDS];
static struct agent agents[MAX_AGENTS];
static struct { int fd, lock; } issm[MAX_ISSM];
static int gone_said, big_pending, big_fd = -1, big_len, enospc_said;
static unsigned drop_attr, drop_left;
static int drop_parsed;
static atomic_uint sig_count[NSIG];

/* KUMAD_LIE */
#define MAX_LIES 16
#define MAX_EDITS 8
struct lie {
	unsigned attr;
	int port;                     /* -1: any */
	int set_only;                 /* only responses to Sets */
	int any_path, hops, drop;
	uint8_t path[64];
	unsigned nedit;
	struct { unsigned off, len; uint8_t bytes[16]; } edit[MAX_EDITS];
	unsigned hits;
};
static struct lie lies[MAX_LIES];
static unsigned nlies;
static int lies_parsed;

/* KUMAD_DELAY_MS: responses held until their time */
#define MAX_HELD 512
struct held {
	int used, fd, rc, len;
	long long release_us;
	uint8_t buf[512];
};
static struct held held[MAX_HELD];
static int delay_lo = -1, delay_hi;
static struct sigaction user_act[NSIG];

static uint32_t mad_tid(const uint8_t *mad)
{
	return (uint32_t)mad[12] << 24 | (uint32_t)mad[13] << 16 | (uint32_t)mad[14] << 8 | mad[15];
}

static unsigned mad_attr(const uint8_t *mad)
{
	return (unsigned)mad[16] << 8 | mad[17];
}

static int dev_gone(void)
{
	if (!file_exists("KUMAD_GONE"))
		return 0;
	pthread_mutex_lock(&mu);
	if (!gone_said++)
		say("device gone: umad calls fail with EIO");
	pthread_mutex_unlock(&mu);
	errno = EIO;
	return 1;
}

static struct agent *agent_find(int fd, int id)
{
	for (int i = 0; i < MAX_AGENTS; i++)
		if (agents[i].used && agents[i].fd == fd && agents[i].id == id)
			return &agents[i];
	return NULL;
}

/* ---- agents: the cross-process registry ------------------------------- */

/* Lines "pid fd id class version mask0 mask1"; entries of dead processes
 * are dropped on every update. Called with the file locked. */
static int registry_update(int lockfd, int add_fd, int add_id, int mclass, int version,
			   const uint64_t mask[2], int remove_fd, int remove_id)
{
	char buf[16384], out[16384];
	size_t olen = 0;
	ssize_t n = pread(lockfd, buf, sizeof(buf) - 1, 0);
	int conflict = 0;

	buf[n > 0 ? n : 0] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		int pid, fd, id, c, v;
		unsigned long long m0, m1;
		if (sscanf(line, "%d %d %d %d %d %llx %llx", &pid, &fd, &id, &c, &v, &m0, &m1) != 7)
			continue;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			continue;
		if (pid == getpid() && ((fd == remove_fd && (remove_id < 0 || id == remove_id))))
			continue;
		if (mask && c == mclass && v == version && ((m0 & mask[0]) || (m1 & mask[1])))
			conflict = 1;
		olen += (size_t)snprintf(out + olen, sizeof(out) - olen, "%s\n", line);
		if (olen >= sizeof(out))
			return -1;
	}
	if (mask && !conflict && add_id >= 0)
		olen += (size_t)snprintf(out + olen, sizeof(out) - olen, "%d %d %d %d %d %llx %llx\n",
					 getpid(), add_fd, add_id, mclass, version,
					 (unsigned long long)mask[0], (unsigned long long)mask[1]);
	if (olen >= sizeof(out) || ftruncate(lockfd, 0) < 0 || pwrite(lockfd, out, olen, 0) < 0)
		return -1;
	return conflict;
}

static int registry_open(void)
{
	char path[512];
	kpath(path, sizeof(path), "agents");
	int fd = REAL(open)(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		REAL(close)(fd);
		return -1;
	}
	return fd;
}

int umad_register(int fd, int mgmt_class, int mgmt_version, uint8_t rmpp_version,
		  long method_mask[16 / sizeof(long)])
{
	uint64_t mask[2] = { 0, 0 };
	if (method_mask)
		memcpy(mask, method_mask, sizeof(mask));
	int lock = registry_open();
	if (lock < 0) {
		say("cannot open the agent registry");
		abort();
	}
	/* Check first (add nothing), register, then record the agent id. */
	int conflict = (mask[0] | mask[1]) ? registry_update(lock, -1, -1, mgmt_class, mgmt_version,
							      mask, -2, -1) : 0;
	if (conflict) {
		REAL(close)(lock);
		say("agent for class 0x%02x refused: another agent holds one of its methods",
		    mgmt_class);
		errno = EINVAL;
		return -EPERM;  /* what libibumad returns when the ioctl fails */
	}
	int id = REAL(umad_register)(fd, mgmt_class, mgmt_version, rmpp_version, method_mask);
	if (id >= 0 && (mask[0] | mask[1]))
		registry_update(lock, fd, id, mgmt_class, mgmt_version, mask, -2, -1);
	REAL(close)(lock);
	if (id >= 0) {
		pthread_mutex_lock(&mu);
		for (int i = 0; i < MAX_AGENTS; i++)
			if (!agents[i].used) {
				agents[i] = (struct agent){ 1, fd, id, mgmt_class, rmpp_version != 0 };
				break;
			}
		pthread_mutex_unlock(&mu);
	}
	return id;
}

static void agents_forget(int fd, int id)
{
	int lock = registry_open();
	if (lock >= 0) {
		registry_update(lock, -1, -1, 0, 0, NULL, fd, id);
		REAL(close)(lock);
	}
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_AGENTS; i++)
		if (agents[i].used && agents[i].fd == fd && (id < 0 || agents[i].id == id))
			agents[i].used = 0;
	for (int i = 0; i < MAX_SENDS; i++)
		if (sends[i].used && sends[i].fd == fd && id < 0)
			sends[i].used = 0;
	pthread_mutex_unlock(&mu);
}

int umad_unregister(int fd, int agentid)
{
	agents_forget(fd, agentid);
	return REAL(umad_unregister)(fd, agentid);
}

int umad_open_port(const char *ca_name, int portnum)
{
	return REAL(umad_open_port)(ca_name, portnum);
}

int umad_close_port(int fd)
{
	agents_forget(fd, -1);
	return REAL(umad_close_port)(fd);
}

/* ---- issm: exclusive ------------------------------------------------------ */

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	if (!strstr(path, "/issm"))
		return REAL(open)(path, flags, mode);
	char lp[512];
	kpath(lp, sizeof(lp), "issm");
	int lock = REAL(open)(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0)
		return -1;
	if (flock(lock, LOCK_EX | ((flags & O_NONBLOCK) ? LOCK_NB : 0)) < 0) {
		REAL(close)(lock);
		say("issm of %s is held by another process: EAGAIN", host());
		errno = EAGAIN;
		return -1;
	}
	int fd = REAL(open)(path, flags, mode);
	if (fd < 0) {
		REAL(close)(lock);
		return fd;
	}
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_ISSM; i++)
		if (!issm[i].lock) {
			issm[i].fd = fd;
			issm[i].lock = lock;
			break;
		}
	pthread_mutex_unlock(&mu);
	return fd;
}

int close(int fd)
{
	int lock = -1;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_ISSM; i++)
		if (issm[i].lock && issm[i].fd == fd) {
			lock = issm[i].lock;
			issm[i].lock = 0;
		}
	pthread_mutex_unlock(&mu);
	if (lock >= 0)
		REAL(close)(lock);
	return REAL(close)(fd);
}

/* ---- signals: who would see EINTR ----------------------------------------- */

static void sig_tramp(int sig, siginfo_t *info, void *uc)
{
	atomic_fetch_add(&sig_count[sig], 1);
	if (user_act[sig].sa_flags & SA_SIGINFO)
		user_act[sig].sa_sigaction(sig, info, uc);
	else if (user_act[sig].sa_handler != SIG_IGN && user_act[sig].sa_handler != SIG_DFL)
		user_act[sig].sa_handler(sig);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	const char *e = getenv("KUMAD_EINTR");
	if (!e || *e != '1' || sig <= 0 || sig >= NSIG || !act ||
	    (!(act->sa_flags & SA_SIGINFO) &&
	     (act->sa_handler == SIG_IGN || act->sa_handler == SIG_DFL)))
		return REAL(sigaction)(sig, act, old);
	struct sigaction mine = *act, prev = user_act[sig];
	mine.sa_flags |= SA_SIGINFO;
	mine.sa_sigaction = sig_tramp;
	user_act[sig] = *act;
	int rc = REAL(sigaction)(sig, &mine, old);
	if (rc == 0 && old && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == sig_tramp)
		*old = prev;
	return rc;
}

/* A signal caught since start that this thread does not block. */
static int interrupted(const unsigned start[NSIG])
{
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	for (int s = 1; s < NSIG; s++)
		if (atomic_load(&sig_count[s]) != start[s] && !sigismember(&cur, s))
			return s;
	return 0;
}

/* ---- sends ------------------------------------------------------------------ */

int umad_send(int fd, int agentid, void *umad, int length, int timeout_ms, int retries)
{
	if (dev_gone())
		return -EIO;
	uint8_t *mad = umad_get_mad(umad);
	pthread_mutex_lock(&mu);
	struct agent *a = agent_find(fd, agentid);
	int rmpp = a && a->rmpp;
	pthread_mutex_unlock(&mu);
	if (length > 256 && !rmpp) {
		say("send of %d bytes on a non-RMPP agent refused: EINVAL", length);
		errno = EINVAL;
		return -EIO;  /* what libibumad returns when write() fails */
	}
	if (mad[3] == 0x05 /* Trap */)
		say("trap sent with timeout %d ms", timeout_ms);
	/* Waited on before it leaves: its response may be read by another
	 * thread before umad_send returns. */
	int track = timeout_ms > 0 && !(mad[3] & METHOD_RESP) && mad[3] != METHOD_TRAP_REPRESS;
	int slot = -1;
	if (track) {
		pthread_mutex_lock(&mu);
		for (int i = 0; i < MAX_SENDS; i++)
			if (!sends[i].used) {
				struct send *s = &sends[i];
				s->used = 1;
				s->fd = fd;
				s->tid = mad_tid(mad);
				s->deadline_us = now_us() + (long long)timeout_ms * (retries + 1) * 1000;
				memcpy(s->umad, umad, umad_size());
				memcpy(s->umad + umad_size(), mad, MAD_HDR);
				slot = i;
				break;
			}
		pthread_mutex_unlock(&mu);
	}
	int rc = REAL(umad_send)(fd, agentid, umad, length, timeout_ms, retries);
	if (rc < 0 && slot >= 0) {
		pthread_mutex_lock(&mu);
		if (sends[slot].fd == fd && sends[slot].tid == mad_tid(mad))
			sends[slot].used = 0;
		pthread_mutex_unlock(&mu);
	}
	return rc;
}

/* ---- receives --------------------------------------------------------------- */

/* The send a received MAD answers (or returns), taken off the list. */
static int send_take(int fd, uint32_t tid)
{
	for (int i = 0; i < MAX_SENDS; i++)
		if (sends[i].used && sends[i].fd == fd && sends[i].tid == tid) {
			sends[i].used = 0;
			return 1;
		}
	return 0;
}

/* The earliest deadline on fd; with expired != NULL, take an expired send. */
static long long send_next(int fd, struct send *expired)
{
	long long next = 0, now = now_us();
	for (int i = 0; i < MAX_SENDS; i++) {
		struct send *s = &sends[i];
		if (!s->used || s->fd != fd)
			continue;
		if (expired && s->deadline_us <= now) {
			*expired = *s;
			s->used = 0;
			return s->deadline_us;
		}
		if (!next || s->deadline_us < next)
			next = s->deadline_us;
	}
	return expired ? 0 : next;
}

static int drop_this(unsigned attr)
{
	if (!drop_parsed) {
		const char *d = getenv("KUMAD_DROP");
		drop_parsed = 1;
		if (d && *d) {
			char *end;
			drop_attr = (unsigned)strtoul(d, &end, 16);
			drop_left = *end == ':' ? (unsigned)strtoul(end + 1, NULL, 10) : ~0u;
		}
	}
	if (!drop_left || attr != drop_attr || !drop_attr)
		return 0;
	drop_left--;
	return 1;
}

static void lies_parse(void)
{
	const char *env = getenv("KUMAD_LIE");
	char buf[2048], *save = NULL;

	lies_parsed = 1;
	if (!env || !*env)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (char *r = strtok_r(buf, ";", &save); r && nlies < MAX_LIES; r = strtok_r(NULL, ";", &save)) {
		struct lie *l = &lies[nlies];
		char *at = strchr(r, '@'), *colon = at ? strchr(at, ':') : NULL, *end;
		if (!at || !colon) {
			say("KUMAD_LIE rule '%s' not understood", r);
			abort();
		}
		*at = *colon = 0;
		memset(l, 0, sizeof(*l));
		l->attr = (unsigned)strtoul(r, &end, 16);
		l->port = *end == '.' ? atoi(end + 1) : -1;
		l->set_only = strstr(r, "/set") != NULL;
		if (!strcmp(at + 1, "*")) {
			l->any_path = 1;
		} else {
			for (char *q = at + 1; *q;) {
				unsigned v = (unsigned)strtoul(q, &end, 10);
				if (end == q || l->hops >= 63) {
					say("KUMAD_LIE path '%s' not understood", at + 1);
					abort();
				}
				if (q != at + 1)           /* the first "0" is the local port */
					l->path[++l->hops] = (uint8_t)v;
				q = *end == ',' ? end + 1 : end;
			}
		}
		for (char *e = strtok(colon + 1, ","); e && l->nedit < MAX_EDITS; e = strtok(NULL, ",")) {
			if (!strcmp(e, "drop")) {
				l->drop = 1;
				continue;
			}
			char *eq = strchr(e, '=');
			if (!eq) {
				say("KUMAD_LIE edit '%s' not understood", e);
				abort();
			}
			unsigned off = (unsigned)atoi(e), n = 0;
			for (char *h = eq + 1; h[0] && h[1] && n < 16; h += 2) {
				char two[3] = { h[0], h[1], 0 };
				l->edit[l->nedit].bytes[n++] = (uint8_t)strtoul(two, NULL, 16);
			}
			if (!n || off + n > 64) {
				say("KUMAD_LIE edit '%s' out of the 64 data bytes", e);
				abort();
			}
			l->edit[l->nedit].off = off;
			l->edit[l->nedit++].len = n;
		}
		nlies++;
	}
}

/* Apply the lies to a response; 1 when it is to be dropped. Called locked. */
/* The method of the waiting send a response answers (0: none). Locked. */
static unsigned send_method(int fd, uint32_t tid)
{
	for (int i = 0; i < MAX_SENDS; i++)
		if (sends[i].used && sends[i].fd == fd && sends[i].tid == tid)
			return sends[i].umad[umad_size() + 3];
	return 0;
}

static int lie_apply(int fd, uint8_t *mad, int len)
{
	if (!lies_parsed)
		lies_parse();
	if (len < 256 || (mad[1] != 0x81 && mad[1] != 0x01) || mad[3] != (METHOD_RESP | 0x01))
		return 0;
	unsigned attr = mad_attr(mad);
	unsigned mod = (unsigned)mad[20] << 24 | (unsigned)mad[21] << 16 |
		       (unsigned)mad[22] << 8 | mad[23];
	for (unsigned i = 0; i < nlies; i++) {
		struct lie *l = &lies[i];
		if (l->attr != attr || (l->port >= 0 && (unsigned)l->port != (mod & 0xff)))
			continue;
		if (l->set_only && send_method(fd, mad_tid(mad)) != 0x02)
			continue;
		if (!l->any_path) {
			if (mad[1] != 0x81 || mad[7] != l->hops ||
			    memcmp(mad + 128 + 1, l->path + 1, l->hops))
				continue;
		}
		if (!l->hits++)
			say("lie: attr 0x%04x response at rule %u %s", attr, i, l->drop ? "dropped" : "changed");
		if (l->drop)
			return 1;
		for (unsigned k = 0; k < l->nedit; k++)
			memcpy(mad + 64 + l->edit[k].off, l->edit[k].bytes, l->edit[k].len);
	}
	return 0;
}

static int delay_ms(void)
{
	if (delay_lo < 0) {
		const char *d = getenv("KUMAD_DELAY_MS");
		char *end;
		delay_lo = d && *d ? (int)strtol(d, &end, 10) : 0;
		delay_hi = d && *d && *end == ':' ? atoi(end + 1) : delay_lo;
		if (delay_hi < delay_lo)
			delay_hi = delay_lo;
		srand((unsigned)getpid());
	}
	if (!delay_hi)
		return 0;
	return delay_lo + rand() % (delay_hi - delay_lo + 1);
}

/* Hold a response for later; 0 when there is no room (deliver it now). */
static int held_put(int fd, int rc, const void *umad, int len, int ms)
{
	size_t sz = umad_size() + (size_t)len;
	for (int i = 0; i < MAX_HELD; i++)
		if (!held[i].used && sz <= sizeof(held[i].buf)) {
			held[i] = (struct held){ 1, fd, rc, len, now_us() + (long long)ms * 1000, { 0 } };
			memcpy(held[i].buf, umad, sz);
			return 1;
		}
	return 0;
}

/* The held response due first: its release time; with take, one due now. */
static long long held_next(int fd, void *umad, int *len, int *rc, int take)
{
	long long next = 0, now = now_us();
	int best = -1;
	for (int i = 0; i < MAX_HELD; i++)
		if (held[i].used && held[i].fd == fd && (best < 0 || held[i].release_us < held[best].release_us))
			best = i;
	if (best < 0)
		return 0;
	next = held[best].release_us;
	if (take && next <= now && *len >= held[best].len) {
		memcpy(umad, held[best].buf, umad_size() + (size_t)held[best].len);
		*len = held[best].len;
		*rc = held[best].rc;
		held[best].used = 0;
		return -1;
	}
	return next;
}

/* The oversized MAD, queued when KUMAD_BIG appears: an SA request as an
 * RMPP transfer (active, first and last segment). */
static int big_deliver(int fd, void *umad, int *length)
{
	if (*length < big_len) {
		if (!enospc_said++)
			say("%d-byte MAD queued: ENOSPC for a %d-byte buffer", big_len, *length);
		*length = big_len;
		errno = ENOSPC;
		return -ENOSPC;
	}
	struct ib_user_mad *u = umad;
	memset(u, 0, umad_size() + (size_t)big_len);
	u->length = (uint32_t)(umad_size() + (size_t)big_len);
	u->agent_id = 0;
	for (int i = 0; i < MAX_AGENTS; i++)
		if (agents[i].used && agents[i].fd == fd && agents[i].mclass == 0x03)
			u->agent_id = (uint32_t)agents[i].id;
	u->addr.lid = htobe16(1);
	u->addr.qpn = htobe32(1);
	uint8_t *mad = umad_get_mad(umad);
	mad[0] = 1;       /* base version */
	mad[1] = 0x03;    /* SA */
	mad[2] = 2;
	mad[3] = 0x02;    /* Set */
	mad[16] = 0;
	mad[17] = 0x38;   /* MCMemberRecord */
	mad[24] = 1;      /* RMPP version */
	mad[25] = 1;      /* DATA */
	mad[26] = 0x07;   /* active, first, last */
	*length = big_len;
	big_pending = 0;
	say("%d-byte MAD delivered", big_len);
	return (int)u->agent_id;
}

int umad_recv(int fd, void *umad, int *length, int timeout_ms)
{
	unsigned start[NSIG];
	for (int s = 1; s < NSIG; s++)
		start[s] = atomic_load(&sig_count[s]);
	long long end = timeout_ms < 0 ? -1 : now_us() + (long long)timeout_ms * 1000;

	for (;;) {
		if (dev_gone())
			return -EIO;
		pthread_mutex_lock(&mu);
		if (!big_pending && file_exists("KUMAD_BIG")) {
			unlink(getenv("KUMAD_BIG"));
			const char *l = getenv("KUMAD_BIG_LEN");
			big_len = l && *l ? atoi(l) : 1024;
			big_pending = 1;
			big_fd = fd;
		}
		if (big_pending && big_fd == fd) {
			int rc = big_deliver(fd, umad, length);
			pthread_mutex_unlock(&mu);
			return rc;
		}
		struct send exp;
		if (send_next(fd, &exp)) {
			/* The kernel's report of a timed-out send: the request's
			 * header, status ETIMEDOUT. */
			pthread_mutex_unlock(&mu);
			struct ib_user_mad *u = umad;
			memcpy(umad, exp.umad, umad_size());
			memcpy(umad_get_mad(umad), exp.umad + umad_size(), MAD_HDR);
			u->status = ETIMEDOUT;
			u->length = (uint32_t)(umad_size() + MAD_HDR);
			*length = MAD_HDR;
			say("send TID 0x%x timed out: returned with status 110", exp.tid);
			return (int)u->agent_id;
		}
		long long next = send_next(fd, NULL);
		int hlen = *length, hrc = 0;
		int from_held = held_next(fd, umad, &hlen, &hrc, 1) < 0;
		long long hnext = held_next(fd, NULL, NULL, NULL, 0);
		if (hnext && (!next || hnext < next))
			next = hnext;
		pthread_mutex_unlock(&mu);
		int len = hlen, rc = hrc;
		if (!from_held) {
			int sig = getenv("KUMAD_EINTR") ? interrupted(start) : 0;
			if (sig) {
				say("signal %d hit a receiving thread: EIO (poll's EINTR)", sig);
				errno = EIO;
				return -EIO;
			}
			long long now = now_us();
			if (end >= 0 && now >= end && timeout_ms > 0)
				return -ETIMEDOUT;
			long long wait = SLICE_MS * 1000;
			if (end >= 0 && end - now < wait)
				wait = end - now;
			if (next && next - now < wait)
				wait = next - now;
			int ms = timeout_ms == 0 ? 0 : (int)((wait + 999) / 1000);
			len = *length;
			rc = REAL(umad_recv)(fd, umad, &len, ms > 0 ? ms : (timeout_ms ? 1 : 0));
			if (rc == -ETIMEDOUT && timeout_ms != 0)
				continue;
			if (rc < 0) {
				*length = len;
				return rc;
			}
		}
		struct ib_user_mad *u = umad;
		uint8_t *mad = umad_get_mad(umad);
		if (!from_held && len >= MAD_HDR && mad[3] == METHOD_TRAP_REPRESS) {
			say("TrapRepress swallowed");
			goto again;
		}
		if (!from_held && len >= MAD_HDR && (mad[3] & METHOD_RESP) && !u->status) {
			int dms = delay_ms();
			pthread_mutex_lock(&mu);
			int kept = dms > 0 && held_put(fd, rc, umad, len, dms);
			pthread_mutex_unlock(&mu);
			if (kept)
				goto again;
		}
		if (len >= MAD_HDR && ((mad[3] & METHOD_RESP) || u->status)) {
			/* A response, or a send ibsim returns: only for a send
			 * the kernel still waits on (a send without a timeout
			 * is never reported, nor one already timed out). */
			pthread_mutex_lock(&mu);
			int dropped = !u->status && (drop_this(mad_attr(mad)) || lie_apply(fd, mad, len));
			int ours = !dropped && send_take(fd, mad_tid(mad));
			pthread_mutex_unlock(&mu);
			if (dropped) {
				say("response attr 0x%04x TID 0x%x dropped", mad_attr(mad), mad_tid(mad));
				goto again;
			}
			if (!ours) {
				say("%s TID 0x%x matches no waiting send: dropped",
				    u->status ? "returned send" : "response", mad_tid(mad));
				goto again;
			}
		}
		*length = len;
		return rc;
again:
		if (timeout_ms == 0)
			return -ETIMEDOUT;
	}
}
