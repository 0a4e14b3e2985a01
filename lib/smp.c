#include <stdio.h>
#include <string.h>
#include <infiniband/mad.h>
#include "smp.h"


static void smp_hdr_set_method(uint8_t *mad, unsigned method);

void dr_path_local(struct dr_path *path)
{
	memset(path, 0, sizeof(*path));
}

int dr_path_extend(struct dr_path *out, const struct dr_path *in, uint8_t port)
{
	if (in->hops >= SMP_MAX_HOPS)
		return -1;
	if (out != in)
		*out = *in;
	out->hops++;
	out->p[out->hops] = port;
	return 0;
}

const char *dr_path_str(const struct dr_path *path, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "0");
	for (unsigned i = 1; i <= path->hops && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ",%u", path->p[i]);
	return buf;
}

static void smp_init_common(uint8_t *mad, unsigned mclass, uint8_t method,
			    uint16_t attr, uint32_t mod, uint64_t tid, uint64_t mkey,
			    const void *data)
{
	memset(mad, 0, MAD_SIZE);
	mad_set_field(mad, 0, IB_MAD_BASEVER_F, 1);
	mad_set_field(mad, 0, IB_MAD_MGMTCLASS_F, mclass);
	mad_set_field(mad, 0, IB_MAD_CLASSVER_F, 1);
	smp_hdr_set_method(mad, method);
	mad_set_field64(mad, 0, IB_MAD_TRID_F, tid);
	mad_set_field(mad, 0, IB_MAD_ATTRID_F, attr);
	mad_set_field(mad, 0, IB_MAD_ATTRMOD_F, mod);
	mad_set_field64(mad, 0, IB_MAD_MKEY_F, mkey);
	if (data)
		memcpy(mad + SMP_DATA_OFFS, data, SMP_DATA_SIZE);
}

void smp_init_dr(uint8_t *mad, const struct dr_path *path, uint8_t method,
		 uint16_t attr, uint32_t mod, uint64_t tid, uint64_t mkey, const void *data)
{
	smp_init_common(mad, MCLASS_SMI_DR, method, attr, mod, tid, mkey, data);
	mad_set_field(mad, 0, IB_DRSMP_HOPCNT_F, path->hops);
	mad_set_field(mad, 0, IB_DRSMP_HOPPTR_F, 0);
	/* Permissive LIDs on both ends: pure directed route (ibsim drops others). */
	mad_set_field(mad, 0, IB_DRSMP_DRSLID_F, 0xffff);
	mad_set_field(mad, 0, IB_DRSMP_DRDLID_F, 0xffff);
	mad_set_array(mad, 0, IB_DRSMP_PATH_F, smp_ro(path->p));
}

void smp_init_lid(uint8_t *mad, uint8_t method, uint16_t attr, uint32_t mod,
		  uint64_t tid, uint64_t mkey, const void *data)
{
	smp_init_common(mad, MCLASS_SMI, method, attr, mod, tid, mkey, data);
}

unsigned smp_hdr_class(const uint8_t *mad) { return mad_get_field(smp_ro(mad), 0, IB_MAD_MGMTCLASS_F); }
/* libibmad splits the method byte: 7 bits of method, then the response bit. */
unsigned smp_hdr_method(const uint8_t *mad)
{
	return mad_get_field(smp_ro(mad), 0, IB_MAD_METHOD_F) |
	       mad_get_field(smp_ro(mad), 0, IB_MAD_RESPONSE_F) << 7;
}

static void smp_hdr_set_method(uint8_t *mad, unsigned method)
{
	mad_set_field(mad, 0, IB_MAD_METHOD_F, method & 0x7f);
	mad_set_field(mad, 0, IB_MAD_RESPONSE_F, method >> 7);
}
unsigned smp_hdr_attr(const uint8_t *mad) { return mad_get_field(smp_ro(mad), 0, IB_MAD_ATTRID_F); }
uint32_t smp_hdr_mod(const uint8_t *mad) { return mad_get_field(smp_ro(mad), 0, IB_MAD_ATTRMOD_F); }
uint64_t smp_hdr_tid(const uint8_t *mad) { return mad_get_field64(smp_ro(mad), 0, IB_MAD_TRID_F); }
uint64_t smp_hdr_mkey(const uint8_t *mad) { return mad_get_field64(smp_ro(mad), 0, IB_MAD_MKEY_F); }

unsigned smp_hdr_status(const uint8_t *mad)
{
	/* In a directed-route SMP the top bit of the status word is the direction. */
	if (smp_hdr_class(mad) == MCLASS_SMI_DR)
		return mad_get_field(smp_ro(mad), 0, IB_DRSMP_STATUS_F);
	return mad_get_field(smp_ro(mad), 0, IB_MAD_STATUS_F);
}

int smp_hdr_is_response(const uint8_t *mad)
{
	unsigned m = smp_hdr_method(mad);
	return (m & 0x80) || m == IB_MAD_METHOD_TRAP_REPRESS;
}

void smp_make_response(uint8_t *mad, unsigned status, const void *data, size_t datalen,
		       size_t dataoffs)
{
	unsigned method = smp_hdr_method(mad);

	/* Get and Set are both answered with GetResp (IBA 13.4.5). */
	if (method == IB_MAD_METHOD_TRAP)
		smp_hdr_set_method(mad, IB_MAD_METHOD_TRAP_REPRESS);
	else if (method == IB_MAD_METHOD_GET || method == IB_MAD_METHOD_SET)
		smp_hdr_set_method(mad, IB_MAD_METHOD_GET_RESPONSE);
	else
		smp_hdr_set_method(mad, method | 0x80);
	if (smp_hdr_class(mad) == MCLASS_SMI_DR) {
		mad_set_field(mad, 0, IB_DRSMP_STATUS_F, status);
		mad_set_field(mad, 0, IB_DRSMP_DIRECTION_F, 1);
	} else {
		mad_set_field(mad, 0, IB_MAD_STATUS_F, status);
	}
	if (data && dataoffs + datalen <= MAD_SIZE)
		memcpy(mad + dataoffs, data, datalen);
}
