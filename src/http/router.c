/* router: matches a method and a decoded path against the route table. Patterns are
 * literal segments, ":name" segments that capture one non-empty segment, and a final "*"
 * that matches any non-empty rest. */
#include <string.h>

#include "http/http.h"

static int match(const char *pat, const char *path, req *r)
{
	size_t np = 0;
	while (*pat && *path) {
		if (pat[0] == '*' && pat[1] == '\0') {
			r->n_params = np;
			return 1; /* a final star: any non-empty rest */
		}
		if (*pat == ':') {
			const char *seg_end = strchr(path, '/');
			size_t seglen = seg_end ? (size_t)(seg_end - path) : strlen(path);
			if (seglen == 0 || np >= REQ_MAX_PARAMS)
				return 0;
			r->params[np++] = path; /* caller copies the segment (see router_match) */
			path += seglen;
			pat = strchr(pat, '/');
			if (!pat)
				pat = "";
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	if (*pat || *path)
		return 0;
	r->n_params = np;
	return 1;
}

const route *router_match(const route *routes, size_t n, req *r, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < n; i++) {
		if (!match(routes[i].pattern, r->path, r))
			continue;
		if (!(routes[i].methods & r->method)) {
			*path_known = 1;
			continue;
		}
		/* Cut the captured segments in place: the path is no longer needed whole. */
		for (size_t p = 0; p < r->n_params; p++) {
			char *seg = (char *)r->params[p];
			char *slash = strchr(seg, '/');
			if (slash)
				*slash = '\0';
		}
		return &routes[i];
	}
	r->n_params = 0;
	return NULL;
}
