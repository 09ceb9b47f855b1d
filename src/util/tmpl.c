/* tmpl: the portal's Mustache-subset HTML template renderer (see tmpl.h for the syntax).
 *
 * tmpl_set_add() compiles a template once into a flat array of nodes: text runs, values,
 * sections (whose children are the nodes up to `next`) and partials. Dotted names are split
 * at compile time, in place in the template's own copy of the source (the dots and the byte
 * after each name, which lie inside tags and so never inside text nodes, become NULs).
 * Partials are linked to their target template whenever a template is added, so rendering
 * does no name lookup in the set except for the template asked for.
 *
 * Rendering walks the nodes recursively with a fixed-size context stack on the C stack; it
 * allocates nothing except what the output buffer grows by (tmpl_render_page also needs one
 * buffer and one JSON string for the page). A set must not be modified while it is being
 * rendered; rendering one set from several threads at once is fine.
 *
 * Details tmpl.h leaves open: false prints "false", arrays and objects print nothing; a render
 * that fails leaves out as it was before the call (its failed flag aside); more than 32
 * nested sections in one template fail at tmpl_set_add with TMPL_EDEPTH, a source over 1 MiB
 * with TMPL_ENOMEM; delimiter changes ({{=...=}}) are a syntax error; names may not contain
 * whitespace, braces or control characters; partial names are not split at dots.
 */
#include "util/tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/file.h"

#define TMPL_MAX_DEPTH 32
#define TMPL_MAX_SRC ((size_t)1 << 20)
/* Bound on the nodes one render visits, so that nested loops with little output (32 nested
 * sections over a 3-element array are 3^32 iterations) cannot spin for ever: 16M nodes,
 * under a second, far above what any real page needs (a 1000-row table is ~20k). Reported
 * as TMPL_ENOMEM like the output limit. */
#ifdef MADOGUCHI_FUZZ
#define TMPL_MAX_STEPS ((unsigned long)1 << 18)
#else
#define TMPL_MAX_STEPS ((unsigned long)1 << 24)
#endif

enum node_type {
	N_TEXT,     /* a = offset in src, b = length */
	N_VAR,      /* escaped value; a = first part in parts, b = number of parts (0: ".") */
	N_RAW,      /* unescaped value; a, b as N_VAR */
	N_SECTION,  /* a, b as N_VAR; children are the nodes up to next */
	N_INVERTED, /* as N_SECTION */
	N_PARTIAL,  /* a = index in parts of the partial's name */
};

struct tmpl;

struct node {
	uint8_t type;
	uint32_t a;
	uint32_t b;
	uint32_t next;
	const struct tmpl *partial; /* N_PARTIAL: NULL while no template of that name exists */
};

struct tmpl {
	char *name;
	uint32_t hash;
	char *src; /* copy of the source; names NUL-terminated in place */
	struct node *nodes;
	uint32_t nnodes;
	const char **parts;
	uint32_t nparts;
};

struct tmpl_set {
	struct tmpl **v;
	size_t n, cap;
};

const char *tmpl_strerror(int err)
{
	switch (err) {
	case TMPL_OK:
		return "ok";
	case TMPL_ESYNTAX:
		return "template syntax error";
	case TMPL_ENOTFOUND:
		return "no such template";
	case TMPL_EDEPTH:
		return "sections and partials nested deeper than 32";
	case TMPL_EIO:
		return "template file could not be read";
	case TMPL_ENOMEM:
		return "out of memory or output limit reached";
	}
	return "unknown error";
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->src);
	free(t->nodes);
	free(t->parts);
	free(t);
}

tmpl_set *tmpl_set_new(void)
{
	return calloc(1, sizeof(tmpl_set));
}

void tmpl_set_free(tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_free(set->v[i]);
	free(set->v);
	free(set);
}

static size_t set_index(const tmpl_set *set, const char *name)
{
	uint32_t h = name_hash(name);
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i]->hash == h && strcmp(set->v[i]->name, name) == 0)
			return i;
	return (size_t)-1;
}

static const struct tmpl *set_find(const tmpl_set *set, const char *name)
{
	size_t i = name ? set_index(set, name) : (size_t)-1;
	return i == (size_t)-1 ? NULL : set->v[i];
}

/* ---- compiler ---- */

struct open_section {
	uint32_t node;
	uint32_t line;
	uint32_t name_off; /* the name in src (dots already NULs) */
	uint32_t name_len;
};

struct compiler {
	struct tmpl *t;
	const char *label;
	char *err;
	size_t errlen;
	uint32_t ncap, pcap;
	struct open_section open[TMPL_MAX_DEPTH];
	int nopen;
};

__attribute__((format(printf, 4, 5))) static int fail(struct compiler *c, int code, uint32_t line,
                                                      const char *fmt, ...)
{
	va_list ap;
	errbuf_set(c->err, c->errlen, "%s:%u: ", c->label, (unsigned)line);
	va_start(ap, fmt);
	errbuf_vappend(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return code;
}

static struct node *add_node(struct compiler *c, int type, uint32_t a, uint32_t b)
{
	struct tmpl *t = c->t;
	if (t->nnodes == c->ncap) {
		uint32_t cap = c->ncap ? c->ncap * 2 : 16;
		struct node *p = realloc(t->nodes, cap * sizeof(*p));
		if (!p)
			return NULL;
		t->nodes = p;
		c->ncap = cap;
	}
	struct node *n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->a = a;
	n->b = b;
	return n;
}

static int add_part(struct compiler *c, const char *p)
{
	struct tmpl *t = c->t;
	if (t->nparts == c->pcap) {
		uint32_t cap = c->pcap ? c->pcap * 2 : 16;
		const char **q = realloc(t->parts, cap * sizeof(*q));
		if (!q)
			return -1;
		t->parts = q;
		c->pcap = cap;
	}
	t->parts[t->nparts++] = p;
	return 0;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static uint32_t count_nl(const char *s, size_t n)
{
	uint32_t k = 0;
	const char *e = s + n;
	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s++;
	}
	return k;
}

/* Compare a section's name as stored (dots turned into NULs, except the name ".") with the
 * raw name of a closing tag. */
static int name_eq(const char *stored, size_t slen, const char *raw, size_t rlen)
{
	if (slen != rlen)
		return 0;
	for (size_t i = 0; i < slen; i++)
		if ((stored[i] ? stored[i] : '.') != raw[i])
			return 0;
	return 1;
}

/* A printable copy of a stored name for messages (at most 64 bytes). */
static const char *name_show(char *dst, size_t dstlen, const char *stored, size_t slen)
{
	size_t n = slen < dstlen - 1 ? slen : dstlen - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = stored[i] ? stored[i] : '.';
	dst[n] = '\0';
	return dst;
}

/* Split the name s[0..n) at dots in place and append its parts; "." has no parts. */
static int add_name(struct compiler *c, char *s, size_t n, uint32_t line, uint32_t *first,
                    uint32_t *count)
{
	*first = c->t->nparts;
	*count = 0;
	if (n == 1 && s[0] == '.') {
		s[1] = '\0';
		return TMPL_OK;
	}
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (i == start)
			return fail(c, TMPL_ESYNTAX, line, "empty part in dotted name \"%.*s\"",
			            (int)(n > 64 ? 64 : n), s);
		start = i + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			s[i] = '\0';
	s[n] = '\0';
	start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\0')
			continue;
		if (add_part(c, s + start) < 0)
			return TMPL_ENOMEM;
		(*count)++;
		start = i + 1;
	}
	return TMPL_OK;
}

/* A tag: the line it starts on, its sigil ('#', '^', '/', '>', '!', '&', '=', or 0 for a
 * value and always in a triple mustache) and [cs, ce) of src after the sigil, which
 * tag_name trims to the name. */
struct tag {
	uint32_t line;
	int triple;
	char sigil;
	size_t cs, ce;
};

/* The tag whose "{{" is at open: *pos is set past its end and *line past its newlines. */
static int read_tag(struct compiler *c, size_t len, size_t open, size_t *pos, uint32_t *line,
                    struct tag *tag)
{
	const char *s = c->t->src;
	size_t cs = open + 2;

	*tag = (struct tag){.line = *line, .triple = cs < len && s[cs] == '{'};
	if (tag->triple)
		cs++;
	const char *e = memmem(s + cs, len - cs, tag->triple ? "}}}" : "}}", tag->triple ? 3 : 2);
	if (!e)
		return fail(c, TMPL_ESYNTAX, tag->line, "unclosed tag \"%s\"",
		            tag->triple ? "{{{" : "{{");
	size_t ce = (size_t)(e - s);
	*line += count_nl(s + cs, ce - cs);
	*pos = ce + (tag->triple ? 3 : 2);
	while (cs < ce && is_space(s[cs]))
		cs++;
	/* memchr, not strchr: a NUL in the source is no sigil */
	if (!tag->triple && cs < ce && memchr("#^/>!&=", s[cs], 7))
		tag->sigil = s[cs++];
	tag->cs = cs;
	tag->ce = ce;
	return TMPL_OK;
}

/* Trim the tag's name; it may not be empty nor hold whitespace, braces or controls. */
static int tag_name(struct compiler *c, struct tag *tag)
{
	const char *s = c->t->src;

	while (tag->cs < tag->ce && is_space(s[tag->cs]))
		tag->cs++;
	while (tag->ce > tag->cs && is_space(s[tag->ce - 1]))
		tag->ce--;
	if (tag->cs == tag->ce)
		return fail(c, TMPL_ESYNTAX, tag->line, "empty name in tag");
	const char *name = s + tag->cs;
	size_t nlen = tag->ce - tag->cs;
	for (size_t i = 0; i < nlen; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f || ch == ' ' || ch == '{' || ch == '}')
			return fail(c, TMPL_ESYNTAX, tag->line,
			            "invalid character in name \"%.*s\"",
			            (int)(nlen > 64 ? 64 : nlen), name);
	}
	return TMPL_OK;
}

/* {{name}}, {{&name}} or {{{name}}}: an N_VAR or N_RAW node. */
static int tag_value(struct compiler *c, const struct tag *tag, int type)
{
	uint32_t first, count;
	int rc = add_name(c, c->t->src + tag->cs, tag->ce - tag->cs, tag->line, &first, &count);
	if (rc != TMPL_OK)
		return rc;
	return add_node(c, type, first, count) ? TMPL_OK : TMPL_ENOMEM;
}

/* {{#name}} or {{^name}}: an N_SECTION or N_INVERTED node, open until its {{/name}}. */
static int tag_open(struct compiler *c, const struct tag *tag, int type)
{
	uint32_t first, count;
	int rc;

	if (c->nopen == TMPL_MAX_DEPTH)
		return fail(c, TMPL_EDEPTH, tag->line, "sections nested deeper than %d",
		            TMPL_MAX_DEPTH);
	if ((rc = add_name(c, c->t->src + tag->cs, tag->ce - tag->cs, tag->line, &first, &count)) !=
	    TMPL_OK)
		return rc;
	if (!add_node(c, type, first, count))
		return TMPL_ENOMEM;
	c->open[c->nopen++] = (struct open_section){
	    .node = c->t->nnodes - 1,
	    .line = tag->line,
	    .name_off = (uint32_t)tag->cs,
	    .name_len = (uint32_t)(tag->ce - tag->cs),
	};
	return TMPL_OK;
}

/* {{/name}}: closes the innermost open section, which must have that name. */
static int tag_close(struct compiler *c, const struct tag *tag)
{
	const char *s = c->t->src, *name = s + tag->cs;
	size_t nlen = tag->ce - tag->cs;
	char shown[80];

	if (c->nopen == 0)
		return fail(c, TMPL_ESYNTAX, tag->line, "{{/%.*s}} closes no open section",
		            (int)(nlen > 64 ? 64 : nlen), name);
	struct open_section *os = &c->open[c->nopen - 1];
	if (!name_eq(s + os->name_off, os->name_len, name, nlen))
		return fail(c, TMPL_ESYNTAX, tag->line,
		            "{{/%.*s}} does not match {{#%s}} of line %u",
		            (int)(nlen > 64 ? 64 : nlen), name,
		            name_show(shown, sizeof(shown), s + os->name_off, os->name_len),
		            (unsigned)os->line);
	c->t->nodes[os->node].next = c->t->nnodes;
	c->nopen--;
	return TMPL_OK;
}

/* {{>name}}: an N_PARTIAL node; the name is not split at dots. */
static int tag_partial(struct compiler *c, const struct tag *tag)
{
	char *name = c->t->src + tag->cs;

	name[tag->ce - tag->cs] = '\0';
	if (add_part(c, name) < 0 || !add_node(c, N_PARTIAL, c->t->nparts - 1, 0))
		return TMPL_ENOMEM;
	return TMPL_OK;
}

static int compile_tag(struct compiler *c, struct tag *tag)
{
	int rc;

	if (tag->sigil == '!') /* a comment */
		return TMPL_OK;
	if (tag->sigil == '=')
		return fail(c, TMPL_ESYNTAX, tag->line,
		            "delimiter changes ({{=...=}}) are not supported");
	if ((rc = tag_name(c, tag)) != TMPL_OK)
		return rc;
	switch (tag->sigil) {
	case '/':
		return tag_close(c, tag);
	case '>':
		return tag_partial(c, tag);
	case '#':
		return tag_open(c, tag, N_SECTION);
	case '^':
		return tag_open(c, tag, N_INVERTED);
	case '&':
		return tag_value(c, tag, N_RAW);
	default: /* a plain value or a triple mustache */
		return tag_value(c, tag, tag->triple ? N_RAW : N_VAR);
	}
}

static int compile(struct compiler *c, size_t len)
{
	char *s = c->t->src;
	size_t pos = 0;
	uint32_t line = 1;
	char shown[80];
	int rc;

	for (;;) {
		const char *o = pos < len ? memmem(s + pos, len - pos, "{{", 2) : NULL;
		size_t open = o ? (size_t)(o - s) : len;
		if (open > pos) {
			if (!add_node(c, N_TEXT, (uint32_t)pos, (uint32_t)(open - pos)))
				return TMPL_ENOMEM;
			line += count_nl(s + pos, open - pos);
		}
		if (!o)
			break;
		struct tag tag;
		if ((rc = read_tag(c, len, open, &pos, &line, &tag)) != TMPL_OK ||
		    (rc = compile_tag(c, &tag)) != TMPL_OK)
			return rc;
	}
	if (c->nopen) {
		struct open_section *os = &c->open[c->nopen - 1];
		return fail(c, TMPL_ESYNTAX, os->line, "section {{#%s}} is never closed",
		            name_show(shown, sizeof(shown), s + os->name_off, os->name_len));
	}
	return TMPL_OK;
}

/* Point every partial node of the set at its target: all of t's, and the others' that name
 * t (which also replaces pointers to a template t replaced). */
static void link_partials(tmpl_set *set, struct tmpl *t)
{
	for (uint32_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].type == N_PARTIAL)
			t->nodes[i].partial = set_find(set, t->parts[t->nodes[i].a]);
	for (size_t k = 0; k < set->n; k++) {
		struct tmpl *o = set->v[k];
		if (o == t)
			continue;
		for (uint32_t i = 0; i < o->nnodes; i++)
			if (o->nodes[i].type == N_PARTIAL &&
			    strcmp(o->parts[o->nodes[i].a], t->name) == 0)
				o->nodes[i].partial = t;
	}
}

static int set_add(tmpl_set *set, const char *name, const char *label, const char *src, size_t len,
                   char *err, size_t errlen)
{
	struct compiler c = {.label = label, .err = err, .errlen = errlen};
	struct tmpl *t = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!set || !name || !*name || (!src && len)) {
		rc = fail(&c, TMPL_ESYNTAX, 0, "no template name or source");
		goto out;
	}
	if (len > TMPL_MAX_SRC) {
		rc = fail(&c, TMPL_ENOMEM, 0, "template larger than %zu bytes", TMPL_MAX_SRC);
		goto out;
	}
	rc = TMPL_ENOMEM;
	if (!(t = calloc(1, sizeof(*t))) || !(t->name = strdup(name)) ||
	    !(t->src = malloc(len + 1)))
		goto out;
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->hash = name_hash(name);
	c.t = t;
	if ((rc = compile(&c, len)) != TMPL_OK)
		goto out;

	size_t i = set_index(set, name);
	struct tmpl *old = NULL;
	if (i != (size_t)-1) {
		old = set->v[i];
		set->v[i] = t;
	} else {
		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 16;
			struct tmpl **v = realloc(set->v, cap * sizeof(*v));
			if (!v) {
				rc = TMPL_ENOMEM;
				goto out;
			}
			set->v = v;
			set->cap = cap;
		}
		set->v[set->n++] = t;
	}
	link_partials(set, t);
	tmpl_free(old);
	t = NULL;
	rc = TMPL_OK;
out:
	tmpl_free(t);
	if (rc == TMPL_ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory", label ? label : "?");
	return rc;
}

int tmpl_set_add(tmpl_set *set, const char *name, const char *src, size_t len, char *err,
                 size_t errlen)
{
	return set_add(set, name, name ? name : "?", src, len, err, errlen);
}

static int html_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".html") == 0;
}

int tmpl_set_load_dir(tmpl_set *set, const char *dir, char *err, size_t errlen)
{
	struct dirent **list = NULL;
	int n = -1, rc = TMPL_OK;
	char *path = NULL, *name = NULL, *src = NULL;
	if (err && errlen)
		err[0] = '\0';
	n = scandir(dir, &list, html_file, alphasort);
	if (n < 0) {
		errbuf_set(err, errlen, "%s: %s", dir, strerror(errno));
		rc = TMPL_EIO;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *fn = list[i]->d_name;
		size_t flen = strlen(fn);
		size_t len;
		free(path);
		free(name);
		free(src);
		src = NULL;
		path = malloc(strlen(dir) + flen + 2);
		name = strndup(fn, flen - 5);
		if (!path || !name) {
			rc = TMPL_ENOMEM;
			errbuf_set(err, errlen, "%s: out of memory", dir);
			goto out;
		}
		sprintf(path, "%s/%s", dir, fn);
		if (file_read_all(path, TMPL_MAX_SRC, &src, &len, NULL) != 0) {
			if (errno == EINVAL) /* not a regular file: not a template */
				continue;
			rc = errno == EFBIG || errno == ENOMEM ? TMPL_ENOMEM : TMPL_EIO;
			if (rc == TMPL_EIO)
				errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
			else
				errbuf_set(err, errlen, "%s:0: template larger than %zu bytes",
				           path, TMPL_MAX_SRC);
			goto out;
		}
		rc = set_add(set, name, path, src, len, err, errlen);
		if (rc != TMPL_OK)
			goto out;
	}
out:
	if (list) {
		for (int i = 0; i < n; i++)
			free(list[i]);
		free(list);
	}
	free(path);
	free(name);
	free(src);
	return rc;
}

/* ---- renderer ---- */

struct rstate {
	buf *out;
	json_t *content; /* tmpl_render_page: the "content" key laid over the root context */
	unsigned long steps;
	int depth;
	int sp;
	json_t *stack[TMPL_MAX_DEPTH + 1];
};

static json_t *lookup(const struct rstate *st, const struct tmpl *t, const struct node *n)
{
	if (n->b == 0)
		return st->stack[st->sp - 1];
	const char *const *parts = t->parts + n->a;
	json_t *v = NULL;
	for (int i = st->sp - 1; i >= 0; i--) {
		if (i == 0 && st->content && strcmp(parts[0], "content") == 0) {
			v = st->content;
			break;
		}
		json_t *f = st->stack[i];
		if (json_is_object(f) && (v = json_object_get(f, parts[0])) != NULL)
			break;
	}
	for (uint32_t k = 1; v && k < n->b; k++)
		v = json_is_object(v) ? json_object_get(v, parts[k]) : NULL;
	return v;
}

static int truthy(const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return 1;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return 1;
	case JSON_FALSE:
	case JSON_NULL:
		return 0;
	}
	return 0;
}

static int emit(buf *out, const json_t *v, int escape)
{
	char num[64];
	int k;
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return buf_html_escape(out, json_string_value(v), json_string_length(v));
		return buf_append(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		k = snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return buf_append(out, num, (size_t)k);
	case JSON_REAL:
		k = snprintf(num, sizeof(num), "%g", json_real_value(v));
		return buf_append(out, num, (size_t)k);
	case JSON_TRUE:
		return buf_append(out, "true", 4);
	case JSON_FALSE:
		return buf_append(out, "false", 5);
	default:
		return 0;
	}
}

static int render(struct rstate *st, const struct tmpl *t, uint32_t from, uint32_t to)
{
	int rc;
	for (uint32_t i = from; i < to;) {
		const struct node *n = &t->nodes[i];
		if (++st->steps > TMPL_MAX_STEPS)
			return TMPL_ENOMEM;
		switch (n->type) {
		case N_TEXT:
			if (buf_append(st->out, t->src + n->a, n->b) < 0)
				return TMPL_ENOMEM;
			i++;
			break;
		case N_VAR:
		case N_RAW:
			if (emit(st->out, lookup(st, t, n), n->type == N_VAR) < 0)
				return TMPL_ENOMEM;
			i++;
			break;
		case N_SECTION:
		case N_INVERTED: {
			json_t *v = lookup(st, t, n);
			int yes = truthy(v);
			if (yes == (n->type == N_SECTION)) {
				if (st->depth >= TMPL_MAX_DEPTH)
					return TMPL_EDEPTH;
				st->depth++;
				rc = TMPL_OK;
				if (n->type == N_INVERTED) {
					rc = render(st, t, i + 1, n->next);
				} else if (json_is_array(v)) {
					size_t cnt = json_array_size(v);
					for (size_t k = 0; k < cnt && rc == TMPL_OK; k++) {
						st->stack[st->sp++] = json_array_get(v, k);
						rc = render(st, t, i + 1, n->next);
						st->sp--;
					}
				} else {
					st->stack[st->sp++] = v;
					rc = render(st, t, i + 1, n->next);
					st->sp--;
				}
				st->depth--;
				if (rc != TMPL_OK)
					return rc;
			}
			i = n->next;
			break;
		}
		case N_PARTIAL:
			if (!n->partial)
				return TMPL_ENOTFOUND;
			if (st->depth >= TMPL_MAX_DEPTH)
				return TMPL_EDEPTH;
			st->depth++;
			rc = render(st, n->partial, 0, n->partial->nnodes);
			st->depth--;
			if (rc != TMPL_OK)
				return rc;
			i++;
			break;
		default:
			return TMPL_ESYNTAX; /* not reached */
		}
	}
	return TMPL_OK;
}

static void truncate_to(buf *out, size_t len)
{
	if (out->len > len) {
		out->len = len;
		if (out->data)
			out->data[len] = '\0';
	}
}

static int render_root(const struct tmpl *t, json_t *ctx, json_t *content, buf *out)
{
	struct rstate st;
	st.out = out;
	st.content = content;
	st.steps = 0;
	st.depth = 0;
	st.sp = 1;
	st.stack[0] = ctx;
	return render(&st, t, 0, t->nnodes);
}

int tmpl_render(const tmpl_set *set, const char *name, json_t *ctx, buf *out)
{
	const struct tmpl *t = set ? set_find(set, name) : NULL;
	if (!t)
		return TMPL_ENOTFOUND;
	size_t start = out->len;
	int rc = render_root(t, ctx, NULL, out);
	if (rc != TMPL_OK)
		truncate_to(out, start);
	return rc;
}

int tmpl_render_page(const tmpl_set *set, const char *layout, const char *name, json_t *ctx,
                     buf *out)
{
	const struct tmpl *lt = set ? set_find(set, layout) : NULL;
	const struct tmpl *pt = set ? set_find(set, name) : NULL;
	size_t start = out->len;
	json_t *content = NULL;
	size_t max = out->max ? out->max : BUF_DEFAULT_MAX;
	buf page;
	int rc;

	buf_init(&page, max > start ? max - start : 1);
	if (!lt || !pt) {
		rc = TMPL_ENOTFOUND;
		goto out;
	}
	if ((rc = render_root(pt, ctx, NULL, &page)) != TMPL_OK)
		goto out;
	if (!(content = json_stringn_nocheck(page.data ? page.data : "", page.len))) {
		rc = TMPL_ENOMEM;
		goto out;
	}
	rc = render_root(lt, ctx, content, out);
out:
	if (rc != TMPL_OK)
		truncate_to(out, start);
	json_decref(content);
	buf_release(&page);
	return rc;
}
