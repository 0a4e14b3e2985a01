/* sbuf: a growable string, for smctl's reports. */
#ifndef SMD_SBUF_H
#define SMD_SBUF_H

#include <stddef.h>

struct sbuf {
	char *s;
	size_t len, cap;
};
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quotes and escapes included. */
void sb_json_str(struct sbuf *b, const char *s);
void sb_free(struct sbuf *b);

#endif
