/* xalloc: one allocation policy. Out of memory is fatal: smd logs it and
 * exits 1, systemd restarts it and a standby covers the gap (as openntpd
 * does). No caller has a recovery path to get wrong, and NULL from any other
 * function only ever means "nothing to do". */
#ifndef SMD_XALLOC_H
#define SMD_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* n * size, overflow-checked (fatal like the rest). */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

#endif
