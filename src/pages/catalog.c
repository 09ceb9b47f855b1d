/* catalog: the top page (search box and procedures by category), the search results and
 * the procedure pages (seed steps 1 and 2). Procedure pages depend only on the procedure
 * and the day (its application window), so each event loop renders a page once a day and
 * serves it from memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages/pages.h"
#include "store/store.h"
#include "util/jdate.h"
#include "util/log.h"

static json_t *proc_summary(const procedure *p)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", p->id, "title", p->title, "summary",
	                 p->summary, "login_required", p->login_required, "signature_required",
	                 p->signature_required);
}

void page_top(req *r)
{
	const proc_catalog *c = r->a->procs;
	json_t *ctx = page_base_ctx(r, NULL);
	json_t *cats = json_array();
	json_t *cur = NULL;
	const char *cur_name = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const procedure *p = c->items[i];
		if (!cur_name || strcmp(cur_name, p->category) != 0) {
			cur = json_array();
			json_array_append_new(
			    cats, json_pack("{s:s, s:o}", "name", p->category, "procedures", cur));
			cur_name = p->category;
		}
		json_array_append_new(cur, proc_summary(p));
	}
	json_object_set_new(ctx, "categories", cats);
	json_object_set_new(ctx, "is_top", json_true());
	resp_page(r, 200, "top", ctx);
}

void page_search(req *r)
{
	const char *q = form_get(&r->query, "q");
	json_t *ctx;
	if (!q || !*q) {
		resp_redirect(r, "/");
		return;
	}
	json_t *qj = json_string(q);
	if (!qj) {
		resp_error(r, 400, "検索できませんでした",
		           "検索語に使えない文字が含まれています。");
		return;
	}
	ctx = page_base_ctx(r, "検索結果");
	json_object_set_new(ctx, "q", qj);
	char **ids = NULL;
	size_t n = 0;
	int e = store_search_procedures(r->w->store, q, 50, &ids, &n);
	if (e != STORE_OK) {
		json_decref(ctx);
		log_error("search: %s", store_strerror(e));
		resp_error(r, 500, "検索できませんでした",
		           "しばらくしてから、もう一度お試しください。");
		return;
	}
	json_t *results = json_array();
	for (size_t i = 0; i < n; i++) {
		const procedure *p = proc_catalog_find(r->a->procs, ids[i]);
		if (p)
			json_array_append_new(results, proc_summary(p));
	}
	store_free_ids(ids);
	json_object_set_new(ctx, "count", json_integer((json_int_t)json_array_size(results)));
	json_object_set_new(ctx, "procedures", results);
	resp_page(r, 200, "search", ctx);
}

static json_t *str_array(char **items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static json_t *procedure_ctx(const req *r, const procedure *p, const char *today)
{
	json_t *ctx = page_base_ctx(r, p->title);
	json_t *pj =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:s}", "id", p->id,
	              "title", p->title, "category", p->category, "summary", p->summary,
	              "description_html", p->description_html, "eligibility", p->eligibility,
	              "prepare", str_array(p->prepare, p->n_prepare), "duration", p->duration,
	              "login_required", p->login_required, "signature_required",
	              p->signature_required, "department", p->department);
	if (p->contact_phone)
		json_object_set_new(pj, "contact_phone", json_string(p->contact_phone));
	if (p->contact_email)
		json_object_set_new(pj, "contact_email", json_string(p->contact_email));
	json_object_set_new(ctx, "proc", pj);
	char text[96];
	json_t *win = json_object();
	int st = proc_window_state(p, today);
	if (p->window_opens) {
		jdate_format(p->window_opens, text, sizeof(text));
		json_object_set_new(win, "opens", json_string(text));
	}
	if (p->window_closes) {
		jdate_format(p->window_closes, text, sizeof(text));
		json_object_set_new(win, "closes", json_string(text));
	}
	json_object_set_new(win, st < 0 ? "before" : st > 0 ? "after" : "open", json_true());
	json_object_set_new(ctx, "window", win);
	return ctx;
}

void page_procedure(req *r)
{
	const proc_catalog *c = r->a->procs;
	const procedure *p = proc_catalog_find(c, r->params[0]);
	if (!p) {
		resp_error(r, 404, "手続が見つかりません",
		           "お探しの手続は、名前が変わったか、受付を終了した可能性があります。");
		return;
	}
	size_t idx = 0;
	while (idx < c->n && c->items[idx] != p)
		idx++;
	char today[11];
	jdate_today(today, time(NULL));
	if (r->has_session) { /* the header differs per session: no cache */
		json_t *ctx = procedure_ctx(r, p, today);
		resp_page(r, 200, "procedure", ctx);
		return;
	}
	struct page_cache *pc = &r->w->proc_cache[idx];
	if (!pc->page || strcmp(pc->day, today) != 0) {
		buf out;
		buf_init(&out, 4 << 20);
		json_t *ctx = procedure_ctx(r, p, today);
		int e = tmpl_render_page(r->a->tmpl, "layout", "procedure", ctx, &out);
		json_decref(ctx);
		if (e) {
			buf_release(&out);
			log_error("procedure page %s: %s", p->id, tmpl_strerror(e));
			resp_error(r, 500, "ただいま表示できません",
			           "しばらくしてから、もう一度お試しください。");
			return;
		}
		page_ref *np = page_ref_new(out.data ? out.data : "", out.len);
		buf_release(&out);
		if (!np) {
			resp_error(r, 503, "ただいま混み合っています",
			           "しばらくしてから、もう一度お試しください。");
			return;
		}
		page_ref_put(pc->page); /* responses still sending it keep their reference */
		pc->page = np;
		memcpy(pc->day, today, sizeof(pc->day));
	}
	resp_page_ref(r, 200, "text/html; charset=utf-8", pc->page);
}

/* /static/NAME: the files of static/, loaded into memory at start and served by exact name
 * only (http/static.c), so no path can reach outside the directory. */
void page_static(req *r)
{
	if (static_serve(r, r->path + strlen("/static/")) < 0)
		resp_error(r, 404, "ページが見つかりません", NULL);
}

void page_health(req *r)
{
	resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
}
