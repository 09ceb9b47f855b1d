/* multipart: bounded parser of multipart/form-data request bodies (RFC 7578 over the
 * RFC 2046 multipart syntax), for forms with file uploads. Text fields land in a `form`
 * (http/form.h) so handlers read them with form_get/form_get_nth as for urlencoded bodies;
 * files are a separate list whose bytes point into the body (no copy).
 *
 * Strict where it protects the reader, lenient where browsers are:
 *  - delimiters need CRLF (a bare LF is content); "\r\n--boundary" followed by anything but
 *    transport padding and CRLF (or "--") is content, not a delimiter; the preamble and the
 *    epilogue are optional and ignored; the close delimiter is required (a truncated body
 *    is an error, never half-read);
 *  - each part needs exactly one `Content-Disposition: form-data; name=...`; header lines
 *    are CRLF-terminated, without folding or control characters; a Content-Transfer-Encoding
 *    other than 7bit/8bit/binary is refused (it would be taken literally);
 *  - parameter values are tokens or quoted strings; inside quotes `\"` and `\\` are escapes
 *    (curl) and any other backslash is literal (browsers send Windows paths raw), and "%22"
 *    is a '"' (the WHATWG encoding Chromium and Firefox use for names and filenames);
 *  - a part with a filename parameter is a file, even with filename=""; a file part with an
 *    empty filename and no content (a file input left empty) is skipped. A filename keeps
 *    only its base name (after the last '/' or '\'), must be UTF-8 without control
 *    characters, and may not be "." or "..". filename* (RFC 7578 4.2 forbids it) is ignored.
 * Text values are not checked for UTF-8 here: field validation does that. */
#ifndef MADOGUCHI_MULTIPART_H
#define MADOGUCHI_MULTIPART_H

#include <stddef.h>

#include "http/form.h"

enum multipart_err {
	MP_OK = 0,
	MP_ETYPE,         /* the Content-Type is not multipart/form-data */
	MP_EBOUNDARY,     /* missing, duplicate, empty, over-long or invalid boundary */
	MP_ESYNTAX,       /* no opening delimiter, or no close delimiter (truncated body) */
	MP_EHEADER,       /* a part's headers are over max_header bytes or malformed, or lack
	                     a form-data Content-Disposition with a name */
	MP_ENAME,         /* an empty, over-long (FORM_MAX_NAME) or control-containing name */
	MP_EFILENAME,     /* a filename that is not UTF-8, has control or bidi characters, is "." or
	                     "..", or is over MULTIPART_FILENAME_MAX bytes */
	MP_ETOOMANY,      /* more fields than max_fields */
	MP_ETOOMANYFILES, /* more files than max_files */
	MP_ETOOBIG,       /* a text value over max_value bytes */
	MP_EFILETOOBIG,   /* a file over max_file_size bytes */
	MP_ENOMEM,
};
const char *multipart_strerror(int err);

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_FILENAME_MAX 1024 /* bytes of the base name */

typedef struct multipart_limits {
	size_t max_fields;    /* text fields, and file inputs sent empty (which are skipped) */
	size_t max_files;     /* files kept; so at most max_fields + max_files parts in all */
	size_t max_header;    /* bytes of one part's header block, its blank line included */
	size_t max_value;     /* bytes of one text field's value */
	size_t max_file_size; /* bytes of one file */
} multipart_limits;

/* The limits multipart_parse uses when given none: 200 fields, 10 files, 2 KiB of headers
 * per part, 64 KiB per text value, 10 MiB per file. Callers adjust a copy. */
multipart_limits multipart_default_limits(void);

typedef struct multipart_file {
	const char *name;         /* the field's name, NUL-terminated */
	const char *filename;     /* base name, UTF-8, NUL-terminated; "" when a client sent
	                             content under filename="" or a name ending in a '/' */
	const char *content_type; /* as sent (untrusted), "application/octet-stream" if none */
	const char *data;         /* points into the parsed body: valid while the body is */
	size_t len;
} multipart_file;

typedef struct multipart {
	form fields;           /* text fields in body order; released by multipart_release */
	multipart_file *files; /* n_files files in body order */
	size_t n_files;
	char *storage; /* the files' names, filenames and content types */
} multipart;

/* Copy the boundary parameter of a Content-Type header value into out (NUL-terminated).
 * The media type must be multipart/form-data (any case, MP_ETYPE otherwise); the boundary
 * may be quoted and must be 1-70 RFC 2046 bchars not ending in a space (MP_EBOUNDARY
 * otherwise, or when out cannot hold it: MULTIPART_BOUNDARY_MAX + 1 bytes always can).
 * On error out is "". */
int multipart_boundary(const char *content_type, char *out, size_t outlen);

/* Parse len bytes of body, delimited by boundary (as from multipart_boundary), into out,
 * which the caller multipart_release()s afterwards (on error out is left empty, and
 * releasing it is harmless). lim may be NULL for multipart_default_limits(). Reads nothing
 * beyond body[len - 1]. The files' data point into body, which must outlive out; everything
 * else in out is owned by out. */
int multipart_parse(const char *body, size_t len, const char *boundary, const multipart_limits *lim,
                    multipart *out);
void multipart_release(multipart *m);

/* i-th file (0-based) sent under name, or NULL: several for <input type=file multiple>. */
const multipart_file *multipart_file_nth(const multipart *m, const char *name, size_t i);

#endif
