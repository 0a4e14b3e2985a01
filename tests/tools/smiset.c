/* smiset: a test-side probe (not part of smd). Sends one SubnSet(SMInfo) by
 * directed route, as another SM would, with the SMInfo fields given, and
 * prints the MAD status of the answer and the state the target reports:
 *   smiset DRPATH MOD GUID KEY PRIORITY STATE
 * MOD: 1 HANDOVER, 2 ACKNOWLEDGE, 3 DISABLE, 4 STANDBY, 5 DISCOVER.
 * STATE: the sender's claimed SMState (3 MASTER, 2 STANDBY ...).
 * Output: "status 0x001c state 2" (libibmad returns no data with an error
 * status: the state is then 0). Exit 0 when answered, 1 when not, 2 on
 * usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	ib_portid_t id;
	uint8_t data[IB_SMP_DATA_SIZE];
	int status = -1;

	if (argc != 7) {
		fprintf(stderr, "usage: smiset DRPATH MOD GUID KEY PRIORITY STATE\n");
		return 2;
	}
	memset(&id, 0, sizeof(id));
	if (str2drpath(&id.drpath, argv[1], 0, 0) < 0)
		return 2;
	unsigned mod = (unsigned)strtoul(argv[2], NULL, 0);
	memset(data, 0, sizeof(data));
	mad_set_field64(data, 0, IB_SMINFO_GUID_F, strtoull(argv[3], NULL, 0));
	mad_set_field64(data, 0, IB_SMINFO_KEY_F, strtoull(argv[4], NULL, 0));
	mad_set_field(data, 0, IB_SMINFO_PRIO_F, (uint32_t)strtoul(argv[5], NULL, 0));
	mad_set_field(data, 0, IB_SMINFO_STATE_F, (uint32_t)strtoul(argv[6], NULL, 0));

	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp) {
		fprintf(stderr, "smiset: cannot open the umad port\n");
		return 2;
	}
	uint8_t *r = smp_set_status_via(data, &id, IB_ATTR_SMINFO, mod, 1000, &status, mp);
	mad_rpc_close_port(mp);
	if (!r && status < 0) {
		printf("no answer\n");
		return 1;
	}
	printf("status 0x%04x state %u\n", (unsigned)status & 0x7fff,
	       r ? mad_get_field(data, 0, IB_SMINFO_STATE_F) : 0);
	return 0;
}
