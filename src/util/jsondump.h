/* jsondump: json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS), byte for byte, without jansson's
 * per-character callback and key copies: the signature verification report is written once
 * per signature (see docs/verification.md). */
#ifndef MADOGUCHI_JSONDUMP_H
#define MADOGUCHI_JSONDUMP_H

#include <jansson.h>

/* The compact JSON text of v with each object's keys sorted (malloc'd, free() it), exactly as
 * json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) gives it; NULL when out of memory or when
 * json_dumps would give NULL (v NULL or not an object or array). */
char *jsondump_sorted(const json_t *v);

#endif
