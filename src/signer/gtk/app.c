/* madoguchi-sign-gtk: the GtkApplication and the worker thread (see window.h). The worker runs
 * signer_run (flow.c) with the PC/SC card and libcurl; every callback of the flow is handed to
 * the UI thread with g_idle_add, and the two questions of the flow (the password, yes/no)
 * wait on a condition variable for the UI's answer. キャンセル answers "no", cancels the card
 * wait (SCardCancel) and aborts a transfer. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "signer/gtk/window.h"

enum ev_kind { EV_REQUEST, EV_MESSAGE, EV_ASK, EV_DONE };

struct ev {
	struct sw_app *a;
	enum ev_kind kind;
	enum ui_kind ui;
	enum msg_id id;
	char *text;
	/* EV_REQUEST */
	char *origin, *portal, *procedure, *expiry;
	GPtrArray *labels, *values;
};

static void ev_free(struct ev *e)
{
	g_free(e->text);
	g_free(e->origin);
	g_free(e->portal);
	g_free(e->procedure);
	g_free(e->expiry);
	if (e->labels)
		g_ptr_array_unref(e->labels);
	if (e->values)
		g_ptr_array_unref(e->values);
	g_free(e);
}

/* ---- on the UI thread ---------------------------------------------------------------- */

static void take_request(struct sw_app *a, struct ev *e)
{
	g_free(a->origin), g_free(a->portal), g_free(a->procedure), g_free(a->expiry);
	if (a->labels)
		g_ptr_array_unref(a->labels);
	if (a->values)
		g_ptr_array_unref(a->values);
	a->origin = e->origin, a->portal = e->portal, a->procedure = e->procedure;
	a->expiry = e->expiry, a->labels = e->labels, a->values = e->values;
	e->origin = e->portal = e->procedure = e->expiry = NULL;
	e->labels = e->values = NULL;
	sw_show_start(a);
}

static void take_message(struct sw_app *a, struct ev *e)
{
	if (e->id == MSG_HOLD_CARD) {
		g_string_truncate(a->notes, 0);
		sw_show_card(a);
	} else if (e->ui == UI_PROGRESS) {
		sw_card_progress(a, e->text);
	} else if (e->ui == UI_WARNING) {
		g_string_append_printf(a->notes, "%s%s", a->notes->len ? "\n" : "", e->text);
		sw_card_progress(a, NULL);
	} else if (e->ui == UI_ERROR) {
		if (e->id == MSG_E_WRONG_PW) {
			g_free(a->pw_error);
			a->pw_error = g_strdup(e->text);
		}
		g_string_append_printf(a->errors, "%s%s", a->errors->len ? "\n" : "", e->text);
	}
}

static gboolean on_event(gpointer data)
{
	struct ev *e = data;
	struct sw_app *a = e->a;

	switch (e->kind) {
	case EV_REQUEST:
		take_request(a, e);
		break;
	case EV_MESSAGE:
		take_message(a, e);
		break;
	case EV_ASK:
		if (a->asked == ASK_CONFIRM)
			sw_show_confirm(a);
		else if (a->started)
			sw_show_password(a);
		break;
	case EV_DONE:
		g_thread_join(a->worker);
		a->worker = NULL;
		a->busy = 0;
		if (a->result == SIGNER_OK)
			sw_show_done(a);
		else
			sw_show_failure(a);
		break;
	}
	ev_free(e);
	return G_SOURCE_REMOVE;
}

void sw_answer(struct sw_app *a, int answer, const char *pw)
{
	g_mutex_lock(&a->mu);
	a->answer = answer;
	explicit_bzero(a->pw, sizeof(a->pw));
	if (pw)
		g_strlcpy(a->pw, pw, sizeof(a->pw));
	a->answered = 1;
	a->asked = ASK_NONE;
	g_cond_signal(&a->cond);
	g_mutex_unlock(&a->mu);
}

void sw_cancel(struct sw_app *a)
{
	if (!a->busy) {
		gtk_window_destroy(a->win);
		return;
	}
	atomic_store(&a->abort, 1);
	signer_pcsc_cancel(a->pcsc);
	sw_answer(a, 0, NULL);
}

/* ---- on the worker thread ------------------------------------------------------------ */

static void post(struct sw_app *a, struct ev *e)
{
	e->a = a;
	g_idle_add(on_event, e);
}

static void w_print(void *ctx, enum ui_kind kind, const char *text)
{
}

static void w_message(void *ctx, enum ui_kind kind, enum msg_id id, const char *text)
{
	struct ev *e = g_new0(struct ev, 1);

	e->kind = EV_MESSAGE, e->ui = kind, e->id = id, e->text = g_strdup(text);
	post(ctx, e);
}

static void w_request(void *ctx, const char *origin, const struct signreq *req)
{
	struct sw_app *a = ctx;
	struct ev *e = g_new0(struct ev, 1);
	char when[128];

	e->kind = EV_REQUEST;
	e->origin = g_strdup(origin ? origin : "-");
	e->portal = g_strdup(req->portal_name);
	e->procedure = g_strdup(req->procedure_title);
	signer_format_time(a->lang, (time_t)req->expires_at, when, sizeof(when));
	e->expiry = g_strdup(when);
	e->labels = g_ptr_array_new_with_free_func(g_free);
	e->values = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < req->nlines; i++) {
		g_ptr_array_add(e->labels, g_strdup(req->lines[i].label));
		g_ptr_array_add(e->values, g_strdup(req->lines[i].value));
	}
	post(a, e);
}

/* Asks the UI and waits for its answer. */
static int ask(struct sw_app *a, enum sw_ask what, const char *question)
{
	struct ev *e = g_new0(struct ev, 1);
	int answer;

	g_mutex_lock(&a->mu);
	a->asked = what;
	a->answered = 0;
	g_strlcpy(a->question, question ? question : "", sizeof(a->question));
	g_mutex_unlock(&a->mu);
	e->kind = EV_ASK;
	post(a, e);
	g_mutex_lock(&a->mu);
	while (!a->answered && !atomic_load(&a->abort))
		g_cond_wait(&a->cond, &a->mu);
	answer = a->answered && a->answer && !atomic_load(&a->abort);
	a->answered = 0;
	g_mutex_unlock(&a->mu);
	return answer;
}

static int w_password(void *ctx, const char *prompt, char *buf, size_t cap)
{
	struct sw_app *a = ctx;
	int ok = ask(a, ASK_PASSWORD, NULL);

	g_mutex_lock(&a->mu);
	if (ok)
		g_strlcpy(buf, a->pw, cap);
	explicit_bzero(a->pw, sizeof(a->pw));
	g_mutex_unlock(&a->mu);
	return ok ? 0 : -1;
}

static int w_confirm(void *ctx, const char *question)
{
	struct sw_app *a = ctx;
	int retry = strcmp(question, msg_get(a->lang, MSG_CONFIRM_RETRY)) == 0;

	return ask(a, ASK_CONFIRM, retry ? "retry" : "continue");
}

static void w_close(void *ctx, const char *label)
{
}

static gpointer worker_main(gpointer data)
{
	struct sw_app *a = data;
	struct signer_cfg cfg;
	struct ev *e = g_new0(struct ev, 1);

	memset(&cfg, 0, sizeof(cfg));
	cfg.lang = a->lang;
	cfg.reader = a->opts.reader;
	cfg.out_path = a->opts.out;
	cfg.content_out_path = a->opts.content_out;
	cfg.ui = (struct signer_ui){a, 1, w_print, w_password, w_confirm, w_close};
	cfg.ui_message = w_message;
	cfg.ui_request = w_request;
	cfg.card = &signer_pcsc_card_ops;
	cfg.card_ctx = a->pcsc;
	cfg.net = &signer_curl_net_ops;
	cfg.net_ctx = &a->netcfg;
	cfg.card_timeout_ms = (int)a->opts.card_timeout * 1000;
	a->result = signer_run(&cfg, &a->src);
	e->kind = EV_DONE;
	post(a, e);
	return NULL;
}

/* ---- the application ------------------------------------------------------------------ */

static void start_job(struct sw_app *a, const char *link)
{
	char msg[1024];

	g_free(a->link);
	a->link = g_strdup(link);
	a->opts.link = a->link;
	free(a->file_body);
	g_string_truncate(a->errors, 0);
	g_clear_pointer(&a->pw_error, g_free);
	a->started = a->pw_shown = 0;
	atomic_store(&a->abort, 0);
	signer_pcsc_uncancel(a->pcsc);
	a->result =
	    signer_source_open(&a->opts, &a->parsed, &a->src, &a->file_body, msg, sizeof(msg));
	if (a->result != SIGNER_OK) {
		g_string_append(a->errors, msg[0] ? msg : msg_get(a->lang, MSG_E_USAGE));
		sw_show_failure(a);
		return;
	}
	a->busy = 1;
	sw_show_loading(a);
	a->worker = g_thread_new("signer", worker_main, a);
}

static void ensure_window(struct sw_app *a)
{
	if (a->win)
		return;
	a->win = GTK_WINDOW(gtk_application_window_new(a->gapp));
	g_object_add_weak_pointer(G_OBJECT(a->win), (gpointer *)&a->win);
	gtk_window_set_title(a->win, msg_get(a->lang, MSG_W_TITLE));
	gtk_window_set_default_size(a->win, 760, 820);
	sw_style_init(a);
}

static void on_open(GApplication *gapp, GFile **files, gint n, const gchar *hint, gpointer data)
{
	struct sw_app *a = data;
	char *uri = n > 0 ? g_file_get_uri(files[0]) : NULL;
	int had_window = a->win != NULL;

	ensure_window(a);
	if (a->busy)
		sw_say_busy(a);
	else if (uri)
		start_job(a, uri);
	if (!had_window || !a->busy)
		gtk_window_present(a->win);
	else
		gtk_window_present(a->win);
	g_free(uri);
}

static void on_activate(GApplication *gapp, gpointer data)
{
	struct sw_app *a = data;

	ensure_window(a);
	if (!a->busy && !a->link && a->opts.request_file)
		start_job(a, NULL);
	gtk_window_present(a->win);
}

/* --screenshot DIR (hidden, for the tests) out of argv. */
static const char *take_screenshot_option(int *argc, char **argv)
{
	const char *dir = NULL;

	for (int i = 1; i + 1 < *argc; i++) {
		if (strcmp(argv[i], "--screenshot") != 0)
			continue;
		dir = argv[i + 1];
		memmove(argv + i, argv + i + 2, sizeof(char *) * (size_t)(*argc - i - 1));
		*argc -= 2;
		break;
	}
	return dir;
}

/* Japanese by default; English with --lang en, or when the desktop's language is not
 * Japanese and no --lang is given. */
static enum msg_lang language(int argc, char **argv, enum msg_lang parsed)
{
	const char *const *names = g_get_language_names();

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--lang", 6) == 0)
			return parsed;
	if (names && names[0] && strcmp(names[0], "C") != 0 && strncmp(names[0], "ja", 2) != 0)
		return LANG_EN;
	return LANG_JA;
}

int main(int argc, char **argv)
{
	static struct sw_app app;
	struct sw_app *a = &app;
	struct rlimit no_core = {0, 0};
	char *gargv[2];
	int rc;

	(void)setrlimit(RLIMIT_CORE, &no_core); /* no core file: it could hold the password */
	a->shot_dir = take_screenshot_option(&argc, argv);
	if ((rc = signer_options_parse(argc, argv, &a->opts)) != 0)
		return rc;
	a->lang = language(argc, argv, a->opts.lang);
	a->opts.lang = a->lang;
	if (a->opts.help) {
		fputs(msg_get(a->lang, MSG_HELP), stdout);
		return 0;
	}
	if (!(a->pcsc = signer_pcsc_new()) || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return SIGNER_EINTERNAL;
	a->netcfg = (struct signer_net_cfg){a->opts.cacert, 15, 60, &a->abort};
	a->errors = g_string_new(NULL);
	a->notes = g_string_new(NULL);
	g_mutex_init(&a->mu);
	g_cond_init(&a->cond);
	a->gapp = gtk_application_new("jp.madoguchi.Sign", G_APPLICATION_HANDLES_OPEN);
	g_signal_connect(a->gapp, "open", G_CALLBACK(on_open), a);
	g_signal_connect(a->gapp, "activate", G_CALLBACK(on_activate), a);
	gargv[0] = argv[0];
	gargv[1] = (char *)a->opts.link;
	rc = g_application_run(G_APPLICATION(a->gapp), a->opts.link ? 2 : 1, gargv);
	if (a->worker) { /* the window was closed mid-way */
		sw_cancel(a);
		g_thread_join(a->worker);
	}
	g_object_unref(a->gapp);
	signer_pcsc_free(a->pcsc);
	curl_global_cleanup();
	return rc != 0 ? rc : (a->link || a->opts.request_file ? (int)a->result : 0);
}
