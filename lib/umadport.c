#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <infiniband/umad.h>
#include "config.h"
#include "log.h"
#include "umadport.h"

#define PHYS_LINKUP 5

static int umad_port_fill(const umad_ca_t *ca, const umad_port_t *p, struct mad_port_spec *out,
			  uint64_t *guid)
{
	snprintf(out->ca, sizeof(out->ca), "%s", ca->ca_name);
	out->port = p->portnum;
	out->gsi_ca[0] = 0;
	out->gsi_port = p->portnum;
	*guid = be64toh(p->port_guid);
	return 0;
}

int umad_port_pick(const char *spec, struct mad_port_spec *out, uint64_t *guid)
{
	char cas[UMAD_MAX_DEVICES][UMAD_CA_NAME_LEN];
	char want_ca[UMAD_CA_NAME_LEN] = "";
	int want_port = 0, n;
	uint64_t want_guid = 0;

	if (umad_init() < 0) {
		log_warnx("cannot initialise libibumad");
		return -1;
	}
	if (spec[0] && cfg_parse_port(spec, want_ca, sizeof(want_ca), &want_port, &want_guid) < 0) {
		log_warnx("bad port '%s'", spec);
		return -1;
	}
	struct mad_port_spec first = { .port = 0 };
	uint64_t first_guid = 0;
	n = umad_get_cas_names(cas, UMAD_MAX_DEVICES);
	if (n <= 0) {
		log_warnx("no InfiniBand devices found (are ib_umad and the HCA driver loaded?)");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		umad_ca_t ca;
		if (want_ca[0] && strcmp(want_ca, cas[i]))
			continue;
		if (umad_get_ca(cas[i], &ca) < 0)
			continue;
		for (int j = 0; j < UMAD_CA_MAX_PORTS; j++) {
			umad_port_t *p = ca.ports[j];
			if (!p)
				continue;
			int match;
			if (!want_ca[0] && !want_guid && !first.port &&
			    strcmp(p->link_layer, "Ethernet") != 0)
				umad_port_fill(&ca, p, &first, &first_guid);
			if (want_ca[0])
				match = p->portnum == want_port;
			else if (want_guid)
				match = be64toh(p->port_guid) == want_guid;
			else
				match = p->phys_state == PHYS_LINKUP &&
					strcmp(p->link_layer, "Ethernet") != 0;
			if (match) {
				umad_port_fill(&ca, p, out, guid);
				umad_release_ca(&ca);
				return 0;
			}
		}
		umad_release_ca(&ca);
	}
	if (want_ca[0])
		log_warnx("port %s:%d not found", want_ca, want_port);
	else if (want_guid)
		log_warnx("no local port has GUID 0x%016llx", (unsigned long long)want_guid);
	else if (first.port) {
		/* No cable yet: run on the first port; the link may come later. */
		log_warnx("no InfiniBand port has its link up; using %s:%d", first.ca, first.port);
		*out = first;
		*guid = first_guid;
		return 0;
	} else
		log_warnx("no InfiniBand port found");
	return -1;
}
