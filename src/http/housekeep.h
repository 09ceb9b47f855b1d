/* housekeep: periodic clean-up of expired rows (housekeep.c). */
#ifndef MADOGUCHI_HOUSEKEEP_H
#define MADOGUCHI_HOUSEKEEP_H

#include <event2/event.h>

/* A timer on base that queues the clean-up on the worker pool, ten seconds after start and
 * then hourly; the caller event_free()s it. NULL when out of memory. */
struct event *housekeep_start(struct event_base *base);

#endif
