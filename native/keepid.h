/* --userns=keep-id: a nested user namespace where the user's ids are their own (keepid.c). */
#ifndef TSPOD_KEEPID_H
#define TSPOD_KEEPID_H

#include "error.h"

/* Enters a new user namespace mapping `ids` ("UID:GID") to the parent's 0 (the user); call after joining the per-user one. */
int keepid_enter (const char *ids, rt_error *err);

#endif
