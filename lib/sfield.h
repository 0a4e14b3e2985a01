/* sfield: big-endian bit fields of SA records that libibmad does not name
 * (PathRecord P_Key, MTU, rate, packet lifetime; MCMemberRecord selectors,
 * scope ...). A field is (bit offset from the MSB of byte 0, width), the
 * way the IBA tables count; at most 32 bits wide. */
#ifndef SMD_SFIELD_H
#define SMD_SFIELD_H

#include <stdint.h>

struct sfield {
	uint16_t bitoffs;
	uint8_t bits;
};

#define SF(byte, bit, width) ((struct sfield){ (uint16_t)((byte) * 8 + (bit)), (width) })

static inline uint32_t sf_get(const uint8_t *p, struct sfield f)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < f.bits; i++) {
		unsigned b = f.bitoffs + i;
		v = v << 1 | ((p[b / 8] >> (7 - b % 8)) & 1u);
	}
	return v;
}

static inline void sf_set(uint8_t *p, struct sfield f, uint32_t v)
{
	for (unsigned i = 0; i < f.bits; i++) {
		unsigned b = f.bitoffs + f.bits - 1 - i;
		uint8_t m = (uint8_t)(1u << (7 - b % 8));
		p[b / 8] = (uint8_t)((v >> i) & 1u ? p[b / 8] | m : p[b / 8] & ~m);
	}
}

#endif
