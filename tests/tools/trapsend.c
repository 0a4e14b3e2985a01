/* trapsend: a test-side misbehaving node (not part of smd). Sends COUNT
 * traps (SubnTrap(Notice), LID-routed) to the SM the local port knows, RATE
 * per second, as a buggy or hostile host would:
 *   trapsend COUNT RATE TRAP [ISSUER_LID]
 * TRAP 128 (link state change: only switches send it), 144 (capability
 * change, with the CapabilityMask-changed bit) or 256 (Bad M_Key: the issuer
 * refused a PortInfo Set from the local port's LID). ISSUER_LID defaults to the
 * local port's LID. For 144, TRAPSEND_FLAGS sets its ChangeFlags (default
 * 0x0001, other local changes; 0x0008 SM priority) and TRAPSEND_SAME_CAPS=1
 * gives the port's own CapabilityMask (nothing changed at all). The SM's
 * TrapRepress answers are not read. Prints
 * "sent N"; exit 0 when all went out, 1 otherwise, 2 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

int main(int argc, char **argv)
{
	int mgmt[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS };
	uint8_t pi[IB_SMP_DATA_SIZE], notice[IB_SMP_DATA_SIZE];
	ib_portid_t self, sm;
	unsigned sent = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: trapsend COUNT RATE TRAP [ISSUER_LID]\n");
		return 2;
	}
	unsigned count = (unsigned)strtoul(argv[1], NULL, 0);
	double rate = strtod(argv[2], NULL);
	unsigned trap = (unsigned)strtoul(argv[3], NULL, 0);
	if (rate <= 0 || (trap != 128 && trap != 144 && trap != 256))
		return 2;
	struct ibmad_port *mp = mad_rpc_open_port(NULL, 0, mgmt, 2);
	if (!mp) {
		fprintf(stderr, "trapsend: cannot open the umad port\n");
		return 1;
	}
	memset(&self, 0, sizeof(self));
	str2drpath(&self.drpath, "0", 0, 0);
	if (!smp_query_via(pi, &self, IB_ATTR_PORT_INFO, 0, 1000, mp)) {
		fprintf(stderr, "trapsend: cannot read the local port\n");
		return 1;
	}
	unsigned issuer = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 0) :
				      mad_get_field(pi, 0, IB_PORT_LID_F);
	memset(&sm, 0, sizeof(sm));
	sm.lid = (int)mad_get_field(pi, 0, IB_PORT_SMLID_F);
	memset(notice, 0, sizeof(notice));
	mad_set_field(notice, 0, IB_NOTICE_IS_GENERIC_F, 1);
	mad_set_field(notice, 0, IB_NOTICE_TYPE_F, trap == 128 ? 1 : trap == 256 ? 2 : 4); /* urgent/security/info */
	mad_set_field(notice, 0, IB_NOTICE_PRODUCER_F, trap == 128 ? 2 : 1); /* switch / CA */
	mad_set_field(notice, 0, IB_NOTICE_TRAP_NUMBER_F, trap);
	mad_set_field(notice, 0, IB_NOTICE_ISSUER_LID_F, issuer);
	if (trap == 144) {
		const char *fl = getenv("TRAPSEND_FLAGS"), *same = getenv("TRAPSEND_SAME_CAPS");
		unsigned flags = fl ? (unsigned)strtoul(fl, NULL, 0) : 0x0001;
		notice[20] = (uint8_t)(flags >> 8);  /* ChangeFlags (bytes 20-21) */
		notice[21] = (uint8_t)flags;
		mad_set_field(notice, 0, IB_NOTICE_DATA_144_LID_F, issuer);
		if (same && !strcmp(same, "1"))
			mad_set_field(notice, 0, IB_NOTICE_DATA_144_CAPMASK_F,
				      mad_get_field(pi, 0, IB_PORT_CAPMASK_F));
	}
	if (trap == 256) {  /* requester LID, Method Set, AttributeID PortInfo */
		mad_set_field(notice, 0, IB_NOTICE_DATA_LID_F, mad_get_field(pi, 0, IB_PORT_LID_F));
		notice[14] = IB_MAD_METHOD_SET;
		notice[17] = IB_ATTR_PORT_INFO;
	}
	struct timespec gap = { (time_t)(1.0 / rate), (long)((1.0 / rate - (time_t)(1.0 / rate)) * 1e9) };
	for (unsigned i = 0; i < count; i++) {
		ib_rpc_t rpc;

		memset(&rpc, 0, sizeof(rpc));
		rpc.mgtclass = IB_SMI_CLASS;
		rpc.method = IB_MAD_METHOD_TRAP;
		rpc.attr.id = 0x0002;      /* Notice */
		rpc.datasz = IB_SMP_DATA_SIZE;
		rpc.dataoffs = IB_SMP_DATA_OFFS;
		rpc.trid = mad_trid();
		if (mad_send_via(&rpc, &sm, NULL, notice, mp) == 0)
			sent++;
		nanosleep(&gap, NULL);
	}
	printf("sent %u\n", sent);
	mad_rpc_close_port(mp);
	return sent == count ? 0 : 1;
}
