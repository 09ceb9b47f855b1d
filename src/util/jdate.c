/* jdate: dates with the Japanese era (see jdate.h). The era table is glibc's (%EY in the
 * ja_JP.UTF-8 locale, which setup generates), so a new era needs no change here. */
#include "util/jdate.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static locale_t ja_locale;
static pthread_once_t ja_once = PTHREAD_ONCE_INIT;

static void ja_init(void)
{
	ja_locale = newlocale(LC_TIME_MASK, "ja_JP.UTF-8", (locale_t)0);
}

static int parse(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1868 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	int max = mdays[*m - 1] + (*m == 2 && leap);
	return *d > max ? -1 : 0;
}

int jdate_valid(const char *s)
{
	int y, m, d;
	return parse(s, &y, &m, &d) == 0;
}

long long jdate_day_start(const char *ymd)
{
	struct tm tm = {0};
	if (parse(ymd, &tm.tm_year, &tm.tm_mon, &tm.tm_mday) < 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) - JDATE_JST_OFFSET;
}

int jdate_format(const char *ymd, char *out, size_t outlen)
{
	int y, m, d;
	if (parse(ymd, &y, &m, &d) < 0) {
		snprintf(out, outlen, "%s", ymd ? ymd : "");
		return -1;
	}
	pthread_once(&ja_once, ja_init);
	char era[64] = "";
	if (ja_locale) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		if (strftime_l(era, sizeof(era), "%-EY", &tm, ja_locale) == 0)
			era[0] = '\0';
	}
	if (era[0])
		snprintf(out, outlen, "%d年(%s)%d月%d日", y, era, m, d);
	else
		snprintf(out, outlen, "%d年%d月%d日", y, m, d);
	return 0;
}

void jdate_today(char *out, time_t now)
{
	time_t t = now + JDATE_JST_OFFSET;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void jdate_iso8601(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t + JDATE_JST_OFFSET;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%S+09:00", &tm);
}

void jdate_format_time(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t + JDATE_JST_OFFSET;
	struct tm tm;
	char ymd[11], d[96];
	gmtime_r(&tt, &tm);
	strftime(ymd, sizeof(ymd), "%Y-%m-%d", &tm);
	if (jdate_format(ymd, d, sizeof(d)) != 0)
		snprintf(d, sizeof(d), "%s", ymd);
	snprintf(out, outlen, "%s %02d:%02d", d, tm.tm_hour, tm.tm_min);
}
