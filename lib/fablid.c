/* fablid: the fabric model's LIDs and the persistent map: what a standby
 * records, what a master assigns (lid.c chooses, this applies). */
#include "fablid.h"

#include <stdlib.h>

#include "lid.h"
#include "log.h"
#include "xalloc.h"

void fablid_record(struct fabric *f, struct lidmap *m)
{
	struct hmap seen;

	hmap_init(&seen);
	/* First pass finds duplicates: a LID held twice is not recorded. */
	FOR_LID_PORTS(f, n, p) {
		uint16_t lid = fab_port_cur_lid(p);
		if (lid_is_ucast(lid))
			hmap_put(&seen, lid, hmap_get(&seen, lid) ? (void *)2 : (void *)1);
	}
	FOR_LID_PORTS(f, n, p) {
		uint16_t lid = fab_port_cur_lid(p);
		if (lid_is_ucast(lid) && hmap_get(&seen, lid) == (void *)1)
			lidmap_set(m, p->guid, lid);
	}
	hmap_free(&seen);
	lidmap_save(m);
}

void fablid_assign(struct fabric *f, struct lidmap *m)
{
	size_t n = 0, i = 0;
	struct lid_req *reqs;
	int rc;

	FOR_LID_PORTS(f, nd, p)
		n++;
	reqs = xcalloc(n, sizeof(*reqs));
	FOR_LID_PORTS(f, nd, p)
		reqs[i++] = (struct lid_req){ .guid = p->guid, .cur = fab_port_cur_lid(p) };
	rc = lid_assign(reqs, n, m);
	if (rc < 0)
		log_err("out of LIDs: some ports get none");
	i = 0;
	unsigned changed = 0;
	FOR_LID_PORTS(f, nd, p) {
		uint16_t lid = reqs[i++].assigned;
		if (lid && lid != fab_port_cur_lid(p)) {
			changed++;
			log_debug("LID %u for 0x%016llx (%s port %u)", lid,
				  (unsigned long long)p->guid, nd->desc, p->num);
		}
		fab_set_lid(f, p, lid);
		if (lid)
			lidmap_set(m, p->guid, lid);
	}
	free(reqs);
	if (changed)
		log_info("assigned %u LIDs (%zu ports carry one)", changed, n);
	lidmap_save(m);
}
