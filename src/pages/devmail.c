/* devmail: the development mailbox page, GET /dev/mail. Only with dev_mode on and mail_mode
 * "dev" (when no sender runs and mails stay in the outbox); anywhere else it is the site's
 * 404, so a production portal never shows anyone's mail. Lists the newest mails of the
 * outbox, newest first, each body in a <pre> with its http(s) links clickable. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pages/devmail.h"
#include "store/store.h"
#include "util/jdate.h"
#include "util/log.h"

#define DEV_MAIL_LIMIT 50
#define BODY_HTML_MAX (1 << 20) /* a 64 KiB body escaped is at most about 6 x larger */

/* Bytes that end a URL in a plain-text body. */
static int url_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("<>\"'`", c);
}

/* An ASCII letter, digit or '_': "xhttp://" is not the start of a URL. */
static int word_byte(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

int devmail_body_html(buf *out, const char *body)
{
	const char *p = body, *text = body;
	while (*p) {
		size_t scheme = strncasecmp(p, "https://", 8) == 0  ? 8
		                : strncasecmp(p, "http://", 7) == 0 ? 7
		                                                    : 0;
		/* a URL starts at the beginning or after a byte that cannot be part of a word */
		if (!scheme || (p > body && word_byte((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		size_t n = scheme;
		while (url_byte((unsigned char)p[n]))
			n++;
		while (n > scheme && strchr(".,;:!?)", p[n - 1]))
			n--;
		if (n == scheme) { /* "http://" alone */
			p += scheme;
			continue;
		}
		buf_html_escape(out, text, (size_t)(p - text));
		buf_puts(out, "<a href=\"");
		buf_html_escape(out, p, n);
		buf_puts(out, "\">");
		buf_html_escape(out, p, n);
		buf_puts(out, "</a>");
		p += n;
		text = p;
	}
	buf_html_escape(out, text, (size_t)(p - text));
	return out->failed ? -1 : 0;
}

/* "2026年(令和8年)4月1日 10:23" in Japan time. */
static void format_time(long long t, char *out, size_t outlen)
{
	time_t jst = (time_t)t + 9 * 3600;
	struct tm tm;
	char ymd[16], date[96];
	if (!gmtime_r(&jst, &tm)) {
		snprintf(out, outlen, "-");
		return;
	}
	jdate_today(ymd, (time_t)t); /* the date in Japan */
	jdate_format(ymd, date, sizeof(date));
	snprintf(out, outlen, "%s %02d:%02d", date, tm.tm_hour, tm.tm_min);
}

/* A JSON string of s, or of alt when s is not valid UTF-8. */
static json_t *str_or(const char *s, const char *alt)
{
	json_t *v = json_string(s);
	return v ? v : json_string(alt);
}

static json_t *mail_json(const store_mail *m)
{
	char created[128], sent[128], status[512];
	buf html;
	json_t *o = json_object();
	buf_init(&html, BODY_HTML_MAX);
	format_time(m->created_at, created, sizeof(created));
	if (m->sent_at) {
		format_time(m->sent_at, sent, sizeof(sent));
		snprintf(status, sizeof(status), "送信済み（%s）", sent);
	} else if (m->attempts) {
		snprintf(status, sizeof(status), "未送信（%d回失敗: %s）", m->attempts,
		         m->last_error);
	} else {
		snprintf(status, sizeof(status), "未送信（開発モードでは送信しません）");
	}
	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "to", str_or(m->to, "（表示できない宛先）"));
	json_object_set_new(o, "subject",
	                    m->subject[0] ? str_or(m->subject, "（表示できない件名）")
	                                  : json_string("（件名なし）"));
	json_object_set_new(o, "created", json_string(created));
	json_object_set_new(o, "status", str_or(status, "未送信"));
	if (devmail_body_html(&html, m->body ? m->body : "") == 0)
		json_object_set_new(o, "body_html",
		                    str_or(buf_cstr(&html), "（表示できない文字を含む本文）"));
	else
		json_object_set_new(o, "body_html",
		                    json_string("（本文が大きすぎて表示できません）"));
	buf_release(&html);
	return o;
}

void page_dev_mail(req *r)
{
	const config *c = &r->a->cfg;
	store_mail mails[DEV_MAIL_LIMIT];
	size_t n = 0;
	if (!c->dev_mode || strcmp(c->mail_mode, "dev") != 0) {
		resp_error(r, 404, "ページが見つかりません",
		           "お探しのページは、移動または削除された可能性があります。");
		return;
	}
	memset(mails, 0, sizeof(mails));
	int e = store_outbox_recent(r->w->store, mails, DEV_MAIL_LIMIT, &n);
	if (e != STORE_OK) {
		log_error("dev mail: %s: %s", store_strerror(e), store_errmsg(r->w->store));
		resp_error(r, 500, "メールを表示できませんでした",
		           "しばらくしてから、もう一度お試しください。");
		return;
	}
	json_t *ctx = page_base_ctx(r, "開発用メールボックス");
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(list, mail_json(&mails[i]));
		store_mail_release(&mails[i]);
	}
	json_object_set_new(ctx, "limit", json_integer(DEV_MAIL_LIMIT));
	json_object_set_new(ctx, "count", json_integer((json_int_t)n));
	json_object_set_new(ctx, "has_mails", json_boolean(n > 0));
	json_object_set_new(ctx, "mails", list);
	resp_page(r, 200, "dev_mail", ctx);
}
