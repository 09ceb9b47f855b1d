/* form: parser of application/x-www-form-urlencoded bytes (query strings and form bodies).
 * Written here rather than using evhttp_parse_query_str because that one has no bound on
 * the number of fields and silently accepts broken percent-escapes; a form must be refused
 * with a 400 page, not half-read. */
#ifndef MADOGUCHI_FORM_H
#define MADOGUCHI_FORM_H

#include <stddef.h>

enum form_err {
	FORM_OK = 0,
	FORM_ETOOMANY, /* more fields than max_fields */
	FORM_EESCAPE,  /* a '%' not followed by two hex digits */
	FORM_ENAME,    /* an empty, over-long or NUL-containing name */
	FORM_ENOMEM,
};
const char *form_strerror(int err);

typedef struct form_pair {
	char *name;  /* NUL-terminated, no NUL inside */
	char *value; /* NUL-terminated; may contain NUL bytes (see value_len) */
	size_t value_len;
} form_pair;

typedef struct form {
	form_pair *pairs;
	size_t n;
	char *storage; /* one allocation holding every decoded name and value */
} form;

#define FORM_MAX_NAME 128

/* Parse len bytes of s into f (which the caller later form_release()s, also on error).
 * '+' is a space; "a" alone is a with an empty value; empty pieces ("a=1&&b=2") skipped. */
int form_parse(form *f, const char *s, size_t len, size_t max_fields);
void form_release(form *f);
/* First value of name, or NULL. */
const char *form_get(const form *f, const char *name);
/* i-th value of name (0-based) or NULL, for fields sent several times (checkboxes). */
const char *form_get_nth(const form *f, const char *name, size_t i);
/* The i-th pair of name or NULL: with its value's length, for values that must keep a NUL
 * byte (to be refused by the form engine rather than silently cut there). */
const form_pair *form_find_nth(const form *f, const char *name, size_t i);

#endif
