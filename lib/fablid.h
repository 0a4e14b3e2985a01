/* fablid: the fabric model's LIDs and the persistent map (lidmap.h). */
#ifndef SMD_FABLID_H
#define SMD_FABLID_H

#include "fabric.h"
#include "lidmap.h"

/* A standby (and a master before it assigns) records the LIDs it sees: a
 * LID held by two ports is not recorded. The map is saved. */
void fablid_record(struct fabric *f, struct lidmap *m);
/* Every port that can carry a LID gets one (lid_assign), set in the model
 * and the map, which is saved. */
void fablid_assign(struct fabric *f, struct lidmap *m);

#endif
