/* pdf: an application as a PDF document (pdf.h). Two passes over the same layout: the
 * first only counts the pages (for "N / M"), the second draws them. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "core/application.h"
#include "core/pdf.h"
#include "util/jdate.h"

/* A4 in points, and the page's frame */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 56.0
#define BOTTOM (PAGE_H - MARGIN - 24.0) /* the footer below it */
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define LABEL_W 130.0
#define GAP 12.0

typedef struct pdf_pen {
	cairo_t *cr;
	PangoContext *pc;
	PangoFontDescription *body, *bold, *head, *title, *small;
	double y;
	int page;  /* 1, 2, ... */
	int pages; /* the first pass's count; 0 during the first pass (nothing drawn) */
	const char *footer;
} pdf_pen;

static PangoLayout *layout_of(pdf_pen *p, const PangoFontDescription *f, double width,
                              const char *text)
{
	PangoLayout *l = pango_layout_new(p->pc);
	pango_layout_set_font_description(l, f);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

static double height_of(PangoLayout *l)
{
	int w = 0, h = 0;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

/* The footer of the current page: the document's footer and "N / M". */
static void footer_draw(pdf_pen *p)
{
	char text[512];
	if (!p->pages)
		return;
	snprintf(text, sizeof(text), "%s　　%d / %d", p->footer, p->page, p->pages);
	PangoLayout *l = layout_of(p, p->small, TEXT_W, text);
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	cairo_move_to(p->cr, MARGIN, PAGE_H - MARGIN);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

static void page_break(pdf_pen *p)
{
	footer_draw(p);
	if (p->pages)
		cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
}

/* Room for need points below y, else a new page. */
static void room_for(pdf_pen *p, double need)
{
	if (p->y + need > BOTTOM && p->y > MARGIN)
		page_break(p);
}

/* The lines of l at x from y on, each on the page where it fits. */
static void lines_draw(pdf_pen *p, PangoLayout *l, double x)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	do {
		PangoRectangle log;
		pango_layout_iter_get_line_extents(it, NULL, &log);
		double h = (double)log.height / PANGO_SCALE;
		double base = (double)(pango_layout_iter_get_baseline(it) - log.y) / PANGO_SCALE;
		room_for(p, h);
		if (p->pages) {
			cairo_move_to(p->cr, x, p->y + base);
			pango_cairo_show_layout_line(p->cr,
			                             pango_layout_iter_get_line_readonly(it));
		}
		p->y += h;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

static void text_block(pdf_pen *p, const PangoFontDescription *f, const char *text, double after)
{
	PangoLayout *l = layout_of(p, f, TEXT_W, text);
	lines_draw(p, l, MARGIN);
	g_object_unref(l);
	p->y += after;
}

static void rule_draw(pdf_pen *p)
{
	if (!p->pages)
		return;
	cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, p->y + 3);
	cairo_line_to(p->cr, PAGE_W - MARGIN, p->y + 3);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

/* One row: the label in its column (kept whole), the value beside it, line by line. */
static void row_draw(pdf_pen *p, const char *label, const char *value)
{
	PangoLayout *ll = layout_of(p, p->bold, LABEL_W, label);
	PangoLayout *vl = layout_of(p, p->body, TEXT_W - LABEL_W - GAP, value);
	double lh = height_of(ll);
	room_for(p, lh);
	double y0 = p->y;
	int page0 = p->page;
	if (p->pages) {
		cairo_move_to(p->cr, MARGIN, y0);
		pango_cairo_show_layout(p->cr, ll);
	}
	lines_draw(p, vl, MARGIN + LABEL_W + GAP);
	if (p->page == page0 && p->y < y0 + lh)
		p->y = y0 + lh;
	rule_draw(p);
	p->y += 7;
	g_object_unref(ll);
	g_object_unref(vl);
}

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* One pass over doc: the pages drawn when p->pages is set, else only counted. */
static void doc_pass(pdf_pen *p, const json_t *doc)
{
	size_t i, k;
	const json_t *sec, *row;
	p->page = 1;
	p->y = MARGIN;
	text_block(p, p->small, str_at(doc, "kind"), 4);
	text_block(p, p->title, str_at(doc, "title"), 14);
	json_array_foreach(json_object_get(doc, "sections"), i, sec) {
		const char *h = str_at(sec, "heading");
		if (h[0]) {
			room_for(p, 60); /* no heading alone at a page's foot */
			p->y += 8;
			text_block(p, p->head, h, 6);
		}
		json_array_foreach(json_object_get(sec, "rows"), k, row)
			row_draw(p, str_at(row, "label"), str_at(row, "value"));
	}
	footer_draw(p);
	if (p->pages)
		cairo_show_page(p->cr);
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS
	                                           : CAIRO_STATUS_WRITE_ERROR;
}

static PangoFontDescription *font_of(const char *spec)
{
	char s[64];
	snprintf(s, sizeof(s), "%s %s", PDF_FONT, spec);
	return pango_font_description_from_string(s);
}

/* The pen's fonts and its own font map and context (pango's default map is per thread and
 * lives as long as the thread; this one goes with the document). */
static void pen_open(pdf_pen *p, PangoFontMap *fm, cairo_t *cr)
{
	p->cr = cr;
	p->pc = pango_font_map_create_context(fm);
	pango_cairo_update_context(cr, p->pc);
	pango_cairo_context_set_resolution(p->pc, 72); /* a font's points are the page's */
	p->body = font_of("10");
	p->bold = font_of("Bold 10");
	p->head = font_of("Bold 12.5");
	p->title = font_of("Bold 17");
	p->small = font_of("8.5");
}

static void pen_close(pdf_pen *p)
{
	pango_font_description_free(p->body);
	pango_font_description_free(p->bold);
	pango_font_description_free(p->head);
	pango_font_description_free(p->title);
	pango_font_description_free(p->small);
	g_object_unref(p->pc);
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's default suppressions (a hook of its runtime) in the sanitizer build:
 * fontconfig, which pango loads at the first document, keeps one block per process that it
 * never frees (unreachable at exit, the same count after one document or a hundred). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

int pdf_render(const json_t *doc, buf *out)
{
	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "sections")))
		return -1;
	cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	cairo_t *cr = cairo_create(sf);
	PangoFontMap *fm = pango_cairo_font_map_new();
	pdf_pen p = {0};
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, str_at(doc, "title"));
	pen_open(&p, fm, cr);
	p.footer = str_at(doc, "footer");
	doc_pass(&p, doc); /* counts */
	p.pages = p.page;
	doc_pass(&p, doc); /* draws */
	pen_close(&p);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	int rc = cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS && !out->failed ? 0 : -1;
	cairo_surface_destroy(sf);
	g_object_unref(fm);
	return rc;
}

json_t *pdf_section(json_t *doc, const char *heading)
{
	json_t *rows = json_array();
	json_t *secs = json_object_get(doc, "sections");
	json_array_append_new(
	    secs, json_pack("{s:s, s:o}", "heading", heading ? heading : "", "rows", rows));
	return rows;
}

void pdf_row(json_t *rows, const char *label, const char *value)
{
	json_array_append_new(rows, json_pack("{s:s?, s:s?}", "label", label, "value", value));
}

json_t *pdf_application_doc(const store_application *ap, const store_app_event *ev, size_t nev,
                            const char *kind)
{
	char when[128], footer[STORE_RECEIPT_MAX + 32];
	snprintf(footer, sizeof(footer), "受付番号 %s", ap->receipt);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:[]}", "kind", kind, "title", ap->proc_title,
	                        "footer", footer, "sections");
	json_t *rows = pdf_section(doc, NULL);
	jdate_format_time(ap->submitted_at, when, sizeof(when));
	pdf_row(rows, "受付番号", ap->receipt);
	pdf_row(rows, "手続", ap->proc_title);
	pdf_row(rows, "状態", app_status_label(ap->status));
	pdf_row(rows, "到達日時", when);
	rows = pdf_section(doc, "申請内容");
	json_t *lines = ap->display ? json_loads(ap->display, 0, NULL) : NULL;
	size_t i;
	const json_t *line;
	json_array_foreach(lines, i, line)
		pdf_row(rows, str_at(line, "label"), str_at(line, "value"));
	json_decref(lines);
	rows = pdf_section(doc, "これまでの経過");
	for (i = 0; i < nev; i++) {
		char what[STORE_NOTE_MAX + 128];
		jdate_format_time(ev[i].at, when, sizeof(when));
		snprintf(what, sizeof(what), "%s%s%s", app_status_label(ev[i].status),
		         ev[i].note[0] ? "：" : "", ev[i].note);
		pdf_row(rows, when, what);
	}
	return doc;
}
