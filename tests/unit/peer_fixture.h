/* Unit tests of the election's rooms: a peer SM from its SMInfo fields. */
#ifndef SMD_TEST_PEER_FIXTURE_H
#define SMD_TEST_PEER_FIXTURE_H

#include <string.h>
#include "rank.h"

static inline struct sm_peer P(uint64_t guid, uint8_t prio, uint8_t state, uint64_t key)
{
	struct sm_peer p;
	memset(&p, 0, sizeof(p));
	p.info.guid = guid;
	p.info.priority = prio;
	p.info.state = state;
	p.info.key = key;
	return p;
}

#define ST(s) (1u << (s))

#endif
