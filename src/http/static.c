/* static: the files of static/ held in memory and served by exact name. Loading them all at
 * start (bounded in count and size) means no request path ever reaches the file system, so
 * "..", percent-encoded or not, cannot escape the directory. */
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http/http.h"
#include "util/file.h"
#include "util/token.h"

#define STATIC_MAX_FILES 512
#define STATIC_MAX_TOTAL (32L << 20)

struct static_file {
	char *name; /* relative to the directory, '/'-separated */
	char *data;
	size_t len;
	const char *type;
	char etag[24];
};

struct static_files {
	struct static_file *f;
	size_t n;
	size_t total;
};

static const char *mime_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".html", "text/html; charset=utf-8"},
	    {".json", "application/json"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int load_dir(struct static_files *s, const char *root, const char *rel, int depth, char *err,
                    size_t errlen)
{
	char path[1024];
	int r = -1;
	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[1024], full[2048];
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		struct stat st;
		if (stat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth >= 4 || load_dir(s, root, sub, depth + 1, err, errlen) < 0)
				goto out;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (s->n >= STATIC_MAX_FILES || s->total + (size_t)st.st_size > STATIC_MAX_TOTAL) {
			snprintf(err, errlen, "%s: more than %d files or %ld bytes", root,
			         STATIC_MAX_FILES, STATIC_MAX_TOTAL);
			goto out;
		}
		struct static_file *f = &s->f[s->n];
		if (file_read_all(full, (size_t)STATIC_MAX_TOTAL - s->total, &f->data, &f->len,
		                  NULL) != 0) {
			if (errno == ENOMEM)
				snprintf(err, errlen, "out of memory");
			else
				snprintf(err, errlen, "%s: %s", full, strerror(errno));
			goto out;
		}
		f->name = strdup(sub);
		if (!f->name) {
			free(f->data);
			free(f->name);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		f->type = mime_type(sub);
		char hex[65];
		token_sha256_hex(f->data, f->len, hex);
		snprintf(f->etag, sizeof(f->etag), "\"%.16s\"", hex);
		s->total += f->len;
		s->n++;
	}
	r = 0;
out:
	closedir(d);
	return r;
}

int static_load(struct static_files **out, const char *dir, char *err, size_t errlen)
{
	struct static_files *s = calloc(1, sizeof(*s));
	if (!s || !(s->f = calloc(STATIC_MAX_FILES, sizeof(*s->f)))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (load_dir(s, dir, "", 0, err, errlen) < 0) {
		static_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void static_free(struct static_files *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].name);
		free(s->f[i].data);
	}
	free(s->f);
	free(s);
}

int static_serve(req *r, const char *name)
{
	const struct static_files *s = r->a->statics;
	for (size_t i = 0; s && i < s->n; i++) {
		const struct static_file *f = &s->f[i];
		if (strcmp(f->name, name) != 0)
			continue;
		struct evkeyvalq *oh = evhttp_request_get_output_headers(r->ev);
		const char *inm =
		    evhttp_find_header(evhttp_request_get_input_headers(r->ev), "If-None-Match");
		evhttp_add_header(oh, "ETag", f->etag);
		evhttp_add_header(oh, "Cache-Control", "public, max-age=3600");
		if (inm && strcmp(inm, f->etag) == 0) {
			resp_bytes(r, 304, NULL, NULL, 0);
			return 0;
		}
		resp_bytes(r, 200, f->type, f->data, f->len);
		return 0;
	}
	return -1;
}
