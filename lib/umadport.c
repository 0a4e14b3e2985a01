#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_UMAD_GET_SMI_GSI_PAIRS
#include <infiniband/umad.h>
#endif
#include "config.h"
#include "link.h"
#include "log.h"
#include "umadport.h"

#define MAX_PORTS 128

/* open() and read(), not stdio: libumad2sim stands in for sysfs through
 * exactly those calls. */
static int read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int cmp_port(const void *a, const void *b)
{
	const struct uport_desc *x = a, *y = b;
	int c = strcmp(x->ca, y->ca);
	return c ? c : x->port - y->port;
}

/* "fe80:0000:0000:0000:0002:c903:00f4:1234" -> the low 64 bits. */
static uint64_t gid_guid(const char *gid)
{
	unsigned g[8];
	if (sscanf(gid, "%x:%x:%x:%x:%x:%x:%x:%x", &g[0], &g[1], &g[2], &g[3], &g[4], &g[5],
		   &g[6], &g[7]) != 8)
		return 0;
	return (uint64_t)g[4] << 48 | (uint64_t)g[5] << 32 | (uint64_t)g[6] << 16 | g[7];
}

int uport_scan(const char *root, struct uport_desc *out, int max)
{
	char path[512], val[128];
	int n = 0;

	snprintf(path, sizeof(path), "%s/class/infiniband", root);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *ca;
	while ((ca = readdir(d)) && n < max) {
		if (ca->d_name[0] == '.' || strlen(ca->d_name) >= sizeof(out->ca))
			continue;
		snprintf(path, sizeof(path), "%s/class/infiniband/%s/ports", root, ca->d_name);
		DIR *pd = opendir(path);
		if (!pd)
			continue;
		struct dirent *pe;
		while ((pe = readdir(pd)) && n < max) {
			char *end;
			long port = strtol(pe->d_name, &end, 10);
			if (*end || port < 1 || port > 254)
				continue;
			struct uport_desc *p = &out[n];
			memset(p, 0, sizeof(*p));
			memcpy(p->ca, ca->d_name, strlen(ca->d_name) + 1);  /* length checked above */
			p->port = (int)port;
			p->is_ib = 1;
#define ATTR(name) (snprintf(path, sizeof(path), "%s/class/infiniband/%s/ports/%ld/%s", root, \
			     ca->d_name, port, name), read_attr(path, val, sizeof(val)) == 0)
			if (ATTR("cap_mask"))
				p->capmask = (uint32_t)strtoul(val, NULL, 0);
			if (ATTR("phys_state"))
				p->phys_state = atoi(val);
			if (ATTR("link_layer"))
				p->is_ib = strcmp(val, "Ethernet") != 0;
			if (ATTR("gids/0"))
				p->guid = gid_guid(val);
#undef ATTR
			n++;
		}
		closedir(pd);
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_port);
	return n;
}

static int sm_capable(const struct uport_desc *p)
{
	return !(p->capmask & CAPMASK_IS_SM_DISABLED);
}

int uport_choose(const struct uport_desc *ports, int n, const char *spec,
		 struct mad_port_spec *out, uint64_t *guid)
{
	char want_ca[64] = "";
	int want_port = 0;
	uint64_t want_guid = 0;
	const struct uport_desc *sel = NULL, *first = NULL;

	if (spec[0] && cfg_parse_port(spec, want_ca, sizeof(want_ca), &want_port, &want_guid) < 0) {
		log_warnx("bad port '%s'", spec);
		return -1;
	}
	for (int i = 0; i < n && !sel; i++) {
		const struct uport_desc *p = &ports[i];
		if (want_ca[0]) {
			if (!strcmp(p->ca, want_ca) && p->port == want_port)
				sel = p;
		} else if (want_guid) {
			if (p->guid == want_guid && p->is_ib)
				sel = p;
		} else if (p->is_ib && sm_capable(p)) {
			/* the GSI half of a split port is found with its SMI half */
			if (!first)
				first = p;
			if (p->phys_state == PHYS_LINKUP)
				sel = p;
		}
	}
	if (!sel && !spec[0] && first) {
		/* No cable yet: run on the first port; the link may come later. */
		log_warnx("no InfiniBand port has its link up; using %s:%d", first->ca, first->port);
		sel = first;
	}
	if (!sel) {
		if (want_ca[0])
			log_warnx("port %s:%d not found", want_ca, want_port);
		else if (want_guid)
			log_warnx("no local port has GUID 0x%016llx", (unsigned long long)want_guid);
		else
			log_warnx("no InfiniBand port found (are ib_umad and the HCA driver loaded?)");
		return -1;
	}
	/* The SMI/GSI pair: the ports that share this GUID. The port asked for
	 * by name is its own half; several planes of a port share one GUID,
	 * so the other half is the one with the same port number (the plane),
	 * else the first. */
	const struct uport_desc *smi = NULL, *gsi = NULL;
	if (want_ca[0])
		*(sm_capable(sel) ? &smi : &gsi) = sel;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			const struct uport_desc *p = &ports[i];
			if (p->guid != sel->guid || !sel->guid ||
			    (pass == 0 && p->port != sel->port))
				continue;
			if (sm_capable(p) && !smi)
				smi = p;
			else if (!sm_capable(p) && !gsi)
				gsi = p;
		}
	if (!smi) {
		if (!sm_capable(sel)) {
			log_warnx("port %s:%d has IsSMDisabled and no SMI device goes with it: an SM "
				  "cannot run there", sel->ca, sel->port);
			return -1;
		}
		smi = sel;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->ca, sizeof(out->ca), "%s", smi->ca);
	out->port = smi->port;
	if (gsi && gsi != smi) {
		snprintf(out->gsi_ca, sizeof(out->gsi_ca), "%s", gsi->ca);
		out->gsi_port = gsi->port;
		log_notice("SMI/GSI-split port 0x%016llx: SMPs on %s:%d, GMPs (the SA) on %s:%d",
			   (unsigned long long)smi->guid, smi->ca, smi->port, gsi->ca, gsi->port);
	} else {
		out->gsi_port = smi->port;
	}
	*guid = smi->guid;
	return 0;
}

#ifdef HAVE_UMAD_GET_SMI_GSI_PAIRS
/* rdma-core (53+) pairs SMI and GSI devices itself: where it knows the
 * chosen SMI device, its GSI device wins over the sysfs guess; the port
 * (the plane) stays the one chosen, if that device has it. */
static void uport_lib_pair(const struct uport_desc *ports, int n, struct mad_port_spec *out)
{
	static struct umad_ca_pair pairs[MAX_PORTS];
	int np = umad_get_smi_gsi_pairs(pairs, MAX_PORTS);

	for (int i = 0; i < np; i++) {
		const char *gsi = pairs[i].gsi_name;
		if (strncmp(pairs[i].smi_name, out->ca, sizeof(pairs[i].smi_name)) || !gsi[0])
			continue;
		if (!strncmp(gsi, out->ca, sizeof(pairs[i].gsi_name))) {
			out->gsi_ca[0] = 0;  /* not split after all */
			out->gsi_port = out->port;
			return;
		}
		int want = out->gsi_ca[0] ? out->gsi_port : out->port, found = 0;
		for (int j = 0; j < n; j++)
			if (!strncmp(ports[j].ca, gsi, sizeof(pairs[i].gsi_name)) &&
			    (!found || ports[j].port == want))
				found = ports[j].port;
		if (!found)
			return;
		snprintf(out->gsi_ca, sizeof(out->gsi_ca), "%.*s", (int)sizeof(pairs[i].gsi_name), gsi);
		out->gsi_port = found;
		return;
	}
}
#endif

int uport_pick(const char *spec, struct mad_port_spec *out, uint64_t *guid)
{
	struct uport_desc ports[MAX_PORTS];
	int n = uport_scan("/sys", ports, MAX_PORTS);

	if (n <= 0) {
		log_warnx("no InfiniBand devices found (are ib_umad and the HCA driver loaded?)");
		return -1;
	}
	if (uport_choose(ports, n, spec, out, guid) < 0)
		return -1;
#ifdef HAVE_UMAD_GET_SMI_GSI_PAIRS
	uport_lib_pair(ports, n, out);
#endif
	return 0;
}
