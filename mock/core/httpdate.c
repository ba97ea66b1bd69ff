/* httpdate.c - HTTP-date and ISO 8601 parsing/formatting (see httpdate.h). Pure. */
#include "lockyard/httpdate.h"
#include "lockyard/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const wdays[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static int month_index(const char *m)
{
    for (int i = 0; i < 12; i++)
        if (strcmp(m, months[i]) == 0)
            return i;
    return -1;
}

static int make_time(int year, int mon, int day, int h, int mi, int s, int64_t *out_ms)
{
    if (mon < 0 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0)
        return LY_EINVAL;
    if (year < 1970 || year > 9999)
        return LY_EINVAL;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != day)
        return LY_EINVAL;
    *out_ms = (int64_t)t * 1000;
    return 0;
}

int ly_httpdate_parse(const char *s, int64_t *out_ms)
{
    char wd[16], mon[4], tz[4];
    int day, year, h, mi, sec, n = 0;
    size_t len = strlen(s);
    if (len > 64)
        return LY_EINVAL;
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3s%n", wd, &day, mon, &year, &h, &mi,
               &sec, tz, &n) == 8 &&
        (size_t)n == len && strcmp(tz, "GMT") == 0)
        return make_time(year, month_index(mon), day, h, mi, sec, out_ms);
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    if (sscanf(s, "%15[A-Za-z], %2d-%3[A-Za-z]-%4d %2d:%2d:%2d %3s%n", wd, &day, mon, &year, &h,
               &mi, &sec, tz, &n) == 8 &&
        (size_t)n == len && strcmp(tz, "GMT") == 0) {
        if (year < 100)
            year += year < 70 ? 2000 : 1900;
        return make_time(year, month_index(mon), day, h, mi, sec, out_ms);
    }
    /* asctime: Sun Nov  6 08:49:37 1994 */
    if (sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wd, mon, &day, &h, &mi, &sec,
               &year, &n) == 7 &&
        (size_t)n == len)
        return make_time(year, month_index(mon), day, h, mi, sec, out_ms);
    return LY_EINVAL;
}

int ly_isodate_parse(const char *s, int64_t *out_ms)
{
    int y, mo, d, h, mi, sec, n = 0, frac = 0;
    size_t len = strlen(s);
    if (len > 40)
        return LY_EINVAL;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 &&
        (size_t)n == len)
        return make_time(y, mo - 1, d, h, mi, sec, out_ms);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return LY_EINVAL;
    const char *p = s + n;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac = frac * 10 + (*p - '0');
        if (digits == 0)
            return LY_EINVAL;
        for (; digits < 3; digits++)
            frac *= 10;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
        return LY_EINVAL;
    int rc = make_time(y, mo - 1, d, h, mi, sec, out_ms);
    if (!rc)
        *out_ms += frac;
    return rc;
}

/* Years outside 0001..9999 have no four-digit form: such times print as the nearest end. */
#define FORMAT_MS_MIN (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define FORMAT_MS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

static void to_tm(int64_t ms, struct tm *tm)
{
    ms = ms < FORMAT_MS_MIN ? FORMAT_MS_MIN : ms > FORMAT_MS_MAX ? FORMAT_MS_MAX : ms;
    int64_t t = ms / 1000 - (ms < 0 && ms % 1000 ? 1 : 0), days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* The proleptic Gregorian date of a day number (H. Hinnant's days_to_civil), as gmtime_r
     * gives it at a fifth of the cost (every GET formats a Last-Modified). */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = (int)(yoe + era * 400 + (month <= 2) - 1900);
    tm->tm_mon = (int)month - 1;
    tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->tm_hour = (int)(secs / 3600);
    tm->tm_min = (int)(secs / 60 % 60);
    tm->tm_sec = (int)(secs % 60);
    tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* v (>= 0) in n digits at p, zero-padded; @return p + n */
static char *digits(char *p, int v, int n)
{
    v = v < 0 ? 0 : v;
    for (int d = n - 1; d >= 0; d--, v /= 10)
        p[d] = (char)('0' + v % 10);
    return p + n;
}

void ly_httpdate_format(int64_t ms, char out[LY_HTTPDATE_LEN])
{
    struct tm tm;
    to_tm(ms, &tm);
    /* "%s, %02d %s %04d %02d:%02d:%02d GMT" written digit by digit (every GET and HEAD) */
    char *p = out;
    memcpy(p, wdays[tm.tm_wday % 7], 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    p = digits(p, tm.tm_mday % 100, 2);
    *p++ = ' ';
    memcpy(p, months[tm.tm_mon % 12], 3);
    p[3] = ' ';
    p = digits(p + 4, (tm.tm_year + 1900) % 10000, 4);
    *p++ = ' ';
    p = digits(p, tm.tm_hour % 100, 2);
    *p++ = ':';
    p = digits(p, tm.tm_min % 100, 2);
    *p++ = ':';
    p = digits(p, tm.tm_sec % 100, 2);
    memcpy(p, " GMT", 5);
}

void ly_isodate_format(int64_t ms, char out[LY_ISODATE_LEN])
{
    struct tm tm;
    ms = ms < FORMAT_MS_MIN ? FORMAT_MS_MIN : ms > FORMAT_MS_MAX ? FORMAT_MS_MAX : ms;
    to_tm(ms, &tm);
    int milli = (int)(((ms % 1000) + 1000) % 1000);
    /* "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" written digit by digit: listings format one per
     * object, and snprintf was most of a ListObjectsV2 page's time */
    const struct {
        int v, digits;
        char after;
    } f[] = {
        {(tm.tm_year + 1900) % 10000, 4, '-'},
        {(tm.tm_mon + 1) % 100, 2, '-'},
        {tm.tm_mday % 100, 2, 'T'},
        {tm.tm_hour % 100, 2, ':'},
        {tm.tm_min % 100, 2, ':'},
        {tm.tm_sec % 100, 2, '.'},
        {milli, 3, 'Z'},
    };
    char *p = out;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        p = digits(p, f[i].v, f[i].digits);
        *p++ = f[i].after;
    }
    *p = '\0';
}
