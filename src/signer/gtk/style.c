/* madoguchi-sign-gtk: the look for older eyes and hands (14 pt text or more, 48 px buttons,
 * 「文字を大きく」, high contrast), the keys (Enter = the main action, Esc = キャンセル), the
 * settings file, the password filter and the screenshots of --screenshot (see window.h). */
#include <string.h>

#include "signer/gtk/window.h"

/* The desktop's theme applies (no libadwaita); this only sets sizes, and colours in the
 * high-contrast mode. */
static const char CSS[] =
    "window { font-size: 14pt; }\n"
    "window.large { font-size: 20pt; }\n"
    "button, checkbutton { min-height: 48px; }\n"
    "button { padding: 4px 20px; }\n"
    ".screen { margin: 24px; }\n"
    ".heading { font-size: 1.5em; font-weight: bold; }\n"
    ".subheading { font-weight: bold; margin-top: 8px; }\n"
    ".site { font-weight: bold; border: 2px solid currentColor; padding: 8px; }\n"
    ".procedure { font-size: 1.2em; }\n"
    ".line-label { font-weight: bold; }\n"
    ".error { font-weight: bold; color: #a51d2d; }\n"
    ".banner { font-weight: bold; padding: 12px; border: 3px solid #c64600; }\n"
    "window.contrast, window.contrast scrolledwindow, window.contrast viewport,"
    " window.contrast box { background-color: #000; color: #fff; }\n"
    "window.contrast button { background: #000; color: #ff0; border: 3px solid #ff0; }\n"
    "window.contrast entry, window.contrast text { background: #fff; color: #000; }\n"
    "window.contrast .error { color: #ff0; }\n"
    "window.contrast *:focus-visible { outline: 4px solid #0ff; }\n";

static char *settings_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "madoguchi-sign", "window.ini", NULL);
}

static void settings_load(struct sw_app *a)
{
	GKeyFile *kf = g_key_file_new();
	char *path = settings_path();

	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
		a->large = g_key_file_get_boolean(kf, "window", "large-text", NULL);
		a->contrast = g_key_file_get_boolean(kf, "window", "high-contrast", NULL);
	}
	g_free(path);
	g_key_file_free(kf);
}

void sw_settings_save(const struct sw_app *a)
{
	GKeyFile *kf = g_key_file_new();
	char *path = settings_path(), *dir = g_path_get_dirname(path);

	g_key_file_set_boolean(kf, "window", "large-text", a->large);
	g_key_file_set_boolean(kf, "window", "high-contrast", a->contrast);
	if (g_mkdir_with_parents(dir, 0700) == 0 && !g_key_file_save_to_file(kf, path, NULL))
		g_warning("cannot save %s", path);
	g_free(dir);
	g_free(path);
	g_key_file_free(kf);
}

void sw_style_apply(struct sw_app *a)
{
	GtkWidget *w = GTK_WIDGET(a->win);

	if (a->large)
		gtk_widget_add_css_class(w, "large");
	else
		gtk_widget_remove_css_class(w, "large");
	if (a->contrast)
		gtk_widget_add_css_class(w, "contrast");
	else
		gtk_widget_remove_css_class(w, "contrast");
}

static gboolean key_main(GtkWidget *w, GVariant *args, gpointer data)
{
	struct sw_app *a = data;

	if (!a->main_btn || !gtk_widget_get_sensitive(a->main_btn))
		return FALSE;
	return gtk_widget_activate(a->main_btn);
}

static gboolean key_cancel(GtkWidget *w, GVariant *args, gpointer data)
{
	struct sw_app *a = data;

	return a->cancel_btn ? gtk_widget_activate(a->cancel_btn) : FALSE;
}

/* Enter and Esc where no focused control takes them first (bubble phase). */
static void add_keys(struct sw_app *a)
{
	GtkEventController *keys = gtk_shortcut_controller_new();
	static const guint enter[] = {GDK_KEY_Return, GDK_KEY_KP_Enter};

	gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_BUBBLE);
	for (size_t i = 0; i < G_N_ELEMENTS(enter); i++)
		gtk_shortcut_controller_add_shortcut(
		    GTK_SHORTCUT_CONTROLLER(keys),
		    gtk_shortcut_new(gtk_keyval_trigger_new(enter[i], 0),
		                     gtk_callback_action_new(key_main, a, NULL)));
	gtk_shortcut_controller_add_shortcut(
	    GTK_SHORTCUT_CONTROLLER(keys),
	    gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_Escape, 0),
	                     gtk_callback_action_new(key_cancel, a, NULL)));
	gtk_widget_add_controller(GTK_WIDGET(a->win), keys);
}

void sw_style_init(struct sw_app *a)
{
	static GtkCssProvider *css;

	if (!css) {
		css = gtk_css_provider_new();
		gtk_css_provider_load_from_data(css, CSS, -1);
		gtk_style_context_add_provider_for_display(gdk_display_get_default(),
		                                           GTK_STYLE_PROVIDER(css),
		                                           GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	}
	settings_load(a);
	sw_style_apply(a);
	add_keys(a);
}

/* ---- the password filter ---------------------------------------------------------------- */

void sw_pw_filter(const char *in, char *out, size_t room)
{
	size_t o = 0;

	for (const char *p = in; *p && o < room; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2)
			break;
		if (c >= 0xFF10 && c <= 0xFF19)
			c = '0' + (c - 0xFF10);
		else if (c >= 0xFF21 && c <= 0xFF3A)
			c = 'A' + (c - 0xFF21);
		else if (c >= 0xFF41 && c <= 0xFF5A)
			c = 'A' + (c - 0xFF41);
		else if (c >= 'a' && c <= 'z')
			c = c - 'a' + 'A';
		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* ---- screenshots ---------------------------------------------------------------------- */

struct shot {
	struct sw_app *a;
	char *name;
};

static gboolean take_shot(gpointer data)
{
	struct shot *s = data;
	GtkWidget *w = GTK_WIDGET(s->a->win);
	GdkPaintable *p;
	GtkSnapshot *snap;
	GskRenderNode *node;
	int width, height;
	char file[128], *path;

	if (!w || strcmp(s->a->screen, s->name) != 0) { /* closed, or another screen by now */
		g_free(s->name);
		g_free(s);
		return G_SOURCE_REMOVE;
	}
	p = gtk_widget_paintable_new(w);
	snap = gtk_snapshot_new();
	width = gtk_widget_get_width(w);
	height = gtk_widget_get_height(w);

	/* the size of the text when the picture is taken: a switch may have changed it */
	snprintf(file, sizeof(file), "%s%s.png", s->name, s->a->large ? "-large" : "");
	path = g_build_filename(s->a->shot_dir, file, NULL);

	gdk_paintable_snapshot(p, snap, width, height);
	node = gtk_snapshot_free_to_node(snap);
	if (node) {
		GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(w));
		GdkTexture *t = gsk_renderer_render_texture(
		    r, node, &GRAPHENE_RECT_INIT(0, 0, (float)width, (float)height));
		if (!gdk_texture_save_to_png(t, path))
			g_warning("cannot write %s", path);
		g_object_unref(t);
		gsk_render_node_unref(node);
	}
	g_object_unref(p);
	g_free(path);
	g_free(s->name);
	g_free(s);
	return G_SOURCE_REMOVE;
}

void sw_screenshot_later(struct sw_app *a, const char *name)
{
	struct shot *s;

	if (!a->shot_dir)
		return;
	s = g_new0(struct shot, 1);
	s->a = a;
	s->name = g_strdup(name);
	g_timeout_add(500, take_shot, s);
}
