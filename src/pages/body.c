/* body: a form POST's body with or without files (see body.h). */
#include "pages/body.h"

#include <string.h>
#include <strings.h>

#include "pages/messages.h"
#include "http/session.h"
#include "pages/pages.h"

int page_read_body(req *r, multipart *mp, size_t max_files)
{
	memset(mp, 0, sizeof(*mp));
	const char *ct = req_header(r, "Content-Type");
	if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
		size_t len = 0;
		const char *body = req_body(r, &len);
		char boundary[MULTIPART_BOUNDARY_MAX + 1];
		multipart_limits lim = multipart_default_limits();
		lim.max_fields = (size_t)r->a->cfg.max_form_fields;
		lim.max_files = max_files;
		lim.max_file_size = len; /* per field limits are checked later, with a message */
		int e = multipart_boundary(ct, boundary, sizeof(boundary));
		if (e == MP_OK)
			e = multipart_parse(body, len, boundary, &lim, mp);
		if (e != MP_OK) {
			multipart_release(mp);
			resp_error(r, 400, MSG_UNREADABLE,
			           e == MP_ETOOMANY || e == MP_ETOOMANYFILES ? MSG_TOO_MANY
			           : e == MP_EFILENAME                       ? MSG_BAD_FILENAME
			                                                     : MSG_REOPEN);
			return -1;
		}
		return 0;
	}
	return req_body_form(r, &mp->fields);
}
