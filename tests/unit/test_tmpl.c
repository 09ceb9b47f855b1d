/* Unit tests of util/tmpl: values and escaping, sections, partials, layouts, loading from a
 * directory, syntax errors and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/tmpl.h"

/* Parse JSON text for a test (fails the test if it does not parse). */
static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	return v;
}

static void add(tmpl_set *s, const char *name, const char *src)
{
	char err[256];
	int rc = tmpl_set_add(s, name, src, strlen(src), err, sizeof(err));
	if (rc != TMPL_OK)
		fail_msg("tmpl_set_add(%s): %s", name, err);
}

/* Render template "t" of set s with the JSON ctx and compare with want. */
static void check_set(tmpl_set *s, const char *ctx_json, const char *want)
{
	json_t *ctx = J(ctx_json);
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
	json_decref(ctx);
}

/* Compile src as "t" in a fresh set and render it. */
static void check(const char *src, const char *ctx_json, const char *want)
{
	tmpl_set *s = tmpl_set_new();
	assert_non_null(s);
	add(s, "t", src);
	check_set(s, ctx_json, want);
	tmpl_set_free(s);
}

/* Compile src as "t" and return the tmpl_set_add code; the message goes into err. */
static int compile_err(const char *src, char *err, size_t errlen)
{
	tmpl_set *s = tmpl_set_new();
	assert_non_null(s);
	int rc = tmpl_set_add(s, "t", src, strlen(src), err, errlen);
	tmpl_set_free(s);
	return rc;
}

#define NASTY "{\"s\": \"<a href=\\\"x\\\">&'\"}"
#define NASTY_ESC "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"

static void test_text_only(void **state)
{
	check("", "{}", "");
	check("plain <b>text</b> & more\n", "{}", "plain <b>text</b> & more\n");
	check("single { and } braces", "{}", "single { and } braces");
}

static void test_escape(void **state)
{
	check("[{{s}}]", NASTY, "[" NASTY_ESC "]");
	check("{{ s }}", NASTY, NASTY_ESC);
	/* in a section over an object, an array, and from the outer context */
	check("{{#o}}{{s}}{{/o}}", "{\"o\": {\"s\": \"<&>\"}}", "&lt;&amp;&gt;");
	check("{{#a}}({{.}}){{/a}}", "{\"a\": [\"<\", \"\\\"'\"]}", "(&lt;)(&quot;&#39;)");
	check("{{#a}}{{#b}}{{s}}{{/b}}{{/a}}", "{\"s\": \"'&'\", \"a\": [1], \"b\": {\"x\": 1}}",
	      "&#39;&amp;&#39;");
	/* in a partial */
	tmpl_set *set = tmpl_set_new();
	add(set, "p", "<i>{{s}}</i>");
	add(set, "t", "{{#o}}{{>p}}{{/o}}|{{>p}}");
	check_set(set, "{\"s\": \"a&b\", \"o\": {\"s\": \"<x>\"}}",
	          "<i>&lt;x&gt;</i>|<i>a&amp;b</i>");
	tmpl_set_free(set);
}

static void test_raw(void **state)
{
	check("{{{s}}}", NASTY, "<a href=\"x\">&'");
	check("{{& s}}", NASTY, "<a href=\"x\">&'");
	check("{{&s}}|{{{ s }}}", "{\"s\": \"<br>\"}", "<br>|<br>");
	check("{{#o}}{{{h}}}{{/o}}", "{\"o\": {\"h\": \"<hr>\"}}", "<hr>");
}

static void test_scalars(void **state)
{
	check("{{i}} {{n}} {{big}} {{z}}",
	      "{\"i\": 42, \"n\": -7, \"big\": 9007199254740993, \"z\": 0}",
	      "42 -7 9007199254740993 0");
	check("{{r}} {{q}} {{e}}", "{\"r\": 1.5, \"q\": 0.1, \"e\": 1e20}", "1.5 0.1 1e+20");
	check("[{{t}}][{{f}}][{{nul}}][{{missing}}]", "{\"t\": true, \"f\": false, \"nul\": null}",
	      "[true][false][][]");
	check("[{{a}}][{{o}}]", "{\"a\": [1, 2], \"o\": {\"x\": 1}}", "[][]");
	check("{{s}}", "{\"s\": \"日本語 ok\"}", "日本語 ok");
	/* a string with a NUL byte is written whole */
	tmpl_set *set = tmpl_set_new();
	add(set, "t", "{{s}}");
	json_t *ctx = json_pack("{s:s%}", "s", "a\0b", (size_t)3);
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render(set, "t", ctx, &out), TMPL_OK);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.data, "a\0b", 3);
	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(set);
}

static void test_sections(void **state)
{
	/* arrays: once per element, element pushed */
	check("{{#a}}<{{n}}>{{/a}}", "{\"a\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}", "<1><2><3>");
	check("{{#a}}{{.}},{{/a}}", "{\"a\": [\"x\", 2, 1.5, true, null]}", "x,2,1.5,true,,");
	check("{{#a}}[{{#.}}{{.}}{{/.}}]{{/a}}", "{\"a\": [[1, 2], [], [3]]}", "[12][][3]");
	check("a{{#a}}X{{/a}}b", "{\"a\": []}", "ab");
	/* objects: pushed once, even when empty */
	check("{{#o}}{{x}}-{{y}}{{/o}}", "{\"o\": {\"x\": 1, \"y\": \"z\"}}", "1-z");
	check("{{#o}}in{{/o}}", "{\"o\": {}}", "in");
	/* booleans, null, missing */
	check("{{#b}}yes{{/b}}", "{\"b\": true}", "yes");
	check("{{#b}}yes{{/b}}", "{\"b\": false}", "");
	check("{{#b}}yes{{/b}}", "{\"b\": null}", "");
	check("{{#b}}yes{{/b}}", "{}", "");
	/* numbers */
	check("{{#n}}<{{.}}>{{/n}}", "{\"n\": 3}", "<3>");
	check("{{#n}}<{{.}}>{{/n}}", "{\"n\": 0}", "");
	check("{{#n}}<{{.}}>{{/n}}", "{\"n\": 0.5}", "<0.5>");
	check("{{#n}}<{{.}}>{{/n}}", "{\"n\": 0.0}", "");
	/* strings */
	check("{{#s}}<{{.}}>{{/s}}", "{\"s\": \"a&b\"}", "<a&amp;b>");
	check("{{#s}}<{{.}}>{{/s}}", "{\"s\": \"\"}", "");
	/* the outer context stays visible; the inner one shadows it */
	check("{{#a}}{{x}}{{y}}{{/a}}", "{\"x\": \"X\", \"y\": \"Y\", \"a\": [{\"x\": 1}, {}]}",
	      "1YXY");
	check("{{#o}}{{#p}}{{v}}{{/p}}{{/o}}", "{\"v\": 0, \"o\": {\"v\": 1, \"p\": {\"w\": 2}}}",
	      "1");
	/* a key that exists with null shadows the outer one */
	check("{{#o}}[{{v}}]{{/o}}", "{\"v\": 9, \"o\": {\"v\": null}}", "[]");
	/* nested section over the same name as the outer section */
	check("{{#a}}{{#a}}x{{/a}}{{/a}}", "{\"a\": [1, 2]}", "xxxx");
	/* whitespace inside section tags */
	check("{{# a }}{{ . }}{{/ a }}", "{\"a\": [1, 2]}", "12");
	/* text and newlines around sections are kept as they are */
	check("<ul>\n{{#a}}\n<li>{{.}}</li>\n{{/a}}\n</ul>", "{\"a\": [1]}",
	      "<ul>\n\n<li>1</li>\n\n</ul>");
}

static void test_inverted(void **state)
{
	const char *t = "{{^v}}none{{/v}}";
	check(t, "{}", "none");
	check(t, "{\"v\": null}", "none");
	check(t, "{\"v\": false}", "none");
	check(t, "{\"v\": []}", "none");
	check(t, "{\"v\": \"\"}", "none");
	check(t, "{\"v\": 0}", "none");
	check(t, "{\"v\": 0.0}", "none");
	check(t, "{\"v\": true}", "");
	check(t, "{\"v\": [0]}", "");
	check(t, "{\"v\": {}}", "");
	check(t, "{\"v\": \"x\"}", "");
	check(t, "{\"v\": -1}", "");
	/* nothing is pushed: names still resolve in the enclosing context */
	check("{{#a}}{{^e}}{{n}}{{/e}}{{/a}}", "{\"a\": [{\"n\": 1}, {\"n\": 2, \"e\": 1}]}", "1");
	check("{{#a}}{{.}}{{/a}}{{^a}}empty{{/a}}", "{\"a\": []}", "empty");
}

static void test_dotted(void **state)
{
	check("{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"<deep>\"}}}", "&lt;deep&gt;");
	check("{{{a.b.c}}}", "{\"a\": {\"b\": {\"c\": \"<deep>\"}}}", "<deep>");
	check("{{#a.b}}{{c}}{{/a.b}}", "{\"a\": {\"b\": {\"c\": 5}}}", "5");
	check("{{^a.x}}no{{/a.x}}", "{\"a\": {\"b\": 1}}", "no");
	/* the first part resolves through the stack ... */
	check("{{#o}}{{a.b}}{{/o}}", "{\"a\": {\"b\": \"outer\"}, \"o\": {\"z\": 1}}", "outer");
	/* ... and the rest only inside what it found (no fallback to the outer a.b) */
	check("{{#o}}[{{a.b}}]{{/o}}", "{\"a\": {\"b\": \"outer\"}, \"o\": {\"a\": {\"c\": 1}}}",
	      "[]");
	/* through a non-object */
	check("[{{a.b}}][{{s.length}}]", "{\"a\": [1], \"s\": \"str\"}", "[][]");
	check("[{{a.b.c}}]", "{\"a\": {\"b\": null}}", "[]");
}

static void test_dot(void **state)
{
	check("{{.}}", "\"top<\"", "top&lt;");
	check("{{{.}}}", "\"top<\"", "top<");
	check("[{{.}}]", "{\"a\": 1}", "[]");
	check("{{#a}}{{#.}}{{n}}{{/.}}{{/a}}", "{\"a\": [{\"n\": 1}, {\"n\": 2}]}", "12");
}

static void test_partials(void **state)
{
	tmpl_set *s = tmpl_set_new();
	/* the partial may be added after the template using it */
	add(s, "t", "<ul>{{#items}}{{> item }}{{/items}}</ul>");
	add(s, "item", "<li>{{name}} ({{owner}})</li>");
	check_set(s, "{\"owner\": \"me\", \"items\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
	          "<ul><li>a (me)</li><li>&lt;b&gt; (me)</li></ul>");
	/* replacing a template relinks the partials that use it */
	add(s, "item", "[{{name}}]");
	check_set(s, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}", "<ul>[a][b]</ul>");
	/* partial names may contain dots and dashes */
	add(s, "forms.field-x", "F{{v}}");
	add(s, "t", "{{>forms.field-x}}{{>forms.field-x}}");
	check_set(s, "{\"v\": 1}", "F1F1");
	/* recursion bounded by the data */
	add(s, "node", "({{n}}{{#kids}}{{>node}}{{/kids}})");
	add(s, "t", "{{#root}}{{>node}}{{/root}}");
	check_set(
	    s,
	    "{\"root\": {\"n\": 1, \"kids\": [{\"n\": 2, \"kids\": [{\"n\": 3, \"kids\": []}]},"
	    " {\"n\": 4, \"kids\": false}]}}",
	    "(1(2(3))(4))");
	tmpl_set_free(s);
}

static void test_comments(void **state)
{
	check("a{{! hidden }}b", "{}", "ab");
	check("a{{!}}b", "{}", "ab");
	check("a{{! {{x}} }}b", "{\"x\": 1}", "a }}b");
	check("a{{!\nmulti\nline\n}}b{{x}}", "{\"x\": 1}", "ab1");
	/* line numbers count the newlines inside comments */
	char err[128];
	assert_int_equal(compile_err("{{! a\nb\n}}\n{{#x}}", err, sizeof(err)), TMPL_ESYNTAX);
	assert_non_null(strstr(err, "t:4:"));
}

static void test_not_nul_terminated(void **state)
{
	tmpl_set *s = tmpl_set_new();
	const char src[] = "<{{v}}>{{#zzz"; /* only the first 7 bytes are the template */
	char err[128];
	assert_int_equal(tmpl_set_add(s, "t", src, 7, err, sizeof(err)), TMPL_OK);
	check_set(s, "{\"v\": \"ok\"}", "<ok>");
	/* an empty template */
	assert_int_equal(tmpl_set_add(s, "t", NULL, 0, err, sizeof(err)), TMPL_OK);
	check_set(s, "{\"v\": 1}", "");
	tmpl_set_free(s);
}

static void test_appends(void **state)
{
	tmpl_set *s = tmpl_set_new();
	add(s, "t", "{{v}}");
	json_t *ctx = J("{\"v\": \"b\"}");
	buf out;
	buf_init(&out, 0);
	buf_puts(&out, "a");
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "abb");
	/* a NULL context renders like an empty one */
	buf_reset(&out);
	assert_int_equal(tmpl_render(s, "t", NULL, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "");
	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(s);
}

static void test_page(void **state)
{
	tmpl_set *s = tmpl_set_new();
	add(s, "layout",
	    "<html><title>{{title}}</title><main>{{{content}}}</main>"
	    "{{#nav}}<a>{{.}}</a>{{/nav}}{{>foot}}</html>");
	add(s, "foot", "<footer>{{title}}</footer>");
	add(s, "page", "<h1>{{title}}</h1><p>{{{raw}}}</p>");
	json_t *ctx = J("{\"title\": \"A&B\", \"raw\": \"<em>x</em>\", \"nav\": [\"1\", \"2\"]}");
	char *before = json_dumps(ctx, JSON_SORT_KEYS);
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render_page(s, "layout", "page", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out),
	                    "<html><title>A&amp;B</title><main><h1>A&amp;B</h1><p><em>x</em></p>"
	                    "</main><a>1</a><a>2</a><footer>A&amp;B</footer></html>");
	/* ctx is not modified */
	char *after = json_dumps(ctx, JSON_SORT_KEYS);
	assert_string_equal(before, after);
	assert_null(json_object_get(ctx, "content"));
	free(before);
	free(after);

	/* content escaped where the layout asks for it; usable as a section */
	add(s, "layout2", "{{content}}|{{#content}}has{{/content}}{{^content}}none{{/content}}");
	add(s, "empty", "");
	buf_reset(&out);
	assert_int_equal(tmpl_render_page(s, "layout2", "page", ctx, &out), TMPL_OK);
	assert_string_equal(
	    buf_cstr(&out),
	    "&lt;h1&gt;A&amp;amp;B&lt;/h1&gt;&lt;p&gt;&lt;em&gt;x&lt;/em&gt;&lt;/p&gt;|has");
	buf_reset(&out);
	assert_int_equal(tmpl_render_page(s, "layout2", "empty", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "|none");

	/* a "content" key of ctx is hidden at the root, but not inside a pushed object */
	json_t *ctx2 = J("{\"content\": \"old\", \"o\": {\"content\": \"inner\"}}");
	add(s, "layout3", "{{{content}}}/{{#o}}{{content}}{{/o}}");
	add(s, "p3", "new");
	buf_reset(&out);
	assert_int_equal(tmpl_render_page(s, "layout3", "p3", ctx2, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "new/inner");
	assert_string_equal(json_string_value(json_object_get(ctx2, "content")), "old");

	/* a missing layout or page */
	buf_reset(&out);
	assert_int_equal(tmpl_render_page(s, "nolayout", "page", ctx, &out), TMPL_ENOTFOUND);
	assert_int_equal(tmpl_render_page(s, "layout", "nopage", ctx, &out), TMPL_ENOTFOUND);
	assert_int_equal(out.len, 0);

	buf_release(&out);
	json_decref(ctx);
	json_decref(ctx2);
	tmpl_set_free(s);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_file(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/test_tmpl.XXXXXX";
	char sub[600], err[512];
	assert_non_null(mkdtemp(dir));
	write_file(dir, "layout.html", "<body>{{{content}}}</body>");
	write_file(dir, "home.html", "<h1>{{title}}</h1>{{>part.card}}");
	write_file(dir, "part.card.html", "<div>{{who}}</div>");
	write_file(dir, "notes.txt", "{{#broken");
	write_file(dir, ".hidden.html", "{{#broken");
	snprintf(sub, sizeof(sub), "%s/sub.html", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	tmpl_set *s = tmpl_set_new();
	assert_int_equal(tmpl_set_load_dir(s, dir, err, sizeof(err)), TMPL_OK);
	json_t *ctx = J("{\"title\": \"<T>\", \"who\": \"me & you\"}");
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render_page(s, "layout", "home", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out),
	                    "<body><h1>&lt;T&gt;</h1><div>me &amp; you</div></body>");
	buf_reset(&out);
	assert_int_equal(tmpl_render(s, "notes", ctx, &out), TMPL_ENOTFOUND);
	assert_int_equal(tmpl_render(s, "sub", ctx, &out), TMPL_ENOTFOUND);
	assert_int_equal(tmpl_render(s, "layout.html", ctx, &out), TMPL_ENOTFOUND);
	tmpl_set_free(s);

	/* a syntax error names the file and the line */
	write_file(dir, "bad.html", "line 1\nline 2 {{#open}}\n");
	s = tmpl_set_new();
	assert_int_equal(tmpl_set_load_dir(s, dir, err, sizeof(err)), TMPL_ESYNTAX);
	assert_non_null(strstr(err, "bad.html:2:"));
	tmpl_set_free(s);
	rm_file(dir, "bad.html");

	/* a directory that does not exist */
	s = tmpl_set_new();
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	assert_int_equal(tmpl_set_load_dir(s, missing, err, sizeof(err)), TMPL_EIO);
	assert_non_null(strstr(err, "nope"));
	tmpl_set_free(s);

	buf_release(&out);
	json_decref(ctx);
	rmdir(sub);
	rm_file(dir, "layout.html");
	rm_file(dir, "home.html");
	rm_file(dir, "part.card.html");
	rm_file(dir, "notes.txt");
	rm_file(dir, ".hidden.html");
	assert_int_equal(rmdir(dir), 0);
}

static void expect_syntax(const char *src, const char *where)
{
	char err[256];
	err[0] = 'x';
	err[1] = '\0';
	int rc = compile_err(src, err, sizeof(err));
	if (rc != TMPL_ESYNTAX)
		fail_msg("%s: want TMPL_ESYNTAX, got %d (%s)", src, rc, err);
	if (!strstr(err, where))
		fail_msg("%s: message \"%s\" lacks \"%s\"", src, err, where);
}

static void test_syntax_errors(void **state)
{
	/* unclosed tags */
	expect_syntax("abc {{name", "t:1:");
	expect_syntax("a\nb\n{{name}", "t:3:");
	expect_syntax("a\n{{{raw}}", "t:2:");
	expect_syntax("{{! comment", "t:1:");
	expect_syntax("{{", "t:1:");
	/* unclosed sections */
	expect_syntax("{{#a}}", "t:1:");
	expect_syntax("x\n\n{{^b}}\n", "t:3:");
	expect_syntax("{{#a}}\n{{#b}}{{/b}}", "t:1:");
	expect_syntax("{{#a}}\n{{#b}}{{/a}}", "t:2:");
	/* mismatched close */
	expect_syntax("{{#a}}\n{{/b}}", "t:2:");
	expect_syntax("{{#a.b}}{{/a}}", "a.b");
	expect_syntax("{{#a}}{{#b}}\n\n{{/a}}{{/b}}", "t:3:");
	/* stray close */
	expect_syntax("x\n{{/a}}", "t:2:");
	expect_syntax("{{#a}}{{/a}}{{/a}}", "t:1:");
	/* empty names */
	expect_syntax("{{}}", "t:1:");
	expect_syntax("\n{{ }}", "t:2:");
	expect_syntax("{{#}}{{/}}", "t:1:");
	expect_syntax("{{{}}}", "t:1:");
	expect_syntax("{{&}}", "t:1:");
	expect_syntax("{{>}}", "t:1:");
	expect_syntax("{{/}}", "t:1:");
	expect_syntax("{{a..b}}", "t:1:");
	expect_syntax("{{.a}}", "t:1:");
	expect_syntax("{{a.}}", "t:1:");
	/* bad names and unsupported tags */
	expect_syntax("{{a b}}", "t:1:");
	expect_syntax("{{{a}} {{b}}}", "t:1:");
	expect_syntax("{{=<% %>=}}", "t:1:");
	/* a close matching a dotted open is fine */
	char err[256];
	assert_int_equal(compile_err("{{#a.b}}x{{/a.b}}", err, sizeof(err)), TMPL_OK);
	assert_string_equal(err, "");
	/* err may be NULL */
	tmpl_set *s = tmpl_set_new();
	assert_int_equal(tmpl_set_add(s, "t", "{{#a}}", 6, NULL, 0), TMPL_ESYNTAX);
	/* a failed add keeps the previous template of that name */
	add(s, "t", "old");
	assert_int_equal(tmpl_set_add(s, "t", "{{", 2, err, sizeof(err)), TMPL_ESYNTAX);
	check_set(s, "{}", "old");
	tmpl_set_free(s);
}

static void test_not_found(void **state)
{
	tmpl_set *s = tmpl_set_new();
	json_t *ctx = J("{\"a\": [1]}");
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_ENOTFOUND);
	add(s, "t", "before {{#a}}{{>nope}}{{/a}}");
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_ENOTFOUND);
	/* nothing of the failed render is left in out */
	assert_int_equal(out.len, 0);
	assert_string_equal(buf_cstr(&out), "");
	/* a missing partial in a section that is not rendered is no error */
	add(s, "t", "ok{{#none}}{{>nope}}{{/none}}");
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "ok");
	/* once added, the partial is found */
	add(s, "t", "{{>nope}}");
	add(s, "nope", "here");
	buf_reset(&out);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "here");
	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(s);
}

static void test_depth(void **state)
{
	tmpl_set *s = tmpl_set_new();
	json_t *ctx = J("{\"a\": [1], \"t\": true}");
	buf out;
	buf_init(&out, 0);
	char err[256];

	/* a partial including itself */
	add(s, "self", "x{{>self}}");
	assert_int_equal(tmpl_render(s, "self", ctx, &out), TMPL_EDEPTH);
	assert_int_equal(out.len, 0);
	/* two partials including each other */
	add(s, "ping", "{{#t}}{{>pong}}{{/t}}");
	add(s, "pong", "{{>ping}}");
	assert_int_equal(tmpl_render(s, "ping", ctx, &out), TMPL_EDEPTH);

	/* 32 nested sections compile and render; 33 do not compile */
	char src[1024];
	size_t n = 0;
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "{{#a}}");
	n += (size_t)snprintf(src + n, sizeof(src) - n, "x");
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "{{/a}}");
	add(s, "deep", src);
	assert_int_equal(tmpl_render(s, "deep", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "x");
	char src33[1100];
	snprintf(src33, sizeof(src33), "{{#a}}%s{{/a}}", src);
	assert_int_equal(tmpl_set_add(s, "deep33", src33, strlen(src33), err, sizeof(err)),
	                 TMPL_EDEPTH);
	assert_non_null(strstr(err, "deep33:1:"));
	/* sections and partials count together: 32 sections around one partial is too deep */
	add(s, "leaf", "y");
	char *p = strchr(src, 'x');
	char srcp[1200];
	snprintf(srcp, sizeof(srcp), "%.*s{{>leaf}}%s", (int)(p - src), src, p + 1);
	add(s, "deepp", srcp);
	buf_reset(&out);
	assert_int_equal(tmpl_render(s, "deepp", ctx, &out), TMPL_EDEPTH);
	/* 31 sections around a partial is fine */
	add(s, "wrap", "{{>deep31}}");
	snprintf(srcp, sizeof(srcp), "%.*s{{>leaf}}%s", (int)(p - src) - 6, src + 6, p + 1 + 6);
	add(s, "deep31", srcp);
	buf_reset(&out);
	assert_int_equal(tmpl_render(s, "deep31", ctx, &out), TMPL_OK);
	assert_string_equal(buf_cstr(&out), "y");
	/* ... but not when itself included as a partial */
	assert_int_equal(tmpl_render(s, "wrap", ctx, &out), TMPL_EDEPTH);

	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(s);
}

static void test_output_limit(void **state)
{
	tmpl_set *s = tmpl_set_new();
	add(s, "t", "{{#a}}<p>{{s}}</p>{{/a}}");
	json_t *ctx = J("{\"a\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], \"s\": \"&&\"}");
	buf out;
	buf_init(&out, 64);
	buf_puts(&out, "keep");
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_ENOMEM);
	assert_int_equal(out.len, 4);
	assert_string_equal(buf_cstr(&out), "keep");
	buf_release(&out);

	/* exactly at the limit is fine: 10 * strlen("<p>&amp;&amp;</p>") = 170 */
	buf_init(&out, 170);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	assert_int_equal(out.len, 170);
	buf_release(&out);
	buf_init(&out, 169);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_ENOMEM);
	buf_release(&out);

	/* the page and the layout together are bounded */
	add(s, "layout", "<main>{{{content}}}</main>");
	buf_init(&out, 175);
	assert_int_equal(tmpl_render_page(s, "layout", "t", ctx, &out), TMPL_ENOMEM);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	buf_init(&out, 183);
	assert_int_equal(tmpl_render_page(s, "layout", "t", ctx, &out), TMPL_OK);
	assert_int_equal(out.len, 183);
	buf_release(&out);

	/* a template over 1 MiB is refused */
	size_t big = ((size_t)1 << 20) + 1;
	char *src = malloc(big);
	assert_non_null(src);
	memset(src, 'a', big);
	char err[128];
	assert_int_equal(tmpl_set_add(s, "big", src, big, err, sizeof(err)), TMPL_ENOMEM);
	assert_non_null(strstr(err, "big"));
	assert_int_equal(tmpl_set_add(s, "big", src, big - 1, err, sizeof(err)), TMPL_OK);
	free(src);

	json_decref(ctx);
	tmpl_set_free(s);
}

static void test_work_limit(void **state)
{
	/* 32 nested sections over a 3-element array with no output would visit 3^32 nodes;
	 * the renderer gives up with TMPL_ENOMEM after its step budget */
	tmpl_set *s = tmpl_set_new();
	char src[512];
	size_t n = 0;
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "{{#a}}");
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "{{/a}}");
	add(s, "t", src);
	json_t *ctx = J("{\"a\": [1, 2, 3]}");
	buf out;
	buf_init(&out, 0);
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_ENOMEM);
	assert_int_equal(out.len, 0);
	/* the same template over a 1-element array is cheap */
	json_decref(ctx);
	ctx = J("{\"a\": [1]}");
	assert_int_equal(tmpl_render(s, "t", ctx, &out), TMPL_OK);
	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(s);
}

static void test_strerror(void **state)
{
	int codes[] = {TMPL_OK, TMPL_ESYNTAX, TMPL_ENOTFOUND, TMPL_EDEPTH, TMPL_EIO, TMPL_ENOMEM};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_non_null(tmpl_strerror(codes[i]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(tmpl_strerror(codes[i]), tmpl_strerror(codes[j]));
	}
	assert_non_null(tmpl_strerror(999));
	assert_non_null(tmpl_strerror(-1));
	tmpl_set_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_only),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_inverted),
	    cmocka_unit_test(test_dotted),
	    cmocka_unit_test(test_dot),
	    cmocka_unit_test(test_partials),
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_not_nul_terminated),
	    cmocka_unit_test(test_appends),
	    cmocka_unit_test(test_page),
	    cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_output_limit),
	    cmocka_unit_test(test_work_limit),
	    cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
