/* dashboard: the figures of the staff dashboard (集計) without HTTP or SQL: days in Japan time
 * (a day number counts whole days of UTC+9 since 1970-01-01), which statuses wait for the
 * city and which are a decision, the median of a histogram of days, and the chart of
 * arrivals per day as inline SVG (bars that carry their figures, axes labelled). */
#ifndef MADOGUCHI_DASHBOARD_H
#define MADOGUCHI_DASHBOARD_H

#include <stddef.h>

#include "util/buf.h"

#define DASH_DAYS_MAX 90  /* the longest window the page offers */
#define DASH_DAYS_CAP 365 /* days to a decision counted up to this (more: this) */

/* The day number in Japan of Unix time t (t >= 0). */
long long dash_day_of(long long t);
/* The Unix time of 00:00 in Japan of day number day. */
long long dash_day_start(long long day);
/* Day number day as "YYYY-MM-DD" (out: 11 bytes). */
void dash_day_ymd(long long day, char *out, size_t outlen);
/* Whole days from Unix time from to Unix time to, counted as calendar days in Japan (the day
 * of arrival not counted: arrival on the 1st, now on the 3rd is 2 days); never below 0. */
long long dash_days_between(long long from, long long to);

/* 1 when an application in status name waits for the city's staff: not final and not
 * returned to the applicant for correction (送信済, 受付, 審査中). */
int dash_status_waiting(const char *name);
/* The statuses of the status table for which pick holds, in its order, into out (room for
 * max); their number. */
size_t dash_statuses(int (*pick)(const char *name), const char **out, size_t max);

/* The median of a histogram: hist[d] applications took d days (n entries). Twice the
 * median into *x2 (so that the mean of the two middle values stays whole): 0, or -1 when
 * the histogram is empty. */
int dash_median_x2(const long long *hist, size_t n, long long *x2);
/* Twice a median as days in words: "3日", "2.5日" (out: 32 bytes are enough). */
void dash_median_text(long long x2, char *out, size_t outlen);

/* The chart of one procedure: counts[i] arrivals on day first_day + i (ndays of them, 1 to
 * DASH_DAYS_MAX), as an <svg role="img" data-proc="PROC_ID"> named by its <title> (title) and
 * described by its <desc> (desc), ids "chart-PROC_ID-title" and "-desc" (proc_id:
 * [a-z0-9-]). Each bar is a
 * <rect class="bar" data-day="YYYY-MM-DD" data-count="N"> with its own <title>; the y axis is
 * labelled 件数 with its ticks, the x axis 到達日 with a date every week or two. Appended to b; 0,
 * or -1 when b failed. */
int dash_chart_svg(buf *b, const char *proc_id, const char *title, const char *desc,
                   const long long *counts, size_t ndays, long long first_day);

#endif
