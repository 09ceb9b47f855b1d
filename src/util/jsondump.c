/* jsondump: a compact, key-sorted JSON writer (see jsondump.h). */
#include "util/jsondump.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define RESERVE 4096 /* a verification report is 2-4 KB */

#define KEYS_ON_STACK 32
#define DEPTH_MAX 2048 /* jansson's JSON_PARSER_MAX_DEPTH: deeper trees are not written here */

struct key {
	const char *s;
	size_t len;
	json_t *v;
};

/* As jansson's dump_string: ", \ and control characters escaped, everything else (UTF-8, which
 * a jansson string always is) as it is. */
static void put_string(buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, run = 0;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = u[i];
		char esc[6] = {'\\', 'u', '0', '0', 0, 0};
		size_t elen = 2;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue; /* the common case: copied as a run */
		buf_append(b, s + run, i - run);
		run = i + 1;
		switch (ch) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			elen = 6;
		}
		buf_append(b, esc, elen);
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int put_value(buf *b, const json_t *v, int depth);

static int put_object(buf *b, const json_t *o, int depth)
{
	struct key stack[KEYS_ON_STACK], *keys = stack;
	size_t n = json_object_size(o), i = 0;
	void *it;
	int ret = 0;

	if (n > KEYS_ON_STACK && !(keys = malloc(n * sizeof(*keys))))
		return -1;
	for (it = json_object_iter((json_t *)o); it && i < n;
	     it = json_object_iter_next((json_t *)o, it), i++) {
		keys[i].s = json_object_iter_key(it);
		keys[i].len = json_object_iter_key_len(it);
		keys[i].v = json_object_iter_value(it);
	}
	qsort(keys, i, sizeof(*keys), key_cmp);
	buf_putc(b, '{');
	for (n = i, i = 0; i < n && ret == 0; i++) {
		if (i)
			buf_putc(b, ',');
		put_string(b, keys[i].s, keys[i].len);
		buf_putc(b, ':');
		ret = put_value(b, keys[i].v, depth + 1);
	}
	buf_putc(b, '}');
	if (keys != stack)
		free(keys);
	return ret;
}

static int put_value(buf *b, const json_t *v, int depth)
{
	size_t i, n;
	char *text;

	if (depth > DEPTH_MAX)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, depth);
	case JSON_ARRAY:
		buf_putc(b, '[');
		for (i = 0, n = json_array_size(v); i < n; i++) {
			if (i)
				buf_putc(b, ',');
			if (put_value(b, json_array_get(v, i), depth + 1) != 0)
				return -1;
		}
		buf_putc(b, ']');
		return 0;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER: {
		char num[32];
		int len =
		    snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return len > 0 ? buf_append(b, num, (size_t)len) : -1;
	}
	case JSON_TRUE:
		return buf_puts(b, "true");
	case JSON_FALSE:
		return buf_puts(b, "false");
	case JSON_NULL:
		return buf_puts(b, "null");
	case JSON_REAL: /* jansson's own format for it */
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text)
			return -1;
		buf_puts(b, text);
		free(text);
		return 0;
	}
	return -1;
}

char *jsondump_sorted(const json_t *v)
{
	buf b;

	if (!v || (!json_is_object(v) && !json_is_array(v)))
		return NULL;
	buf_init(&b, 0);
	buf_reserve(&b, RESERVE);
	if (put_value(&b, v, 0) != 0 || b.failed) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}
