/* fakesm: a test-side impostor (not part of smd). It holds issm on its port
 * (so sweeps see an SM there) and answers every SMInfo Get and Set with
 * the SMInfo it is given, claiming what it likes, and does nothing else: no
 * sweep, no SA, no handover. What a buggy or hostile node can do with one
 * umad device:
 *   fakesm KEY PRIORITY STATE [SECONDS]
 * STATE: 3 MASTER, 2 STANDBY, 1 DISCOVERING, 0 NOTACTIVE. It answers for
 * SECONDS (default 60) and exits 0; a line "fakesm: answered N Gets, M Sets"
 * at the end. Exit 1 when the port or issm cannot be opened, 2 on usage. */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/mad.h>
#include <infiniband/umad.h>

#define MAD_LEN 256
#define ATTR_SMINFO 0x0020

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: fakesm KEY PRIORITY STATE [SECONDS]\n");
		return 2;
	}
	uint64_t key = strtoull(argv[1], NULL, 0);
	unsigned prio = (unsigned)strtoul(argv[2], NULL, 0), state = (unsigned)strtoul(argv[3], NULL, 0);
	int secs = argc == 5 ? atoi(argv[4]) : 60;

	/* Our port GUID, as sysfs has it. */
	umad_port_t port;
	if (umad_init() < 0 || umad_get_port(NULL, 0, &port) < 0) {
		fprintf(stderr, "fakesm: cannot read the local port\n");
		return 1;
	}
	uint64_t guid = be64toh(port.port_guid);
	umad_release_port(&port);

	/* The agents an SM has (an unregistered class would crash the
	 * simulator's client library), then issm. */
	int fd = umad_open_port(NULL, 0);
	if (fd < 0)
		return 1;
	long mask[16 / sizeof(long)];
	memset(mask, 0, sizeof(mask));
	const unsigned methods[] = { IB_MAD_METHOD_GET, IB_MAD_METHOD_SET, IB_MAD_METHOD_TRAP,
				     IB_MAD_METHOD_GET_TABLE, IB_MAD_METHOD_DELETE };
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		mask[methods[i] / (8 * sizeof(long))] |= 1L << (methods[i] % (8 * sizeof(long)));
	int ag_lid = umad_register(fd, IB_SMI_CLASS, 1, 0, mask);
	int ag_dr = umad_register(fd, IB_SMI_DIRECT_CLASS, 1, 0, mask);
	int ag_sa = umad_register(fd, IB_SA_CLASS, 2, 1, mask);
	char path[256];
	if (ag_lid < 0 || ag_dr < 0 || ag_sa < 0 || umad_get_issm_path(NULL, 0, path, sizeof(path)) < 0)
		return 1;
	int issm = open(path, O_RDWR | O_NONBLOCK);
	if (issm < 0) {
		perror(path);
		return 1;
	}
	printf("fakesm: GUID 0x%016llx claims state %u, priority %u, SM_Key 0x%llx\n",
	       (unsigned long long)guid, state, prio, (unsigned long long)key);
	fflush(stdout);

	unsigned gets = 0, sets = 0;
	time_t end = time(NULL) + secs;
	uint8_t buf[4096];
	while (time(NULL) < end) {
		int len = (int)(sizeof(buf) - umad_size());
		if (umad_recv(fd, buf, &len, 200) < 0)
			continue;
		uint8_t *mad = umad_get_mad(buf);
		unsigned mclass = mad_get_field(mad, 0, IB_MAD_MGMTCLASS_F);
		unsigned method = mad_get_field(mad, 0, IB_MAD_METHOD_F);
		if (mclass != IB_SMI_CLASS && mclass != IB_SMI_DIRECT_CLASS)
			continue;  /* the SA's, traps: not answered */
		if (mad_get_field(mad, 0, IB_MAD_ATTRID_F) != ATTR_SMINFO ||
		    (method != IB_MAD_METHOD_GET && method != IB_MAD_METHOD_SET))
			continue;
		uint8_t *d = mad + IB_SMP_DATA_OFFS;
		memset(d, 0, IB_SMP_DATA_SIZE);
		mad_set_field64(d, 0, IB_SMINFO_GUID_F, guid);
		mad_set_field64(d, 0, IB_SMINFO_KEY_F, key);
		mad_set_field(d, 0, IB_SMINFO_ACT_F, gets + sets);
		mad_set_field(d, 0, IB_SMINFO_PRIO_F, prio);
		mad_set_field(d, 0, IB_SMINFO_STATE_F, state);
		mad[3] = IB_MAD_METHOD_GET_RESPONSE;  /* with the response bit (IB_MAD_METHOD_F has 7) */
		if (mclass == IB_SMI_DIRECT_CLASS) {
			mad_set_field(mad, 0, IB_DRSMP_STATUS_F, 0);
			mad_set_field(mad, 0, IB_DRSMP_DIRECTION_F, 1);
		} else {
			mad_set_field(mad, 0, IB_MAD_STATUS_F, 0);
		}
		/* A fresh umad header with the sender's address, as for any send. */
		ib_mad_addr_t addr = *umad_get_mad_addr(buf);
		memset(buf, 0, umad_size());
		*umad_get_mad_addr(buf) = addr;
		if (method == IB_MAD_METHOD_GET)
			gets++;
		else
			sets++;
		if (umad_send(fd, mclass == IB_SMI_DIRECT_CLASS ? ag_dr : ag_lid, buf, MAD_LEN, 0, 0) < 0)
			perror("fakesm: umad_send");
	}
	printf("fakesm: answered %u Gets, %u Sets\n", gets, sets);
	close(issm);
	umad_close_port(fd);
	return 0;
}
