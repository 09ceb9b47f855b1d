/* jdate: calendar dates as the portal shows them, with the Japanese era from glibc's
 * ja_JP.UTF-8 locale data (2026年(令和8年)4月1日), and "today" in Japan (UTC+9, no DST). */
#ifndef MADOGUCHI_JDATE_H
#define MADOGUCHI_JDATE_H

#include <stddef.h>
#include <time.h>

/* Japan Standard Time is UTC+9 all year (no daylight saving time): the one definition of
 * the offset. */
#define JDATE_JST_OFFSET (9 * 3600)

/* 1 when s is a real calendar date "YYYY-MM-DD" (1868..9999), else 0. */
int jdate_valid(const char *s);
/* "2026-04-01" -> "2026年(令和8年)4月1日". Returns 0, or -1 for a bad date (out gets s). */
int jdate_format(const char *ymd, char *out, size_t outlen);
/* Unix time -> "2026年(令和8年)4月1日 10:05", the date and time in Japan (out: 128 bytes
 * are always enough). */
void jdate_format_time(long long t, char *out, size_t outlen);
/* The Unix time of 00:00 in Japan of the day "YYYY-MM-DD" (as jdate_valid), or -1. */
long long jdate_day_start(const char *ymd);
/* Unix time -> "2026-04-01T10:05:09+09:00", ISO 8601 in Japan time (out: 26 bytes). */
void jdate_iso8601(long long t, char *out, size_t outlen);
/* Today's date in Japan as "YYYY-MM-DD" (out: at least 11 bytes). */
void jdate_today(char *out, time_t now);

#endif
