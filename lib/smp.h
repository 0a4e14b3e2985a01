/* smp: building and reading Subnet Management Packets (directed route and
 * LID routed). Every field goes through libibmad. */
#ifndef SMD_SMP_H
#define SMD_SMP_H

#include <stddef.h>
#include <stdint.h>

#define MAD_SIZE 256
#define SMP_DATA_OFFS 64
#define SMP_DATA_SIZE 64
#define SMP_MAX_HOPS 63

#define MCLASS_SMI 0x01
#define MCLASS_SMI_DR 0x81
#define MCLASS_SA 0x03

/* SMInfo Set attribute modifiers (IBA 14.4.1) */
enum { SMINFO_HANDOVER = 1, SMINFO_ACKNOWLEDGE = 2, SMINFO_DISABLE = 3,
       SMINFO_STANDBY = 4, SMINFO_DISCOVER = 5 };

#define IB_ATTR_NOTICE 0x0002
/* MAD status: unsupported method/attribute combination, invalid attribute */
#define MAD_STATUS_UNSUP_METHOD_ATTR 0x000C
#define MAD_STATUS_INVALID_FIELD 0x001C

/* A directed route: p[1..hops] are the output ports, p[0] is unused. */
struct dr_path {
	uint8_t hops;
	uint8_t p[SMP_MAX_HOPS + 1];
};

void dr_path_local(struct dr_path *path);
/* out = in + port; returns -1 when the path would exceed 63 hops. */
int dr_path_extend(struct dr_path *out, const struct dr_path *in, uint8_t port);
/* "0" or "0,1,3" like the diags print it. */
const char *dr_path_str(const struct dr_path *path, char *buf, size_t len);

/* Fill a request header. tid is the engine's; mkey goes in the SMP's
 * M_Key field (0 when the subnet has none: a port with M_Key 0 checks
 * nothing); data (64 bytes) may be NULL. */
void smp_init_dr(uint8_t *mad, const struct dr_path *path, uint8_t method,
		 uint16_t attr, uint32_t mod, uint64_t tid, uint64_t mkey, const void *data);
void smp_init_lid(uint8_t *mad, uint8_t method, uint16_t attr, uint32_t mod,
		  uint64_t tid, uint64_t mkey, const void *data);

static inline uint8_t *smp_data(uint8_t *mad) { return mad + SMP_DATA_OFFS; }

/* libibmad's mad_get_field() and friends take a non-const buffer even to
 * read: pass read-only data through this one cast. */
static inline void *smp_ro(const void *p) { return (void *)(uintptr_t)p; }

/* Header accessors on any MAD (SMP or GMP). */
unsigned smp_hdr_class(const uint8_t *mad);
unsigned smp_hdr_method(const uint8_t *mad);
unsigned smp_hdr_attr(const uint8_t *mad);
uint32_t smp_hdr_mod(const uint8_t *mad);
uint64_t smp_hdr_tid(const uint8_t *mad);
/* The M_Key an SMP carries (a requester's proof that it may manage). */
uint64_t smp_hdr_mkey(const uint8_t *mad);
/* The MAD status without the directed-route direction bit. */
unsigned smp_hdr_status(const uint8_t *mad);
int smp_hdr_is_response(const uint8_t *mad);

/* Turn a received request (in place) into its response: GetResp (or
 * TrapRepress for a Trap), status, direction bit for directed route, and
 * data (SMP: 64 bytes at offset 64; may be NULL to keep the request's). */
void smp_make_response(uint8_t *mad, unsigned status, const void *data, size_t datalen,
		       size_t dataoffs);

#endif
