/* libFuzzer target for util/tmpl: compiles the input as a template and, when it compiles,
 * renders it (alone, and as the page and as the layout of tmpl_render_page) with a fixed
 * small context, into an output buffer bounded to 64 KiB. The input may include itself
 * ("{{>t}}") and a fixed partial ("{{>p}}"). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/tmpl.h"

#define OUT_MAX ((size_t)64 << 10)

static const char ctx_json[] =
    "{\"s\": \"<script>alert(1)</script>&\\\"'\", \"n\": 42, \"r\": 1.5, \"t\": true,"
    " \"f\": false, \"z\": null, \"e\": [], \"o\": {\"s\": \"in&<\", \"a\": {\"b\": {\"c\": 7}}},"
    " \"a\": [1, \"x<\", {\"s\": \"el'\", \"a\": []}, [2, [3]], {\"o\": {\"t\": false}}],"
    " \"items\": [{\"name\": \"a&b\", \"kids\": [{\"name\": \"c\", \"kids\": []}]},"
    " {\"name\": \"d\", \"kids\": false}], \"content\": \"<old>\"}";

static const char partial[] = "<p>{{name}}{{#kids}}{{>p}}{{/kids}}</p>";

static json_t *ctx;

static void check(int rc, const buf *out, size_t max)
{
	if (rc < TMPL_OK || rc > TMPL_ENOMEM || !tmpl_strerror(rc))
		abort();
	if (out->len > max || (rc != TMPL_OK && out->len != 0))
		abort();
	if (out->data && out->data[out->len] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	tmpl_set *set;
	buf out;
	int rc;

	if (!ctx) {
		ctx = json_loads(ctx_json, 0, NULL);
		if (!ctx)
			abort();
	}
	set = tmpl_set_new();
	if (!set)
		return 0;
	if (tmpl_set_add(set, "p", partial, strlen(partial), err, sizeof(err)) != TMPL_OK)
		abort();
	buf_init(&out, OUT_MAX);
	rc = tmpl_set_add(set, "t", (const char *)data, size, err, sizeof(err));
	if (rc != TMPL_OK) {
		/* a compile error always says where */
		if (rc != TMPL_ENOMEM && !strchr(err, ':'))
			abort();
		goto out;
	}
	rc = tmpl_render(set, "t", ctx, &out);
	check(rc, &out, OUT_MAX);
	buf_reset(&out);
	rc = tmpl_render_page(set, "t", "p", ctx, &out);
	check(rc, &out, OUT_MAX);
	buf_reset(&out);
	rc = tmpl_render_page(set, "p", "t", ctx, &out);
	check(rc, &out, OUT_MAX);
out:
	buf_release(&out);
	tmpl_set_free(set);
	return 0;
}
