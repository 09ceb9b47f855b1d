/* conn: the per-connection guards evhttp lacks. Each connection gets the body limit of the
 * route its request line names (before the body arrives), a deadline for the request head
 * and a minimum rate for the body (as nginx client_header_timeout / Apache mod_reqtimeout
 * header=…,MinRate=…), and counts against a cap per process and per client address. */
#ifndef MADOGUCHI_CONN_H
#define MADOGUCHI_CONN_H

#include <stddef.h>

struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct app;

/* Once, before the loops start: raises the soft descriptor limit to the hard one and
 * sizes the tables. */
int conn_setup(const struct app *a, char *err, size_t errlen);
void conn_teardown(void);
/* Makes http's connections guarded (its bufferevents are made here). */
void conn_attach(struct evhttp *http);
/* The request was read whole and goes to its handler: no deadline until it is answered.
 * Returns 1 when its body was refused unread for a Content-Length past *limit (the route's
 * limit, set in any case): it is to be answered 413 and the connection closed. */
int conn_request_begin(struct evhttp_request *ev, size_t *limit);
/* fn(evcon, arg) when the request's connection closes (NULL: no more); the one close callback
 * evhttp keeps per connection is conn's own. */
void conn_on_close(struct evhttp_request *ev, void (*fn)(struct evhttp_connection *, void *),
                   void *arg);

#endif
