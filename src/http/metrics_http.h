/* metrics_http: the listener of the metrics endpoint (see metrics_http.c). */
#ifndef MADOGUCHI_METRICS_HTTP_H
#define MADOGUCHI_METRICS_HTTP_H

#include <stddef.h>

#include "http/http.h"

struct evhttp;

/* On w's loop (the first), when the config sets metrics_listen: the listener answering
 * GET /metrics, or NULL with err set when it cannot listen. NULL with err untouched when
 * metrics_listen is empty. Freed with evhttp_free before w's base. */
struct evhttp *metrics_http_start(worker *w, char *err, size_t errlen);

#endif
