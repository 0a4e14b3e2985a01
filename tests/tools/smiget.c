/* smiget: a test-side probe (not part of smd). Sends one SubnGet(SMInfo) by
 * directed route, with the M_Key given (0 = none), as any node can, and
 * prints what the SM answered:
 *   smiget DRPATH [MKEY [MOD SMKEY]]
 * With MOD and SMKEY it sends a SubnSet(SMInfo) instead, attribute
 * modifier MOD (3 = DISABLE), from a MASTER of priority 15 with SM_Key
 * SMKEY.
 * Output: "state 3 priority 0 key 0x0000000000000001" (exit 0), or
 * "no answer" (exit 1); 2 on usage errors. sminfo(8) does not print the
 * SM_Key, which is what is checked with it. */
#include <inttypes.h>
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

	if (argc != 2 && argc != 3 && argc != 5) {
		fprintf(stderr, "usage: smiget DRPATH [MKEY [MOD SMKEY]]\n");
		return 2;
	}
	memset(&id, 0, sizeof(id));
	if (str2drpath(&id.drpath, argv[1], 0, 0) < 0)
		return 2;
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp) {
		fprintf(stderr, "smiget: cannot open the umad port\n");
		return 2;
	}
	smp_mkey_set(mp, argc >= 3 ? strtoull(argv[2], NULL, 0) : 0);
	memset(data, 0, sizeof(data));
	uint8_t *r;
	if (argc == 5) {
		mad_set_field64(data, 0, IB_SMINFO_GUID_F, 0x1);
		mad_set_field64(data, 0, IB_SMINFO_KEY_F, strtoull(argv[4], NULL, 0));
		mad_set_field(data, 0, IB_SMINFO_PRIO_F, 15);
		mad_set_field(data, 0, IB_SMINFO_STATE_F, 3);
		r = smp_set_via(data, &id, IB_ATTR_SMINFO, (unsigned)strtoul(argv[3], NULL, 0),
				1000, mp);
	} else {
		r = smp_query_via(data, &id, IB_ATTR_SMINFO, 0, 1000, mp);
	}
	mad_rpc_close_port(mp);
	if (!r) {
		printf("no answer\n");
		return 1;
	}
	printf("state %u priority %u key 0x%016" PRIx64 "\n",
	       mad_get_field(data, 0, IB_SMINFO_STATE_F), mad_get_field(data, 0, IB_SMINFO_PRIO_F),
	       mad_get_field64(data, 0, IB_SMINFO_KEY_F));
	return 0;
}
