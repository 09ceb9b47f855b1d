/* dashboard: the staff dashboard's figures (see dashboard.h). Days are counted in Japan time
 * as the inbox's arrival filter counts them (JDATE_JST_OFFSET); the chart is drawn here so
 * that its numbers and the table's come from the same array. */
#include "core/dashboard.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "util/jdate.h"

#define DAY 86400LL

long long dash_day_of(long long t)
{
	long long s = t + JDATE_JST_OFFSET;
	return s >= 0 ? s / DAY : (s - DAY + 1) / DAY;
}

long long dash_day_start(long long day)
{
	return day * DAY - JDATE_JST_OFFSET;
}

void dash_day_ymd(long long day, char *out, size_t outlen)
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outlen, "%s", "");
}

long long dash_days_between(long long from, long long to)
{
	long long d = dash_day_of(to) - dash_day_of(from);
	return d > 0 ? d : 0;
}

int dash_status_waiting(const char *name)
{
	return app_status_valid(name) && !app_status_final(name) && strcmp(name, "returned") != 0;
}

size_t dash_statuses(int (*pick)(const char *name), const char **out, size_t max)
{
	size_t n, k = 0;
	const app_status *st = app_statuses(&n);
	for (size_t i = 0; i < n && k < max; i++)
		if (pick(st[i].name))
			out[k++] = st[i].name;
	return k;
}

/* The value of rank r (0-based) of the histogram. */
static long long rank_value(const long long *hist, size_t n, long long r)
{
	for (size_t d = 0; d < n; d++) {
		if (r < hist[d])
			return (long long)d;
		r -= hist[d];
	}
	return (long long)n - 1;
}

int dash_median_x2(const long long *hist, size_t n, long long *x2)
{
	long long total = 0;
	for (size_t d = 0; d < n; d++)
		total += hist[d] > 0 ? hist[d] : 0;
	if (total == 0)
		return -1;
	*x2 = rank_value(hist, n, (total - 1) / 2) + rank_value(hist, n, total / 2);
	return 0;
}

void dash_median_text(long long x2, char *out, size_t outlen)
{
	if (x2 % 2)
		snprintf(out, outlen, "%lld.5日", x2 / 2);
	else
		snprintf(out, outlen, "%lld日", x2 / 2);
}

/* The chart's frame in the viewBox's units. */
enum { W = 720, H = 260, LEFT = 52, RIGHT = 12, TOP = 24, BOTTOM = 52 };

/* The top of the y axis and its step: 1, 2 or 5 times a power of ten, at most 5 steps. */
static void y_scale(long long max, long long *top, long long *step)
{
	static const int m[] = {1, 2, 5};
	*step = 1;
	for (long long p = 1; p < (1LL << 60) / 10; p *= 10)
		for (int i = 0; i < 3; i++) {
			*step = m[i] * p;
			if (max <= 5 * *step) {
				*top = max <= 0 ? *step : (max + *step - 1) / *step * *step;
				return;
			}
		}
	*top = max;
}

static void y_axis(buf *b, long long top, long long step)
{
	const double ph = H - TOP - BOTTOM;
	for (long long v = 0; v <= top; v += step) {
		double y = H - BOTTOM - ph * (double)v / (double)top;
		buf_printf(
		    b,
		    "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
		    "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld</text>",
		    LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, v);
	}
	buf_printf(b, "<text class=\"axis-title\" x=\"4\" y=\"14\">件数</text>");
}

/* A date under the bar of every step-th day, counted back from the last. */
static void x_axis(buf *b, size_t ndays, long long first_day, double slot)
{
	size_t every = ndays > 31 ? 14 : 7;
	for (size_t i = ndays; i-- > 0;) {
		if ((ndays - 1 - i) % every)
			continue;
		char ymd[11];
		int mo = 0, d = 0;
		dash_day_ymd(first_day + (long long)i, ymd, sizeof(ymd));
		if (sscanf(ymd, "%*d-%d-%d", &mo, &d) != 2)
			continue;
		buf_printf(
		    b,
		    "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d/%d</text>",
		    LEFT + slot * ((double)i + 0.5), H - BOTTOM + 18, mo, d);
	}
	buf_printf(b,
	           "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	           "<text class=\"axis-title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
	           "到達日（日本時間）</text>",
	           LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, LEFT + (W - LEFT - RIGHT) / 2, H - 8);
}

static void bars(buf *b, const long long *counts, size_t ndays, long long first_day, double slot,
                 long long top)
{
	const double ph = H - TOP - BOTTOM;
	for (size_t i = 0; i < ndays; i++) {
		char ymd[11];
		double h = ph * (double)counts[i] / (double)top;
		dash_day_ymd(first_day + (long long)i, ymd, sizeof(ymd));
		buf_printf(
		    b,
		    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
		    " data-day=\"%s\" data-count=\"%lld\"><title>%s: %lld件</title></rect>",
		    LEFT + slot * ((double)i + 0.15), H - BOTTOM - h, slot * 0.7, h, ymd, counts[i],
		    ymd, counts[i]);
	}
}

int dash_chart_svg(buf *b, const char *proc_id, const char *title, const char *desc,
                   const long long *counts, size_t ndays, long long first_day)
{
	long long max = 0, top, step;
	if (ndays == 0 || ndays > DASH_DAYS_MAX)
		return -1;
	for (size_t i = 0; i < ndays; i++)
		max = counts[i] > max ? counts[i] : max;
	y_scale(max, &top, &step);
	double slot = (double)(W - LEFT - RIGHT) / (double)ndays;
	buf_printf(
	    b,
	    "<svg class=\"dash-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
	    " role=\"img\" aria-labelledby=\"chart-%s-title\" aria-describedby=\"chart-%s-desc\" data-proc=\"%s\">"
	    "<title id=\"chart-%s-title\">",
	    W, H, proc_id, proc_id, proc_id, proc_id);
	buf_html_escape(b, title, strlen(title));
	buf_printf(b, "</title><desc id=\"chart-%s-desc\">", proc_id);
	buf_html_escape(b, desc, strlen(desc));
	buf_puts(b, "</desc>");
	y_axis(b, top, step);
	bars(b, counts, ndays, first_day, slot, top);
	x_axis(b, ndays, first_day, slot);
	buf_puts(b, "</svg>");
	return b->failed ? -1 : 0;
}
