/* tmpl: the small HTML template renderer of the portal (a Mustache subset).
 *
 * Written by hand because no C Mustache library is packaged in Debian.
 * Data comes from a jansson value (the context). Syntax:
 *   {{name}}  {{a.b.c}}  {{.}}   value, HTML-escaped (strings as is, integers and reals
 *                                  printed, true -> "true", null/missing -> nothing)
 *   {{{name}}}  {{& name}}       value without escaping (only for HTML the program made)
 *   {{#name}}...{{/name}}        section: an array renders the block once per element with
 *                                  the element pushed on the context stack; an object is
 *                                  pushed and rendered once; true, a non-zero number or a
 *                                  non-empty string render once; false, null, missing, "",
 *                                  0 and [] render nothing
 *   {{^name}}...{{/name}}        inverted section: rendered when the section would not be
 *   {{> partial}}                another template of the same set, rendered with the
 *                                  current context stack
 *   {{! comment}}                nothing
 * Names are looked up from the innermost context outwards (Mustache rules); a dotted name
 * resolves its first part that way and the rest inside it.
 * Limits: nesting depth of sections and partials 32; output bounded by the caller's buf max.
 */
#ifndef MADOGUCHI_TMPL_H
#define MADOGUCHI_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

typedef struct tmpl_set tmpl_set;

enum tmpl_err {
	TMPL_OK = 0,
	TMPL_ESYNTAX,   /* unclosed tag, mismatched section, empty name ... */
	TMPL_ENOTFOUND, /* no template of that name (or a missing partial) */
	TMPL_EDEPTH,    /* nesting deeper than 32 */
	TMPL_EIO,       /* a file could not be read */
	TMPL_ENOMEM,    /* malloc failed or the output buffer reached its maximum */
};
const char *tmpl_strerror(int err);

/* A new empty set; free with tmpl_set_free(). */
tmpl_set *tmpl_set_new(void);
void tmpl_set_free(tmpl_set *set);

/* Compile src (len bytes, need not be NUL-terminated) and add it under name (copied).
 * On a syntax error returns TMPL_ESYNTAX and writes "name:line: what" into err. */
int tmpl_set_add(tmpl_set *set, const char *name, const char *src, size_t len, char *err,
                 size_t errlen);

/* Load every *.html file of dir (not recursive) under its name without ".html"
 * ("layout.html" -> "layout"). Errors as tmpl_set_add, naming the file. */
int tmpl_set_load_dir(tmpl_set *set, const char *dir, char *err, size_t errlen);

/* Render template name with ctx (borrowed) appending to out. */
int tmpl_render(const tmpl_set *set, const char *name, json_t *ctx, buf *out);

/* Render page name, then render layout with the same ctx plus a key "content" holding the
 * page's HTML (used unescaped as {{{content}}}); appends to out. ctx is not modified. */
int tmpl_render_page(const tmpl_set *set, const char *layout, const char *name, json_t *ctx,
                     buf *out);

#endif
