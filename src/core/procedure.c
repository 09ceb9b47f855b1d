/* procedure: loads the city's procedure definitions (one JSON file each in procedures/)
 * and checks them strictly. Every field is validated and unknown keys are refused, so that a
 * typo in a definition stops the start-up with a message "FILE: PATH: what is wrong" instead
 * of silently producing a wrong form. The Markdown description is rendered to HTML here with
 * md4c, raw HTML escaped. No HTTP and no SQL here. */
#include "core/procedure.h"
#include "util/token.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <md4c-html.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/errbuf.h"
#include "util/file.h"
#include "util/utf8.h"

/* Hard limits: a definition is written by staff, but the loader must stay bounded. */
#define PROC_MAX_FILE_BYTES ((size_t)1 << 20) /* one definition file */
#define PROC_MAX_FILES 1000                   /* files in the directory */
#define PROC_MAX_HTML_BYTES ((size_t)1 << 20) /* rendered description */
#define MAX_FIELDS 200
#define MAX_PREPARE 30
#define MAX_OPTIONS 200
#define MAX_STEPS 100
#define MAX_ACCEPT 3
#define MAX_FIELD_LENGTH 10000 /* the largest max_length a field may declare */
#define MAX_FILES_PER_FIELD 10
#define MAX_BYTES_PER_FILE 10485760
#define MAX_ID_LEN 64
#define MAX_NAME_LEN 32
#define MAX_OPTION_VALUE_LEN 64

/* Lengths of strings, in characters (code points). */
enum {
	LEN_TITLE = 100,
	LEN_CATEGORY = 50,
	LEN_SUMMARY = 300,
	LEN_DESCRIPTION = 20000,
	LEN_ELIGIBILITY = 1000,
	LEN_PREPARE = 200,
	LEN_DURATION = 200,
	LEN_DEPARTMENT = 100,
	LEN_PHONE = 20,
	LEN_EMAIL = 254,
	LEN_LABEL = 100,
	LEN_HELP = 500,
	LEN_OPTION_LABEL = 200,
	LEN_UNIT = 16,
};

/* Flags for string checks. */
#define S_MULTILINE 1 /* newline and tab allowed (Markdown) */

const char *proc_strerror(int err)
{
	switch (err) {
	case PROC_OK:
		return "ok";
	case PROC_EIO:
		return "file or directory unreadable";
	case PROC_EJSON:
		return "not JSON";
	case PROC_EFIELD:
		return "a field is missing, of the wrong type or has a wrong value";
	case PROC_EDUP:
		return "two procedures have the same id";
	case PROC_ENOMEM:
		return "out of memory";
	}
	return "unknown error";
}

static const char *const type_names[] = {
    [FT_TEXT] = "text",         [FT_TEXTAREA] = "textarea", [FT_NUMBER] = "number",
    [FT_DATE] = "date",         [FT_SELECT] = "select",     [FT_RADIO] = "radio",
    [FT_CHECKBOX] = "checkbox", [FT_EMAIL] = "email",       [FT_PHONE] = "phone",
    [FT_POSTAL] = "postal",     [FT_KATAKANA] = "katakana", [FT_BANK] = "bank",
    [FT_FILE] = "file",         [FT_COMPUTED] = "computed",
};
#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

static const char *const accepted_mime[] = {"image/jpeg", "image/png", "application/pdf"};

static const char *const top_keys[] = {
    "id",
    "version",
    "title",
    "category",
    "summary",
    "description",
    "eligibility",
    "prepare",
    "duration",
    "login_required",
    "signature_required",
    "department",
    "window",
    "standard_days",
    "fields",
};
static const char *const department_keys[] = {"name", "phone", "email"};
static const char *const window_keys[] = {"opens", "closes"};
static const char *const field_keys[] = {
    "name",   "type",  "label",   "help",      "required",  "max_length",
    "min",    "max",   "options", "max_files", "max_bytes", "accept",
    "source", "table", "unit",    "past",      "basic4",
};
static const char *const option_keys[] = {"value", "label"};
static const char *const step_keys[] = {"min", "value"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The error context of one parse: the file name and where the message goes. */
struct ctx {
	const char *file;
	char *err;
	size_t errlen;
};

/* Copy s for an error message: control bytes become '?', quotes are kept, and a long value
 * is cut at a character boundary with "...". */
static void sanitize(const char *s, char *out, size_t outlen)
{
	size_t i = 0, o = 0, n = strlen(s);
	if (outlen < 8) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	while (i < n) {
		size_t clen = utf8_char_len(s + i, n - i);
		if (clen == 0)
			clen = 1;
		if (o + clen > outlen - 4) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		for (size_t k = 0; k < clen; k++, i++) {
			unsigned char c = (unsigned char)s[i];
			out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
	}
	out[o] = '\0';
}

/* Write "FILE: PATH: message" and return code. */
__attribute__((format(printf, 4, 5))) static int fail(struct ctx *c, int code, const char *path,
                                                      const char *fmt, ...)
{
	va_list ap;
	errbuf_set(c->err, c->errlen, "%s: %s: ", c->file, path);
	va_start(ap, fmt);
	errbuf_vappend(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return code;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* Join a path: prefix "" gives key, otherwise "prefix.key". */
static void path_join(char *out, size_t outlen, const char *prefix, const char *key)
{
	char k[80];
	sanitize(key, k, sizeof(k));
	if (prefix[0])
		snprintf(out, outlen, "%s.%s", prefix, k);
	else
		snprintf(out, outlen, "%s", k);
}

/* Refuse keys of obj that are not in allowed. */
static int check_keys(struct ctx *c, json_t *obj, const char *prefix, const char *const *allowed,
                      size_t n_allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; i < n_allowed; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i == n_allowed) {
			char path[160], list[512];
			size_t o = 0;
			list[0] = '\0';
			for (i = 0; i < n_allowed && o < sizeof(list); i++) {
				int n = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				                 allowed[i]);
				if (n < 0)
					break;
				o += (size_t)n;
			}
			path_join(path, sizeof(path), prefix, key);
			return fail(c, PROC_EFIELD, path, "unknown key (expected one of %s)", list);
		}
	}
	return PROC_OK;
}

static int is_blank_char(uint32_t ch)
{
	return ch == ' ' || ch == '\n' || ch == '\t' || ch == 0x3000;
}

/* Check a string value: not blank, at most maxlen characters, no control characters. */
static int check_text(struct ctx *c, const char *path, const char *s, size_t maxlen, int flags)
{
	size_t i = 0, chars = 0, n = strlen(s);
	int blank = 1;
	while (i < n) {
		uint32_t ch = utf8_next(s, n, &i); /* jansson gives valid UTF-8 */
		if (utf8_is_forbidden(ch, flags & S_MULTILINE))
			return fail(c, PROC_EFIELD, path,
			            "contains the control character U+%04X at character %zu",
			            (unsigned)ch, chars + 1);
		if (!is_blank_char(ch))
			blank = 0;
		chars++;
	}
	if (chars == 0 || blank)
		return fail(c, PROC_EFIELD, path, "must not be empty");
	if (chars > maxlen)
		return fail(c, PROC_EFIELD, path, "too long (%zu characters, at most %zu)", chars,
		            maxlen);
	return PROC_OK;
}

/* Take a string member of obj into *out (a copy). A missing member is an error when
 * required, otherwise *out stays NULL. */
static int get_string(struct ctx *c, json_t *obj, const char *prefix, const char *key, int required,
                      size_t maxlen, int flags, char **out)
{
	char path[160];
	json_t *v = json_object_get(obj, key);
	int rc;
	path_join(path, sizeof(path), prefix, key);
	if (!v) {
		if (required)
			return fail(c, PROC_EFIELD, path, "missing");
		return PROC_OK;
	}
	if (!json_is_string(v))
		return fail(c, PROC_EFIELD, path, "must be a string, not %s", json_type_name(v));
	if ((rc = check_text(c, path, json_string_value(v), maxlen, flags)) != PROC_OK)
		return rc;
	if (!(*out = strdup(json_string_value(v))))
		return PROC_ENOMEM;
	return PROC_OK;
}

static int get_bool(struct ctx *c, json_t *obj, const char *prefix, const char *key, int required,
                    int dflt, int *out)
{
	char path[160];
	json_t *v = json_object_get(obj, key);
	path_join(path, sizeof(path), prefix, key);
	if (!v) {
		*out = dflt;
		return required ? fail(c, PROC_EFIELD, path, "missing") : PROC_OK;
	}
	if (!json_is_boolean(v))
		return fail(c, PROC_EFIELD, path, "must be true or false, not %s",
		            json_type_name(v));
	*out = json_is_true(v);
	return PROC_OK;
}

/* An integer member in [lo, hi]. *present tells whether it was there. */
static int get_long(struct ctx *c, json_t *obj, const char *prefix, const char *key, int required,
                    long lo, long hi, long *out, int *present)
{
	char path[160];
	json_t *v = json_object_get(obj, key);
	json_int_t n;
	path_join(path, sizeof(path), prefix, key);
	if (present)
		*present = 0;
	if (!v)
		return required ? fail(c, PROC_EFIELD, path, "missing") : PROC_OK;
	if (!json_is_integer(v))
		return fail(c, PROC_EFIELD, path, "must be an integer, not %s", json_type_name(v));
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return fail(c, PROC_EFIELD, path, "%lld is out of range (%ld to %ld)", (long long)n,
		            lo, hi);
	*out = (long)n;
	if (present)
		*present = 1;
	return PROC_OK;
}

/* The optional 標準処理期間 in days (0 when absent). */
static int parse_standard_days(struct ctx *c, json_t *root, procedure *p)
{
	long n = 0;
	int rc = get_long(c, root, "", "standard_days", 0, 1, PROC_STANDARD_DAYS_MAX, &n, NULL);
	p->standard_days = (int)n;
	return rc;
}

static int get_object(struct ctx *c, json_t *obj, const char *prefix, const char *key, int required,
                      json_t **out)
{
	char path[160];
	json_t *v = json_object_get(obj, key);
	path_join(path, sizeof(path), prefix, key);
	*out = NULL;
	if (!v)
		return required ? fail(c, PROC_EFIELD, path, "missing") : PROC_OK;
	if (!json_is_object(v))
		return fail(c, PROC_EFIELD, path, "must be an object, not %s", json_type_name(v));
	*out = v;
	return PROC_OK;
}

/* An array member with 1..max elements (0..max when allow_empty). */
static int get_array(struct ctx *c, json_t *obj, const char *prefix, const char *key, int required,
                     int allow_empty, size_t max, json_t **out)
{
	char path[160];
	json_t *v = json_object_get(obj, key);
	path_join(path, sizeof(path), prefix, key);
	*out = NULL;
	if (!v)
		return required ? fail(c, PROC_EFIELD, path, "missing") : PROC_OK;
	if (!json_is_array(v))
		return fail(c, PROC_EFIELD, path, "must be an array, not %s", json_type_name(v));
	if (!allow_empty && json_array_size(v) == 0)
		return fail(c, PROC_EFIELD, path, "must not be empty");
	if (json_array_size(v) > max)
		return fail(c, PROC_EFIELD, path, "too many entries (%zu, at most %zu)",
		            json_array_size(v), max);
	*out = v;
	return PROC_OK;
}

/* A real calendar date "YYYY-MM-DD" (years 1900 to 9999). */
static int valid_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, i;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	int max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

static int get_date(struct ctx *c, json_t *obj, const char *prefix, const char *key, char **out)
{
	char path[160], shown[64];
	int rc = get_string(c, obj, prefix, key, 0, 40, 0, out);
	if (rc != PROC_OK || !*out)
		return rc;
	if (!valid_date(*out)) {
		path_join(path, sizeof(path), prefix, key);
		sanitize(*out, shown, sizeof(shown));
		return fail(c, PROC_EFIELD, path,
		            "\"%s\" is not a real date in the form YYYY-MM-DD", shown);
	}
	return PROC_OK;
}

static int valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > MAX_ID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int valid_field_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > MAX_NAME_LEN || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int valid_option_value(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > MAX_OPTION_VALUE_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* A contact telephone number as printed on a page: digits and hyphens, e.g. 048-123-4567. */
static int valid_phone(const char *s)
{
	size_t digits = 0, n = strlen(s);
	if (n == 0 || s[0] < '0' || s[0] > '9' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] != '-' || s[i + 1] == '-')
			return 0;
	}
	return digits >= 6 && digits <= 15;
}

/* A plain e-mail address: local@domain.tld in printable ASCII. */
static int valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	const char *dom = at + 1;
	const char *dot = strrchr(dom, '.');
	if (!dot || dot == dom || dot[1] == '\0' || dom[0] == '.' || strstr(dom, ".."))
		return 0;
	return 1;
}

static void md_out(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
	buf_append(userdata, text, size);
}

/* A link or image address in the rendered description must be http(s), mailto, tel or
 * relative. h points just after the opening quote of an href/src attribute. */
static int safe_url(const char *h)
{
	static const char *const ok[] = {"https://", "http://", "mailto:", "tel:"};
	size_t i;
	for (i = 0; i < NELEM(ok); i++)
		if (strncmp(h, ok[i], strlen(ok[i])) == 0)
			return 1;
	/* relative: no scheme before the first / ? #, and no entity that could hide one */
	for (i = 0; h[i] && h[i] != '"'; i++) {
		if (h[i] == '/' || h[i] == '?' || h[i] == '#')
			return 1;
		if (h[i] == ':' || h[i] == '&')
			return 0;
	}
	return 1;
}

/* Render the Markdown description (raw HTML escaped, tables allowed), then check it. */
static int render_description(struct ctx *c, const char *md, char **out)
{
	buf b;
	int rc = PROC_OK;
	static const char *const attrs[] = {" href=\"", " src=\""};
	buf_init(&b, PROC_MAX_HTML_BYTES);
	if (md_html(md, (MD_SIZE)strlen(md), md_out, &b, MD_FLAG_NOHTML | MD_FLAG_TABLES, 0) != 0) {
		rc = PROC_ENOMEM;
		goto out;
	}
	if (b.failed) {
		rc = fail(c, PROC_EFIELD, "description", "too large once rendered (over %zu bytes)",
		          PROC_MAX_HTML_BYTES);
		goto out;
	}
	const char *html = buf_cstr(&b);
	/* Inside rendered text every quote is &quot;, so these only match real attributes. */
	for (size_t a = 0; a < NELEM(attrs); a++) {
		for (const char *p = strstr(html, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
			const char *h = p + strlen(attrs[a]);
			if (!safe_url(h)) {
				char shown[64];
				size_t n = strcspn(h, "\"");
				snprintf(shown, sizeof(shown), "%.*s", (int)(n > 40 ? 40 : n), h);
				rc =
				    fail(c, PROC_EFIELD, "description",
				         "link \"%s%s\" is not allowed (use an http, https, mailto "
				         "or tel address, or a relative one)",
				         shown, n > 40 ? "..." : "");
				goto out;
			}
		}
	}
	if (strstr(html, "<h1>")) {
		rc = fail(c, PROC_EFIELD, "description",
		          "level-1 heading (\"# ...\") not allowed: the page title is the only "
		          "one; use \"## ...\"");
		goto out;
	}
	if (!(*out = buf_steal(&b, NULL)))
		rc = PROC_ENOMEM;
out:
	buf_release(&b);
	return rc;
}

static int parse_type(const char *s, proc_field_type *out)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(s, type_names[i]) == 0) {
			*out = (proc_field_type)i;
			return 1;
		}
	return 0;
}

/* Refuse a key that does not belong to this field type. */
static int forbid(struct ctx *c, json_t *fo, const char *prefix, const char *key,
                  const char *allowed_for, proc_field_type t)
{
	char path[160];
	if (!json_object_get(fo, key))
		return PROC_OK;
	path_join(path, sizeof(path), prefix, key);
	return fail(c, PROC_EFIELD, path, "not allowed for type %s (only for %s)", type_names[t],
	            allowed_for);
}

static int parse_options(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	json_t *arr, *o;
	size_t i;
	int rc;
	char path[160];
	if ((rc = get_array(c, fo, prefix, "options", 1, 0, MAX_OPTIONS, &arr)) != PROC_OK)
		return rc;
	if (!(f->options = calloc(json_array_size(arr), sizeof(*f->options))))
		return PROC_ENOMEM;
	json_array_foreach(arr, i, o) {
		proc_option *op = &f->options[i];
		snprintf(path, sizeof(path), "%s.options[%zu]", prefix, i);
		if (!json_is_object(o))
			return fail(c, PROC_EFIELD, path,
			            "must be an object {value, label}, not %s", json_type_name(o));
		f->n_options = i + 1;
		if ((rc = check_keys(c, o, path, option_keys, NELEM(option_keys))) != PROC_OK ||
		    (rc = get_string(c, o, path, "value", 1, MAX_OPTION_VALUE_LEN, 0,
		                     &op->value)) != PROC_OK ||
		    (rc = get_string(c, o, path, "label", 1, LEN_OPTION_LABEL, 0, &op->label)) !=
		        PROC_OK)
			return rc;
		char p2[200], shown[80];
		snprintf(p2, sizeof(p2), "%s.value", path);
		sanitize(op->value, shown, sizeof(shown));
		if (!valid_option_value(op->value))
			return fail(c, PROC_EFIELD, p2,
			            "\"%s\" is not a valid value (1 to %d of A-Z, a-z, 0-9, _ - .)",
			            shown, MAX_OPTION_VALUE_LEN);
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->options[j].value, op->value) == 0)
				return fail(c, PROC_EFIELD, p2,
				            "\"%s\" is already used by %s.options[%zu]", shown,
				            prefix, j);
	}
	return PROC_OK;
}

static int parse_file_limits(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	json_t *arr, *a;
	size_t i;
	long n;
	int rc;
	char path[160];
	if ((rc = get_long(c, fo, prefix, "max_files", 1, 1, MAX_FILES_PER_FIELD, &n, NULL)) !=
	    PROC_OK)
		return rc;
	f->max_files = (size_t)n;
	if ((rc = get_long(c, fo, prefix, "max_bytes", 1, 1, MAX_BYTES_PER_FILE, &n, NULL)) !=
	    PROC_OK)
		return rc;
	f->max_bytes = (size_t)n;
	if ((rc = get_array(c, fo, prefix, "accept", 1, 0, MAX_ACCEPT, &arr)) != PROC_OK)
		return rc;
	if (!(f->accept = calloc(json_array_size(arr), sizeof(*f->accept))))
		return PROC_ENOMEM;
	json_array_foreach(arr, i, a) {
		size_t k;
		snprintf(path, sizeof(path), "%s.accept[%zu]", prefix, i);
		if (!json_is_string(a))
			return fail(c, PROC_EFIELD, path, "must be a string, not %s",
			            json_type_name(a));
		for (k = 0; k < NELEM(accepted_mime); k++)
			if (strcmp(json_string_value(a), accepted_mime[k]) == 0)
				break;
		if (k == NELEM(accepted_mime)) {
			char shown[80];
			sanitize(json_string_value(a), shown, sizeof(shown));
			return fail(c, PROC_EFIELD, path,
			            "unknown type \"%s\" (expected one of image/jpeg, image/png, "
			            "application/pdf)",
			            shown);
		}
		for (k = 0; k < i; k++)
			if (strcmp(f->accept[k], json_string_value(a)) == 0)
				return fail(c, PROC_EFIELD, path, "\"%s\" is listed twice",
				            json_string_value(a));
		if (!(f->accept[i] = strdup(json_string_value(a))))
			return PROC_ENOMEM;
		f->n_accept = i + 1;
	}
	return PROC_OK;
}

static int parse_table(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	json_t *arr, *s;
	size_t i;
	int rc;
	char path[160];
	if ((rc = get_array(c, fo, prefix, "table", 1, 0, MAX_STEPS, &arr)) != PROC_OK)
		return rc;
	if (!(f->steps = calloc(json_array_size(arr), sizeof(*f->steps))))
		return PROC_ENOMEM;
	json_array_foreach(arr, i, s) {
		proc_step *st = &f->steps[i];
		snprintf(path, sizeof(path), "%s.table[%zu]", prefix, i);
		if (!json_is_object(s))
			return fail(c, PROC_EFIELD, path, "must be an object {min, value}, not %s",
			            json_type_name(s));
		if ((rc = check_keys(c, s, path, step_keys, NELEM(step_keys))) != PROC_OK ||
		    (rc = get_long(c, s, path, "min", 1, LONG_MIN, LONG_MAX, &st->min, NULL)) !=
		        PROC_OK ||
		    (rc = get_long(c, s, path, "value", 1, LONG_MIN, LONG_MAX, &st->value, NULL)) !=
		        PROC_OK)
			return rc;
		if (i > 0 && st->min <= f->steps[i - 1].min) {
			char p2[200];
			snprintf(p2, sizeof(p2), "%s.min", path);
			return fail(
			    c, PROC_EFIELD, p2,
			    "%ld is not greater than the previous step's min %ld (steps must "
			    "be sorted by strictly increasing min)",
			    st->min, f->steps[i - 1].min);
		}
		f->n_steps = i + 1;
	}
	return PROC_OK;
}

/* name and type of field f: its name a valid identifier, its type one of type_names. */
static int parse_field_name_type(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	char path[160], shown[80], list[256];
	char *type = NULL;
	size_t o = 0;
	int rc;

	if ((rc = get_string(c, fo, prefix, "name", 1, MAX_NAME_LEN, 0, &f->name)) != PROC_OK)
		return rc;
	if (!valid_field_name(f->name)) {
		snprintf(path, sizeof(path), "%s.name", prefix);
		sanitize(f->name, shown, sizeof(shown));
		return fail(
		    c, PROC_EFIELD, path,
		    "\"%s\" is not a valid name (a-z first, then up to %d of a-z, 0-9 and _)",
		    shown, MAX_NAME_LEN - 1);
	}
	if ((rc = get_string(c, fo, prefix, "type", 1, 32, 0, &type)) != PROC_OK)
		return rc;
	if (parse_type(type, &f->type)) {
		free(type);
		return PROC_OK;
	}
	for (size_t i = 0; i < N_TYPES; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
		                      type_names[i]);
	snprintf(path, sizeof(path), "%s.type", prefix);
	sanitize(type, shown, sizeof(shown));
	free(type);
	return fail(c, PROC_EFIELD, path, "unknown type \"%s\" (expected one of %s)", shown, list);
}

/* required, max_length, min and max, past: each allowed only for the types it is for. */
static int parse_field_bounds(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	proc_field_type t = f->type;
	char path[160];
	int rc, present;
	long n;

	/* required: every type a resident fills in; a computed value is never typed */
	if (t == FT_COMPUTED) {
		if ((rc = forbid(c, fo, prefix, "required", "fields a resident fills in", t)))
			return rc;
	} else if ((rc = get_bool(c, fo, prefix, "required", 0, 0, &f->required)) != PROC_OK)
		return rc;

	/* max_length: free-text types */
	if (t == FT_TEXT || t == FT_TEXTAREA || t == FT_KATAKANA || t == FT_EMAIL) {
		if ((rc = get_long(c, fo, prefix, "max_length", 0, 1, MAX_FIELD_LENGTH, &n,
		                   &present)) != PROC_OK)
			return rc;
		f->max_length = present ? (size_t)n : 0;
	} else if ((rc = forbid(c, fo, prefix, "max_length", "text, textarea, katakana, email", t)))
		return rc;

	/* min, max: number */
	if (t == FT_NUMBER) {
		if ((rc = get_long(c, fo, prefix, "min", 0, LONG_MIN, LONG_MAX, &f->min,
		                   &f->has_min)) != PROC_OK ||
		    (rc = get_long(c, fo, prefix, "max", 0, LONG_MIN, LONG_MAX, &f->max,
		                   &f->has_max)) != PROC_OK)
			return rc;
		if (f->has_min && f->has_max && f->min > f->max) {
			snprintf(path, sizeof(path), "%s.min", prefix);
			return fail(c, PROC_EFIELD, path, "%ld is greater than max %ld", f->min,
			            f->max);
		}
	} else if ((rc = forbid(c, fo, prefix, "min", "number", t)) ||
	           (rc = forbid(c, fo, prefix, "max", "number", t)))
		return rc;

	/* past: a date that cannot be after today (a birth date) */
	if (t == FT_DATE)
		return get_bool(c, fo, prefix, "past", 0, 0, &f->past);
	return forbid(c, fo, prefix, "past", "date", t);
}

/* options, file limits, source and table, unit: each allowed only for its types. */
static int parse_field_extras(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	proc_field_type t = f->type;
	int rc;

	/* options: select, radio, checkbox */
	if (t == FT_SELECT || t == FT_RADIO || t == FT_CHECKBOX) {
		if ((rc = parse_options(c, fo, prefix, f)) != PROC_OK)
			return rc;
	} else if ((rc = forbid(c, fo, prefix, "options", "select, radio, checkbox", t)))
		return rc;

	/* file limits */
	if (t == FT_FILE) {
		if ((rc = parse_file_limits(c, fo, prefix, f)) != PROC_OK)
			return rc;
	} else if ((rc = forbid(c, fo, prefix, "max_files", "file", t)) ||
	           (rc = forbid(c, fo, prefix, "max_bytes", "file", t)) ||
	           (rc = forbid(c, fo, prefix, "accept", "file", t)))
		return rc;

	/* computed: source (checked once all fields are read) and table */
	if (t == FT_COMPUTED) {
		if ((rc = get_string(c, fo, prefix, "source", 1, MAX_NAME_LEN + 32, 0,
		                     &f->source)) != PROC_OK ||
		    (rc = parse_table(c, fo, prefix, f)) != PROC_OK)
			return rc;
	} else if ((rc = forbid(c, fo, prefix, "source", "computed", t)) ||
	           (rc = forbid(c, fo, prefix, "table", "computed", t)))
		return rc;

	/* unit: shown after a number or a computed value */
	if (t == FT_NUMBER || t == FT_COMPUTED)
		return get_string(c, fo, prefix, "unit", 0, LEN_UNIT, 0, &f->unit);
	return forbid(c, fo, prefix, "unit", "number, computed", t);
}

/* basic4: the field's role in the applicant's basic four, for a field of a fitting type. */
static int parse_basic4(struct ctx *c, json_t *fo, const char *prefix, proc_field *f)
{
	static const char *const roles[] = {"", "name", "kana", "birth_date", "address"};
	json_t *v = json_object_get(fo, "basic4");
	const char *s = json_string_value(v);
	char path[160];
	if (!v)
		return PROC_OK;
	path_join(path, sizeof(path), prefix, "basic4");
	for (size_t i = 1; s && i < NELEM(roles); i++)
		if (strcmp(s, roles[i]) == 0)
			f->basic4 = (proc_basic4)i;
	if (!f->basic4)
		return fail(c, PROC_EFIELD, path,
		            "must be one of \"name\", \"kana\", \"birth_date\", \"address\"");
	int text = f->type == FT_TEXT || f->type == FT_TEXTAREA;
	if ((f->basic4 == PB_BIRTH_DATE && f->type != FT_DATE) ||
	    (f->basic4 == PB_KANA && f->type != FT_KATAKANA && !text) ||
	    ((f->basic4 == PB_NAME || f->basic4 == PB_ADDRESS) && !text))
		return fail(c, PROC_EFIELD, path, "\"%s\" not allowed for type %s", s,
		            type_names[f->type]);
	return PROC_OK;
}

/* Each basic four role on one field at most. */
static int basic4_unique(struct ctx *c, const procedure *p)
{
	char path[160];
	for (size_t i = 0; i < p->n_fields; i++)
		for (size_t j = 0; p->fields[i].basic4 && j < i; j++)
			if (p->fields[j].basic4 == p->fields[i].basic4) {
				snprintf(path, sizeof(path), "fields[%zu].basic4", i);
				return fail(c, PROC_EFIELD, path, "already given to fields[%zu]",
				            j);
			}
	return PROC_OK;
}

const proc_field *proc_basic4_field(const procedure *p, proc_basic4 role)
{
	for (size_t i = 0; role && i < p->n_fields; i++)
		if (p->fields[i].basic4 == role)
			return &p->fields[i];
	return NULL;
}

static int parse_field(struct ctx *c, json_t *fo, size_t idx, proc_field *f)
{
	char prefix[40];
	int rc;

	snprintf(prefix, sizeof(prefix), "fields[%zu]", idx);
	if (!json_is_object(fo))
		return fail(c, PROC_EFIELD, prefix, "must be an object, not %s",
		            json_type_name(fo));
	if ((rc = check_keys(c, fo, prefix, field_keys, NELEM(field_keys))) != PROC_OK ||
	    (rc = parse_field_name_type(c, fo, prefix, f)) != PROC_OK ||
	    (rc = get_string(c, fo, prefix, "label", 1, LEN_LABEL, 0, &f->label)) != PROC_OK ||
	    (rc = get_string(c, fo, prefix, "help", 0, LEN_HELP, 0, &f->help)) != PROC_OK ||
	    (rc = parse_field_bounds(c, fo, prefix, f)) != PROC_OK ||
	    (rc = parse_basic4(c, fo, prefix, f)) != PROC_OK)
		return rc;
	return parse_field_extras(c, fo, prefix, f);
}

static int parse_fields(struct ctx *c, json_t *root, procedure *p)
{
	json_t *arr, *fo;
	size_t i;
	int rc;
	char path[160], shown[80];
	if ((rc = get_array(c, root, "", "fields", 1, 1, MAX_FIELDS, &arr)) != PROC_OK)
		return rc;
	if (json_array_size(arr) == 0) {
		if (p->login_required)
			return fail(c, PROC_EFIELD, "fields",
			            "must not be empty when login_required is true");
		return PROC_OK;
	}
	if (!(p->fields = calloc(json_array_size(arr), sizeof(*p->fields))))
		return PROC_ENOMEM;
	json_array_foreach(arr, i, fo) {
		p->n_fields = i + 1; /* so that proc_free frees a half-read field */
		if ((rc = parse_field(c, fo, i, &p->fields[i])) != PROC_OK)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->fields[j].name, p->fields[i].name) == 0) {
				snprintf(path, sizeof(path), "fields[%zu].name", i);
				return fail(c, PROC_EFIELD, path,
				            "\"%s\" is already used by fields[%zu]",
				            p->fields[i].name, j);
			}
	}
	/* a computed field's source: a number field of this procedure */
	for (i = 0; i < p->n_fields; i++) {
		proc_field *f = &p->fields[i];
		if (f->type != FT_COMPUTED)
			continue;
		const proc_field *src = proc_find_field(p, f->source);
		snprintf(path, sizeof(path), "fields[%zu].source", i);
		sanitize(f->source, shown, sizeof(shown));
		if (!src)
			return fail(c, PROC_EFIELD, path, "unknown field \"%s\"", shown);
		if (src->type != FT_NUMBER)
			return fail(c, PROC_EFIELD, path, "field \"%s\" is of type %s, not number",
			            shown, type_names[src->type]);
	}
	return basic4_unique(c, p);
}

static int parse_department(struct ctx *c, json_t *root, procedure *p)
{
	json_t *d;
	int rc;
	char shown[80];
	if ((rc = get_object(c, root, "", "department", 1, &d)) != PROC_OK)
		return rc;
	if ((rc = check_keys(c, d, "department", department_keys, NELEM(department_keys))) !=
	        PROC_OK ||
	    (rc = get_string(c, d, "department", "name", 1, LEN_DEPARTMENT, 0, &p->department)) !=
	        PROC_OK ||
	    (rc = get_string(c, d, "department", "phone", 0, LEN_PHONE, 0, &p->contact_phone)) !=
	        PROC_OK ||
	    (rc = get_string(c, d, "department", "email", 0, LEN_EMAIL, 0, &p->contact_email)) !=
	        PROC_OK)
		return rc;
	if (p->contact_phone && !valid_phone(p->contact_phone)) {
		sanitize(p->contact_phone, shown, sizeof(shown));
		return fail(c, PROC_EFIELD, "department.phone",
		            "\"%s\" is not a telephone number (digits and hyphens, e.g. "
		            "048-123-4567)",
		            shown);
	}
	if (p->contact_email && !valid_email(p->contact_email)) {
		sanitize(p->contact_email, shown, sizeof(shown));
		return fail(c, PROC_EFIELD, "department.email", "\"%s\" is not an e-mail address",
		            shown);
	}
	return PROC_OK;
}

static int parse_window(struct ctx *c, json_t *root, procedure *p)
{
	json_t *w;
	int rc;
	if ((rc = get_object(c, root, "", "window", 0, &w)) != PROC_OK || !w)
		return rc;
	if ((rc = check_keys(c, w, "window", window_keys, NELEM(window_keys))) != PROC_OK ||
	    (rc = get_date(c, w, "window", "opens", &p->window_opens)) != PROC_OK ||
	    (rc = get_date(c, w, "window", "closes", &p->window_closes)) != PROC_OK)
		return rc;
	if (!p->window_opens && !p->window_closes)
		return fail(c, PROC_EFIELD, "window", "needs opens, closes or both");
	if (p->window_opens && p->window_closes && strcmp(p->window_opens, p->window_closes) > 0)
		return fail(c, PROC_EFIELD, "window.opens", "%s is after window.closes %s",
		            p->window_opens, p->window_closes);
	return PROC_OK;
}

static int parse_prepare(struct ctx *c, json_t *root, procedure *p)
{
	json_t *arr, *v;
	size_t i;
	int rc;
	char path[40];
	if ((rc = get_array(c, root, "", "prepare", 1, 0, MAX_PREPARE, &arr)) != PROC_OK)
		return rc;
	if (!(p->prepare = calloc(json_array_size(arr), sizeof(*p->prepare))))
		return PROC_ENOMEM;
	json_array_foreach(arr, i, v) {
		snprintf(path, sizeof(path), "prepare[%zu]", i);
		if (!json_is_string(v))
			return fail(c, PROC_EFIELD, path, "must be a string, not %s",
			            json_type_name(v));
		if ((rc = check_text(c, path, json_string_value(v), LEN_PREPARE, 0)) != PROC_OK)
			return rc;
		if (!(p->prepare[i] = strdup(json_string_value(v))))
			return PROC_ENOMEM;
		p->n_prepare = i + 1;
	}
	return PROC_OK;
}

int proc_parse(const char *filename, const char *data, size_t len, procedure **out, char *err,
               size_t errlen)
{
	struct ctx c = {filename ? filename : "(input)", err, errlen};
	procedure *p = NULL;
	json_t *root = NULL;
	json_error_t je;
	char *description = NULL, shown[80];
	long n;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > PROC_MAX_FILE_BYTES) {
		rc = fail(&c, PROC_EFIELD, "(file)", "too large (%zu bytes, at most %zu)", len,
		          PROC_MAX_FILE_BYTES);
		goto out;
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char where[64];
		snprintf(where, sizeof(where), "(json) line %d column %d", je.line, je.column);
		rc = fail(&c, PROC_EJSON, where, "%s", je.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = fail(&c, PROC_EFIELD, "(top level)", "must be an object, not %s",
		          json_type_name(root));
		goto out;
	}
	if (!(p = calloc(1, sizeof(*p))) || !(p->file = strdup(c.file))) {
		rc = PROC_ENOMEM;
		goto out;
	}
	p->json = json_incref(root);

	if ((rc = check_keys(&c, root, "", top_keys, NELEM(top_keys))) != PROC_OK)
		goto out;
	if ((rc = get_string(&c, root, "", "id", 1, MAX_ID_LEN + 1, 0, &p->id)) != PROC_OK)
		goto out;
	if (!valid_id(p->id)) {
		sanitize(p->id, shown, sizeof(shown));
		rc =
		    fail(&c, PROC_EFIELD, "id",
		         "\"%s\" is not a valid id (1 to %d of a-z, 0-9 and -)", shown, MAX_ID_LEN);
		goto out;
	}
	if ((rc = get_long(&c, root, "", "version", 1, 1, INT_MAX, &n, NULL)) != PROC_OK)
		goto out;
	p->version = (int)n;
	if ((rc = get_string(&c, root, "", "title", 1, LEN_TITLE, 0, &p->title)) != PROC_OK ||
	    (rc = get_string(&c, root, "", "category", 1, LEN_CATEGORY, 0, &p->category)) !=
	        PROC_OK ||
	    (rc = get_string(&c, root, "", "summary", 1, LEN_SUMMARY, 0, &p->summary)) != PROC_OK ||
	    (rc = get_string(&c, root, "", "description", 1, LEN_DESCRIPTION, S_MULTILINE,
	                     &description)) != PROC_OK ||
	    (rc = render_description(&c, description, &p->description_html)) != PROC_OK ||
	    (rc = get_string(&c, root, "", "eligibility", 1, LEN_ELIGIBILITY, 0,
	                     &p->eligibility)) != PROC_OK ||
	    (rc = parse_prepare(&c, root, p)) != PROC_OK ||
	    (rc = get_string(&c, root, "", "duration", 1, LEN_DURATION, 0, &p->duration)) !=
	        PROC_OK ||
	    (rc = get_bool(&c, root, "", "login_required", 1, 0, &p->login_required)) != PROC_OK ||
	    (rc = get_bool(&c, root, "", "signature_required", 1, 0, &p->signature_required)) !=
	        PROC_OK)
		goto out;
	if (p->signature_required && !p->login_required) {
		rc = fail(&c, PROC_EFIELD, "signature_required",
		          "is true but login_required is false (a signed application needs a "
		          "logged-in account)");
		goto out;
	}
	if ((rc = parse_department(&c, root, p)) != PROC_OK ||
	    (rc = parse_window(&c, root, p)) != PROC_OK ||
	    (rc = parse_standard_days(&c, root, p)) != PROC_OK ||
	    (rc = parse_fields(&c, root, p)) != PROC_OK)
		goto out;
	*out = p;
	p = NULL;
	rc = PROC_OK;
out:
	if (rc == PROC_ENOMEM && err && errlen && !err[0])
		fail(&c, PROC_ENOMEM, "(file)", "out of memory");
	free(description);
	proc_free(p);
	json_decref(root);
	return rc;
}

void proc_free(procedure *p)
{
	size_t i, j;
	if (!p)
		return;
	for (i = 0; i < p->n_fields; i++) {
		proc_field *f = &p->fields[i];
		free(f->name);
		free(f->label);
		free(f->help);
		for (j = 0; j < f->n_options; j++) {
			free(f->options[j].value);
			free(f->options[j].label);
		}
		free(f->options);
		for (j = 0; j < f->n_accept; j++)
			free(f->accept[j]);
		free(f->accept);
		free(f->source);
		free(f->steps);
		free(f->unit);
	}
	free(p->fields);
	for (i = 0; i < p->n_prepare; i++)
		free(p->prepare[i]);
	free(p->prepare);
	free(p->file);
	free(p->id);
	free(p->title);
	free(p->category);
	free(p->summary);
	free(p->description_html);
	free(p->eligibility);
	free(p->duration);
	free(p->department);
	free(p->contact_phone);
	free(p->contact_email);
	free(p->window_opens);
	free(p->window_closes);
	json_decref(p->json);
	free(p);
}

/* Read a whole file of at most PROC_MAX_FILE_BYTES. */
static int read_file(struct ctx *c, const char *path, char **data, size_t *len)
{
	*data = NULL;
	if (file_read_all(path, PROC_MAX_FILE_BYTES, data, len, NULL) == 0)
		return PROC_OK;
	if (errno == EINVAL)
		return fail(c, PROC_EIO, "(file)", "not a regular file");
	if (errno == EFBIG)
		return fail(c, PROC_EFIELD, "(file)", "too large (at most %zu bytes)",
		            PROC_MAX_FILE_BYTES);
	if (errno == ENOMEM)
		return PROC_ENOMEM;
	return fail(c, PROC_EIO, "(file)", "cannot open: %s", strerror(errno));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_procs(const void *a, const void *b)
{
	const procedure *x = *(const procedure *const *)a, *y = *(const procedure *const *)b;
	int r = strcmp(x->category, y->category);
	if (r == 0)
		r = strcmp(x->title, y->title);
	if (r == 0)
		r = strcmp(x->id, y->id);
	return r;
}

/* The names of the *.json files of dir into names (PROC_MAX_FILES slots), sorted; *n
 * counts them (also on failure, for the caller to free them). */
static int list_definitions(struct ctx *c, const char *dir, char **names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = PROC_OK;

	if (!d)
		return fail(c, PROC_EIO, "(directory)", "cannot open: %s", strerror(errno));
	errno = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if (*n == PROC_MAX_FILES) {
			rc = fail(c, PROC_EIO, "(directory)", "more than %d definition files",
			          PROC_MAX_FILES);
			goto out;
		}
		if (!(names[*n] = strdup(de->d_name))) {
			rc = PROC_ENOMEM;
			goto out;
		}
		(*n)++;
		errno = 0;
	}
	if (errno != 0) {
		rc = fail(c, PROC_EIO, "(directory)", "cannot read: %s", strerror(errno));
		goto out;
	}
	qsort(names, *n, sizeof(*names), cmp_names);
out:
	closedir(d);
	return rc;
}

/* Reads and parses each named file of dir into cat. */
static int load_definitions(const char *dir, char **names, size_t n, proc_catalog *cat, char *err,
                            size_t errlen)
{
	char *path = NULL, *data = NULL;
	int rc = PROC_OK;

	for (size_t i = 0; i < n && rc == PROC_OK; i++) {
		size_t len = 0;
		struct ctx fc = {names[i], err, errlen};
		free(path);
		free(data);
		data = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			path = NULL;
			rc = PROC_ENOMEM;
		} else if ((rc = read_file(&fc, path, &data, &len)) == PROC_OK &&
		           (rc = proc_parse(names[i], data, len, &cat->items[cat->n], err,
		                            errlen)) == PROC_OK)
			cat->n++;
	}
	free(path);
	free(data);
	return rc;
}

/* Each id used once (a repeat names both files), and each file named after its id. */
static int check_ids(const proc_catalog *cat, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cat->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(cat->items[i]->id, cat->items[j]->id) == 0) {
				struct ctx fc = {cat->items[i]->file, err, errlen};
				return fail(&fc, PROC_EDUP, "id", "\"%s\" is already used by %s",
				            cat->items[i]->id, cat->items[j]->file);
			}
	for (i = 0; i < cat->n; i++) {
		const procedure *p = cat->items[i];
		size_t l = strlen(p->id);
		if (strncmp(p->file, p->id, l) != 0 || strcmp(p->file + l, ".json") != 0) {
			struct ctx fc = {p->file, err, errlen};
			return fail(
			    &fc, PROC_EFIELD, "id",
			    "\"%s\" does not match the file name (the file must be named %s.json)",
			    p->id, p->id);
		}
	}
	return PROC_OK;
}

int proc_catalog_load(const char *dir, proc_catalog **out, char *err, size_t errlen)
{
	struct ctx c = {dir, err, errlen};
	char **names = NULL;
	size_t n_names = 0, i;
	proc_catalog *cat = NULL;
	int rc = PROC_OK;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!(names = calloc(PROC_MAX_FILES, sizeof(*names)))) {
		rc = PROC_ENOMEM;
		goto out;
	}
	if ((rc = list_definitions(&c, dir, names, &n_names)) != PROC_OK)
		goto out;
	if (!(cat = calloc(1, sizeof(*cat))) ||
	    (n_names && !(cat->items = calloc(n_names, sizeof(*cat->items))))) {
		rc = PROC_ENOMEM;
		goto out;
	}
	if ((rc = load_definitions(dir, names, n_names, cat, err, errlen)) != PROC_OK ||
	    (rc = check_ids(cat, err, errlen)) != PROC_OK)
		goto out;
	if (cat->n > 1)
		qsort(cat->items, cat->n, sizeof(*cat->items), cmp_procs);
	*out = cat;
	cat = NULL;
out:
	if (rc == PROC_ENOMEM && err && errlen && !err[0])
		fail(&c, PROC_ENOMEM, "(directory)", "out of memory");
	proc_catalog_free(cat);
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return rc;
}

void proc_catalog_free(proc_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		proc_free(c->items[i]);
	free(c->items);
	free(c);
}

const procedure *proc_catalog_find(const proc_catalog *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i]->id, id) == 0)
			return c->items[i];
	return NULL;
}

int proc_window_state(const procedure *p, const char *today)
{
	if (!p || !today)
		return 0;
	if (p->window_opens && strcmp(today, p->window_opens) < 0)
		return -1;
	if (p->window_closes && strcmp(today, p->window_closes) > 0)
		return 1;
	return 0;
}

long proc_compute(const proc_field *f, long input)
{
	long v = 0;
	if (!f || f->type != FT_COMPUTED)
		return 0;
	for (size_t i = 0; i < f->n_steps && f->steps[i].min <= input; i++)
		v = f->steps[i].value;
	return v;
}

const proc_field *proc_find_field(const procedure *p, const char *name)
{
	if (!p || !name)
		return NULL;
	for (size_t i = 0; i < p->n_fields; i++)
		if (p->fields[i].name && strcmp(p->fields[i].name, name) == 0)
			return &p->fields[i];
	return NULL;
}

void proc_catalog_digest(const proc_catalog *c, char out[65])
{
	size_t len = 0, i;
	char *buf;
	for (i = 0; c && i < c->n; i++)
		len += strlen(c->items[i]->id) + 16;
	buf = malloc(len + 1);
	if (!buf) { /* no digest to compare: one that no catalog gives */
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	len = 0;
	for (i = 0; c && i < c->n; i++)
		len +=
		    (size_t)sprintf(buf + len, "%s\t%d\n", c->items[i]->id, c->items[i]->version);
	token_sha256_hex(buf, len, out);
	free(buf);
}
