/* form: bounded application/x-www-form-urlencoded parser (see form.h). */
#include "http/form.h"

#include <stdlib.h>
#include <string.h>

#include "util/enc.h"

const char *form_strerror(int err)
{
	switch (err) {
	case FORM_OK:
		return "ok";
	case FORM_ETOOMANY:
		return "too many fields";
	case FORM_EESCAPE:
		return "broken percent-escape";
	case FORM_ENAME:
		return "bad field name";
	case FORM_ENOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* Decode s[0..n) into out; returns the decoded length or -1 on a broken escape. */
static long decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hex_value(s[i + 1])) < 0 ||
			    (l = hex_value(s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

int form_parse(form *f, const char *s, size_t len, size_t max_fields)
{
	memset(f, 0, sizeof(*f));
	if (len == 0)
		return FORM_OK;
	size_t pieces = 1;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '&')
			pieces++;
	if (pieces > max_fields) {
		/* empty pieces do not count: recount precisely only when it matters */
		size_t real = 0;
		for (size_t i = 0, start = 0; i <= len; i++)
			if (i == len || s[i] == '&') {
				real += i > start;
				start = i + 1;
			}
		if (real > max_fields)
			return FORM_ETOOMANY;
		pieces = real;
	}
	f->pairs = calloc(pieces ? pieces : 1, sizeof(*f->pairs));
	/* decoded text never grows; each piece gets two terminators */
	f->storage = malloc(len + 2 * pieces + 2);
	if (!f->pairs || !f->storage)
		return FORM_ENOMEM;
	char *o = f->storage;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '&')
			continue;
		const char *p = s + start;
		size_t plen = i - start;
		start = i + 1;
		if (plen == 0)
			continue;
		const char *eq = memchr(p, '=', plen);
		size_t nlen = eq ? (size_t)(eq - p) : plen;
		form_pair *fp = &f->pairs[f->n];
		long dn = decode(p, nlen, o);
		if (dn < 0)
			return FORM_EESCAPE;
		if (dn == 0 || dn > FORM_MAX_NAME || memchr(o, '\0', (size_t)dn))
			return FORM_ENAME;
		fp->name = o;
		o += dn + 1;
		long dv = eq ? decode(eq + 1, plen - nlen - 1, o) : (*o = '\0', 0);
		if (dv < 0)
			return FORM_EESCAPE;
		fp->value = o;
		fp->value_len = (size_t)dv;
		o += dv + 1;
		f->n++;
	}
	return FORM_OK;
}

void form_release(form *f)
{
	free(f->pairs);
	free(f->storage);
	memset(f, 0, sizeof(*f));
}

const form_pair *form_find_nth(const form *f, const char *name, size_t nth)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->pairs[i].name, name) == 0 && nth-- == 0)
			return &f->pairs[i];
	return NULL;
}

const char *form_get_nth(const form *f, const char *name, size_t nth)
{
	const form_pair *p = form_find_nth(f, name, nth);
	return p ? p->value : NULL;
}

const char *form_get(const form *f, const char *name)
{
	return form_get_nth(f, name, 0);
}
