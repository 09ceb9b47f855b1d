/* madoguchi-sign-gtk: the signing app with a window (GTK 4), on the journey core of the
 * terminal app (signer/flow.h). app.c: the GtkApplication (single instance, links through
 * "open"), the one worker thread that runs signer_run and the hand-over between it and the UI
 * thread; screens.c: one function per screen, each built fresh when it is shown (the previous
 * one dropped, so assistive technology sees only the current screen); style.c: the CSS, the
 * 「文字を大きく」 and high-contrast settings (a key file in $XDG_CONFIG_HOME) and the
 * screenshots of the hidden --screenshot DIR option. docs/signer.md describes it. */
#ifndef MADOGUCHI_SIGNER_GTK_WINDOW_H
#define MADOGUCHI_SIGNER_GTK_WINDOW_H

#include <gtk/gtk.h>
#include <stdatomic.h>

#include "signer/flow.h"
#include "signer/net.h"
#include "signer/options.h"
#include "signer/pcsc.h"

#define SW_PW_MAX 16

/* What the worker waits for from the UI. */
enum sw_ask { ASK_NONE, ASK_PASSWORD, ASK_CONFIRM };

struct sw_app {
	GtkApplication *gapp;
	GtkWindow *win;
	struct signer_options opts;
	enum msg_lang lang;
	struct signer_pcsc *pcsc;
	struct signer_net_cfg netcfg;
	atomic_int abort;

	/* the journey under way */
	GThread *worker;
	int busy, started;
	char *link;
	struct signer_link parsed;
	struct signer_source src;
	char *file_body;
	enum signer_status result;

	/* worker <-> UI: the question asked, the answer given */
	GMutex mu;
	GCond cond;
	enum sw_ask asked;
	int answered, answer; /* answer: 1 yes/password given, 0 no/cancelled */
	char pw[SW_PW_MAX + 1];
	char question[32];

	/* what the screens show (UI thread only) */
	char *origin, *portal, *procedure, *expiry;
	GPtrArray *labels, *values;
	GString *errors, *notes;
	char *pw_error;
	int pw_shown; /* the password screen was shown already */

	/* the current screen */
	const char *screen;
	GtkWidget *heading, *main_btn, *cancel_btn, *progress_label, *banner;

	/* settings */
	int large, contrast;
	const char *shot_dir;
};

/* screens.c */
void sw_show_loading(struct sw_app *a);
void sw_show_start(struct sw_app *a);
void sw_show_password(struct sw_app *a);
void sw_show_card(struct sw_app *a);
void sw_show_confirm(struct sw_app *a);
void sw_show_done(struct sw_app *a);
void sw_show_failure(struct sw_app *a);
void sw_card_progress(struct sw_app *a, const char *text);
void sw_say_busy(struct sw_app *a);

/* app.c: the UI's answers to the worker, and キャンセル */
void sw_answer(struct sw_app *a, int answer, const char *pw);
void sw_cancel(struct sw_app *a);

/* style.c */
void sw_style_init(struct sw_app *a);
void sw_style_apply(struct sw_app *a);
void sw_settings_save(const struct sw_app *a);
/* Text filter of the password entry: full-width letters and digits to ASCII, lower to upper
 * case, anything else dropped; at most room characters. out has room + 1 bytes. */
void sw_pw_filter(const char *in, char *out, size_t room);
/* With --screenshot DIR: DIR/NAME.png of the window shortly after (NAME-large with large
 * text). */
void sw_screenshot_later(struct sw_app *a, const char *name);

#endif
