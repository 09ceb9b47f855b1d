/* routes: the route table of the portal. */
#include "pages/pages.h"

static const route routes[] = {
	{M_GET | M_HEAD, "/", page_top, 0},
	{M_GET | M_HEAD, "/search", page_search, 0},
	{M_GET | M_HEAD, "/procedures/:id", page_procedure, 0},
	{M_GET | M_HEAD, "/procedures/:id/start", page_procedure_start, 0},
	{M_GET | M_HEAD, "/healthz", page_health, 0},
	{M_GET | M_HEAD, "/static/*", page_static, 0},
};

const route *pages_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
