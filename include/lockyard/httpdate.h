/*
 * httpdate.h - HTTP and S3 timestamps (pure).
 *
 * Parses the three HTTP-date forms of RFC 7231 §7.1.1.1 (IMF-fixdate, RFC 850,
 * asctime) and formats IMF-fixdate (headers) and ISO 8601 with milliseconds
 * (S3 XML bodies). Times are milliseconds since the Unix epoch, UTC.
 */
#ifndef LOCKYARD_HTTPDATE_H
#define LOCKYARD_HTTPDATE_H

#include <stdint.h>

#define LY_HTTPDATE_LEN 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" + NUL */
#define LY_ISODATE_LEN 25  /* "1994-11-06T08:49:37.000Z" + NUL */

/** @return 0 and *out_ms, or LY_EINVAL for anything that is not an HTTP-date. */
int ly_httpdate_parse(const char *s, int64_t *out_ms);
/** Also accepts ISO 8601 basic (20130524T000000Z) and extended forms; LY_EINVAL otherwise. */
int ly_isodate_parse(const char *s, int64_t *out_ms);
void ly_httpdate_format(int64_t ms, char out[LY_HTTPDATE_LEN]);
void ly_isodate_format(int64_t ms, char out[LY_ISODATE_LEN]);

#endif
