/* smpset: a test-side meddler (not part of smd). Changes an attribute of a
 * node behind the SM's back, as any node of a fabric without M_Key can:
 * reads it by directed route, changes the bytes given, sets it back.
 *   smpset DRPATH ATTR MOD OFFSET=BYTE...
 * e.g. "smpset 0,1 0x19 0 5=3": LinearForwardingTable block 0 of the
 * switch at 0,1, the entry of LID 5 to port 3. Prints the MAD status of the
 * Set's answer ("status 0x0000"); exit 0 when answered, 1 when not, 2 on
 * usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	uint8_t data[IB_SMP_DATA_SIZE];
	ib_portid_t id;
	int status = -1;

	if (argc < 5) {
		fprintf(stderr, "usage: smpset DRPATH ATTR MOD OFFSET=BYTE...\n");
		return 2;
	}
	memset(&id, 0, sizeof(id));
	if (str2drpath(&id.drpath, argv[1], 0, 0) < 0)
		return 2;
	unsigned attr = (unsigned)strtoul(argv[2], NULL, 0), mod = (unsigned)strtoul(argv[3], NULL, 0);
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp) {
		fprintf(stderr, "smpset: cannot open the umad port\n");
		return 1;
	}
	if (!smp_query_via(data, &id, attr, mod, 1000, mp)) {
		fprintf(stderr, "smpset: no answer to the Get\n");
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		unsigned off = (unsigned)strtoul(argv[i], NULL, 0);
		if (!eq || off >= IB_SMP_DATA_SIZE)
			return 2;
		data[off] = (uint8_t)strtoul(eq + 1, NULL, 0);
	}
	if (!smp_set_status_via(data, &id, attr, mod, 1000, &status, mp) && status < 0) {
		fprintf(stderr, "smpset: no answer to the Set\n");
		return 1;
	}
	printf("status 0x%04x\n", status < 0 ? 0 : status);
	mad_rpc_close_port(mp);
	return 0;
}
