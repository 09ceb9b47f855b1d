/* madoguchi-sign-gtk: the screens (see window.h), one function each, built when shown. */
#include <string.h>

#include "signer/gtk/window.h"

#define STEPS 4

static const char *M(const struct sw_app *a, enum msg_id id)
{
	return msg_get(a->lang, id);
}

static void set_name(GtkWidget *w, const char *name)
{
	gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static GtkWidget *text(GtkWidget *box, const char *s, const char *css_class)
{
	GtkWidget *l = gtk_label_new(s);

	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	if (css_class)
		gtk_widget_add_css_class(l, css_class);
	set_name(l, s);
	gtk_box_append(GTK_BOX(box), l);
	return l;
}

static void on_large(GtkCheckButton *b, gpointer data)
{
	struct sw_app *a = data;

	a->large = gtk_check_button_get_active(b);
	sw_style_apply(a);
	sw_settings_save(a);
	sw_screenshot_later(a, a->screen);
}

static void on_contrast(GtkCheckButton *b, gpointer data)
{
	struct sw_app *a = data;

	a->contrast = gtk_check_button_get_active(b);
	sw_style_apply(a);
	sw_settings_save(a);
}

static GtkWidget *settings_row(struct sw_app *a)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 24);
	GtkWidget *large = gtk_check_button_new_with_label(M(a, MSG_W_LARGE));
	GtkWidget *contrast = gtk_check_button_new_with_label(M(a, MSG_W_CONTRAST));

	gtk_check_button_set_active(GTK_CHECK_BUTTON(large), a->large);
	gtk_check_button_set_active(GTK_CHECK_BUTTON(contrast), a->contrast);
	set_name(large, M(a, MSG_W_LARGE));
	set_name(contrast, M(a, MSG_W_CONTRAST));
	g_signal_connect(large, "toggled", G_CALLBACK(on_large), a);
	g_signal_connect(contrast, "toggled", G_CALLBACK(on_contrast), a);
	gtk_box_append(GTK_BOX(row), large);
	gtk_box_append(GTK_BOX(row), contrast);
	gtk_widget_add_css_class(row, "settings");
	return row;
}

/* A new screen: the step counter (step > 0), the heading, and the box for the content; the
 * previous screen is dropped. */
static GtkWidget *screen_new(struct sw_app *a, const char *name, int step, const char *title)
{
	GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 16);
	char buf[64];

	a->screen = name;
	a->main_btn = a->cancel_btn = a->progress_label = a->banner = NULL;
	gtk_widget_add_css_class(outer, "screen");
	gtk_box_append(GTK_BOX(outer), settings_row(a));
	if (step > 0) {
		snprintf(buf, sizeof(buf), M(a, MSG_W_STEP), step, STEPS);
		text(outer, buf, "step");
	}
	a->heading = g_object_new(GTK_TYPE_LABEL, "label", title, "accessible-role",
	                          GTK_ACCESSIBLE_ROLE_HEADING, "wrap", TRUE, "xalign", 0.0,
	                          "selectable", TRUE, NULL);
	set_name(a->heading, title);
	gtk_widget_add_css_class(a->heading, "heading");
	gtk_box_append(GTK_BOX(outer), a->heading);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), box);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER,
	                               GTK_POLICY_AUTOMATIC);
	gtk_widget_set_vexpand(scroll, TRUE);
	gtk_box_append(GTK_BOX(outer), scroll);
	/* nothing of the screen dropped may stay the window's focus or default */
	gtk_window_set_focus(a->win, NULL);
	gtk_window_set_default_widget(a->win, NULL);
	gtk_window_set_child(a->win, outer);
	return box;
}

static void on_main(GtkButton *b, gpointer data);

static GtkWidget *button(GtkWidget *row, const char *label, GCallback cb, gpointer data,
                         const char *css_class)
{
	GtkWidget *b = gtk_button_new_with_label(label);

	set_name(b, label);
	if (css_class)
		gtk_widget_add_css_class(b, css_class);
	g_signal_connect(b, "clicked", cb, data);
	gtk_box_append(GTK_BOX(row), b);
	return b;
}

static void on_cancel(GtkButton *b, gpointer data)
{
	sw_cancel(data);
}

static void on_no(GtkButton *b, gpointer data)
{
	sw_answer(data, 0, NULL);
}

/* The buttons at the foot of a screen (cancel: 0 none, 1 キャンセル, 2 いいえ); focus to the
 * heading, the screenshot. */
static void screen_end(struct sw_app *a, GtkWidget *box, const char *main_label, int cancel)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 16);
	GtkWidget *outer = gtk_window_get_child(a->win);

	gtk_widget_set_halign(row, GTK_ALIGN_END);
	if (cancel == 1)
		a->cancel_btn = button(row, M(a, MSG_W_CANCEL), G_CALLBACK(on_cancel), a, "cancel");
	else if (cancel == 2)
		a->cancel_btn = button(row, M(a, MSG_W_NO), G_CALLBACK(on_no), a, NULL);
	if (main_label) {
		a->main_btn = button(row, main_label, G_CALLBACK(on_main), a, "suggested-action");
		gtk_window_set_default_widget(a->win, a->main_btn);
	}
	gtk_box_append(GTK_BOX(outer), row);
	gtk_widget_grab_focus(a->heading);
	gtk_label_select_region(GTK_LABEL(a->heading), 0, 0);
	sw_screenshot_later(a, a->screen);
}

/* ---- the screens ---------------------------------------------------------------------- */

void sw_show_loading(struct sw_app *a)
{
	GtkWidget *box = screen_new(a, "loading", 0, M(a, MSG_W_TITLE));
	GtkWidget *spin = gtk_spinner_new();

	gtk_spinner_start(GTK_SPINNER(spin));
	set_name(spin, M(a, MSG_W_LOADING));
	gtk_box_append(GTK_BOX(box), spin);
	text(box, M(a, MSG_W_LOADING), NULL);
	screen_end(a, box, NULL, 1);
}

static GtkWidget *cell(const char *s, GtkAccessibleRole role, const char *css_class)
{
	GtkWidget *l =
	    g_object_new(GTK_TYPE_LABEL, "label", s, "accessible-role", role, "wrap", TRUE,
	                 "wrap-mode", PANGO_WRAP_WORD_CHAR, "xalign", 0.0, "yalign", 0.0, NULL);

	gtk_widget_add_css_class(l, css_class);
	set_name(l, s);
	return l;
}

/* The lines to sign as a table of label and value: GTK 4.8 has no table widget, so the table,
 * its rows and its cells are boxes and labels with those accessible roles; a size group keeps
 * the label column one width. */
static void lines_table(struct sw_app *a, GtkWidget *box)
{
	GtkWidget *table =
	    g_object_new(GTK_TYPE_BOX, "orientation", GTK_ORIENTATION_VERTICAL, "spacing", 8,
	                 "accessible-role", GTK_ACCESSIBLE_ROLE_TABLE, NULL);
	GtkSizeGroup *col = gtk_size_group_new(GTK_SIZE_GROUP_HORIZONTAL);

	gtk_widget_add_css_class(table, "lines");
	set_name(table, M(a, MSG_REQUEST_LINES));
	for (guint i = 0; a->labels && i < a->labels->len; i++) {
		GtkWidget *row =
		    g_object_new(GTK_TYPE_BOX, "orientation", GTK_ORIENTATION_HORIZONTAL, "spacing",
		                 24, "accessible-role", GTK_ACCESSIBLE_ROLE_ROW, NULL);
		GtkWidget *k = cell(g_ptr_array_index(a->labels, i), GTK_ACCESSIBLE_ROLE_ROW_HEADER,
		                    "line-label");
		GtkWidget *v =
		    cell(g_ptr_array_index(a->values, i), GTK_ACCESSIBLE_ROLE_CELL, "line-value");
		gtk_widget_set_hexpand(v, TRUE);
		gtk_size_group_add_widget(col, k);
		gtk_box_append(GTK_BOX(row), k);
		gtk_box_append(GTK_BOX(row), v);
		gtk_box_append(GTK_BOX(table), row);
	}
	g_object_unref(col);
	gtk_box_append(GTK_BOX(box), table);
}

void sw_show_start(struct sw_app *a)
{
	GtkWidget *box = screen_new(a, "start", 1, M(a, MSG_REQUEST_TITLE));
	char buf[4096];

	snprintf(buf, sizeof(buf), M(a, MSG_REQUEST_SITE), a->origin);
	text(box, buf, "site");
	snprintf(buf, sizeof(buf), M(a, MSG_REQUEST_PORTAL), a->portal);
	text(box, buf, NULL);
	snprintf(buf, sizeof(buf), M(a, MSG_REQUEST_PROC), a->procedure);
	text(box, buf, "procedure");
	text(box, M(a, MSG_REQUEST_LINES), "subheading");
	lines_table(a, box);
	snprintf(buf, sizeof(buf), M(a, MSG_REQUEST_EXPIRY), a->expiry);
	text(box, buf, NULL);
	text(box, M(a, MSG_W_NEED), "subheading");
	text(box, M(a, MSG_START_1), NULL);
	text(box, M(a, MSG_START_2), NULL);
	text(box, M(a, MSG_START_3), NULL);
	screen_end(a, box, M(a, MSG_START_TITLE), 1);
}

/* ---- the password ----------------------------------------------------------------------- */

static void on_pw_insert(GtkEditable *ed, const char *in, int len, int *pos, gpointer data)
{
	const char *cur = gtk_editable_get_text(ed);
	long have = g_utf8_strlen(cur, -1);
	char *piece = g_strndup(in, len < 0 ? strlen(in) : (size_t)len);
	char out[SW_PW_MAX + 1];

	sw_pw_filter(piece, out, have >= SW_PW_MAX ? 0 : (size_t)(SW_PW_MAX - have));
	g_free(piece);
	g_signal_handlers_block_by_func(ed, (gpointer)on_pw_insert, data);
	if (out[0])
		gtk_editable_insert_text(ed, out, -1, pos);
	g_signal_handlers_unblock_by_func(ed, (gpointer)on_pw_insert, data);
	g_signal_stop_emission_by_name(ed, "insert-text");
	explicit_bzero(out, sizeof(out));
}

static void on_pw_changed(GtkEditable *ed, gpointer data)
{
	struct sw_app *a = data;

	if (a->main_btn)
		gtk_widget_set_sensitive(a->main_btn,
		                         g_utf8_strlen(gtk_editable_get_text(ed), -1) >= 6);
}

static GtkWidget *g_pw_entry; /* the entry of the password screen shown */

static void on_pw_activate(GtkWidget *w, gpointer data)
{
	struct sw_app *a = data;

	if (a->main_btn && gtk_widget_get_sensitive(a->main_btn))
		gtk_widget_activate(a->main_btn);
}

static void on_pw_show(GtkCheckButton *b, gpointer entry)
{
	gtk_text_set_visibility(GTK_TEXT(gtk_editable_get_delegate(GTK_EDITABLE(entry))),
	                        gtk_check_button_get_active(b));
}

/* 「入力したパスワードを表示する」: a switch with a name, where the entry's own peek icon has
 * none and is a small target. */
static void show_switch(struct sw_app *a, GtkWidget *box, GtkWidget *entry)
{
	GtkWidget *show = gtk_check_button_new_with_label(M(a, MSG_W_PW_SHOW));

	set_name(show, M(a, MSG_W_PW_SHOW));
	g_signal_connect(show, "toggled", G_CALLBACK(on_pw_show), entry);
	gtk_box_append(GTK_BOX(box), show);
}

void sw_show_password(struct sw_app *a)
{
	GtkWidget *box =
	    screen_new(a, a->pw_error ? "password-wrong" : "password", 2, M(a, MSG_PW_TITLE));
	GtkWidget *label, *entry = gtk_password_entry_new();

	a->pw_shown = 1;
	if (a->pw_error)
		text(box, a->pw_error, "error");
	label = text(box, M(a, MSG_W_PW_LABEL), "subheading");
	text(box, M(a, MSG_PW_LENGTH), NULL);
	/* the accessible name comes from the label (a name set as well would be read twice) */
	gtk_accessible_update_relation(GTK_ACCESSIBLE(entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
	                               label, NULL, -1);
	g_signal_connect(gtk_editable_get_delegate(GTK_EDITABLE(entry)), "insert-text",
	                 G_CALLBACK(on_pw_insert), a);
	g_signal_connect(entry, "changed", G_CALLBACK(on_pw_changed), a);
	g_signal_connect(entry, "activate", G_CALLBACK(on_pw_activate), a);
	gtk_box_append(GTK_BOX(box), entry);
	g_pw_entry = entry;
	show_switch(a, box, entry);
	text(box, M(a, MSG_PW_NOTE_UPPER), "note");
	text(box, M(a, MSG_PW_NOTE_LOCK), "note");
	text(box, M(a, MSG_PW_NOTE_COUNTER), "note");
	screen_end(a, box, M(a, MSG_W_NEXT), 1);
	gtk_widget_set_sensitive(a->main_btn, FALSE);
}

/* ---- the card, a question, the end ------------------------------------------------------ */

void sw_show_card(struct sw_app *a)
{
	GtkWidget *box = screen_new(a, "card", 3, M(a, MSG_W_PLACE_CARD));
	GtkWidget *spin = gtk_spinner_new();

	text(box, M(a, MSG_W_PLACE_HINT), NULL);
	gtk_spinner_start(GTK_SPINNER(spin));
	gtk_widget_set_size_request(spin, 48, 48);
	set_name(spin, M(a, MSG_W_PLACE_CARD));
	gtk_box_append(GTK_BOX(box), spin);
	a->progress_label = text(box, "", "progress");
	screen_end(a, box, NULL, 1);
}

void sw_card_progress(struct sw_app *a, const char *s)
{
	GString *all;

	if (!a->progress_label || strcmp(a->screen, "card") != 0)
		return;
	all = g_string_new(a->notes->str);
	if (s && s[0])
		g_string_append_printf(all, "%s%s", all->len ? "\n" : "", s);
	gtk_label_set_text(GTK_LABEL(a->progress_label), all->str);
	set_name(a->progress_label, all->str);
	g_string_free(all, TRUE);
}

void sw_show_confirm(struct sw_app *a)
{
	int retry = strcmp(a->question, "retry") == 0;
	GtkWidget *box =
	    screen_new(a, "confirm", 3, M(a, retry ? MSG_W_Q_RETRY : MSG_W_Q_CONTINUE));

	text(box, retry ? a->errors->str : a->notes->str, retry ? "error" : "warning");
	screen_end(a, box, M(a, MSG_W_YES), 2);
}

void sw_show_done(struct sw_app *a)
{
	GtkWidget *box = screen_new(a, "done", 4, M(a, MSG_DONE_TITLE));

	text(box, M(a, MSG_DONE_SIGNED), NULL);
	text(box, M(a, a->src.link ? MSG_DONE_BACK : MSG_DONE_OFFLINE), "subheading");
	screen_end(a, box, M(a, MSG_CLOSE), 0);
}

/* What to do after each outcome. */
static enum msg_id todo_of(enum signer_status st)
{
	switch (st) {
	case SIGNER_ELOCKED:
	case SIGNER_ECERTTIME:
		return MSG_W_DO_COUNTER;
	case SIGNER_ENOREADER:
		return MSG_W_DO_READER;
	case SIGNER_ENOCARD:
	case SIGNER_EREMOVED:
	case SIGNER_ECARD:
		return MSG_W_DO_CARD;
	case SIGNER_EWRONGPW:
	case SIGNER_EPWFORMAT:
		return MSG_W_DO_PASSWORD;
	case SIGNER_ECANCEL:
		return MSG_W_DO_CANCELLED;
	case SIGNER_ELINK:
	case SIGNER_EREQUEST:
	case SIGNER_EGONE:
	case SIGNER_ENETWORK:
	case SIGNER_EREFUSED:
		return MSG_W_DO_BROWSER;
	default:
		return MSG_W_DO_OTHER;
	}
}

void sw_show_failure(struct sw_app *a)
{
	static const char *const names[] = {
	    [SIGNER_EWRONGPW] = "failure-wrongpw",  [SIGNER_ELOCKED] = "failure-locked",
	    [SIGNER_ECERTTIME] = "failure-expired", [SIGNER_ECANCEL] = "failure-cancelled",
	    [SIGNER_ENOCARD] = "failure-nocard",    [SIGNER_ENOREADER] = "failure-noreader",
	    [SIGNER_ELINK] = "failure-link",        [SIGNER_EGONE] = "failure-gone",
	};
	const char *name = (unsigned)a->result < G_N_ELEMENTS(names) && names[a->result]
	                       ? names[a->result]
	                       : "failure";
	GtkWidget *box = screen_new(a, name, 0, M(a, MSG_FAILED_TITLE));

	text(box, M(a, MSG_W_WHAT_HAPPENED), "subheading");
	text(box, a->errors->len ? a->errors->str : M(a, MSG_E_INTERNAL), "error");
	text(box, M(a, MSG_W_WHAT_TO_DO), "subheading");
	text(box, M(a, todo_of(a->result)), NULL);
	screen_end(a, box, M(a, MSG_CLOSE), 0);
}

void sw_say_busy(struct sw_app *a)
{
	GtkWidget *outer = gtk_window_get_child(a->win);

	if (a->banner || !outer)
		return;
	a->banner = gtk_label_new(M(a, MSG_W_BUSY));
	gtk_label_set_wrap(GTK_LABEL(a->banner), TRUE);
	gtk_widget_add_css_class(a->banner, "banner");
	set_name(a->banner, M(a, MSG_W_BUSY));
	gtk_box_insert_child_after(GTK_BOX(outer), a->banner, NULL);
}

/* 「電子署名を開始します」, 「次へ」, 「はい」, 「閉じる」. */
static void on_main(GtkButton *b, gpointer data)
{
	struct sw_app *a = data;

	if (strcmp(a->screen, "start") == 0) {
		a->started = 1;
		if (a->asked == ASK_PASSWORD)
			sw_show_password(a);
	} else if (strncmp(a->screen, "password", 8) == 0) {
		char *pw = g_strdup(gtk_editable_get_text(GTK_EDITABLE(g_pw_entry)));
		g_clear_pointer(&a->pw_error, g_free);
		g_string_truncate(a->errors, 0);
		sw_answer(a, 1, pw);
		explicit_bzero(pw, strlen(pw));
		g_free(pw);
		sw_show_card(a);
	} else if (strcmp(a->screen, "confirm") == 0) {
		sw_answer(a, 1, NULL);
	} else {
		gtk_window_destroy(a->win);
	}
}
