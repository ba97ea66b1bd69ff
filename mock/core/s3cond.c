/* s3cond.c - S3 read/write precondition rules (see s3cond.h). Pure: no I/O, no clock. */
#include "lockyard/s3cond.h"
#include "lockyard/err.h"
#include "lockyard/httpdate.h"

#include <stddef.h>
#include <string.h>

/* Trims spaces, a W/ prefix and one pair of quotes: returns start and length. */
static const char *etag_core(const char *s, size_t n, size_t *out_len)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == 'W' && s[1] == '/') {
        s += 2;
        n -= 2;
    }
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    *out_len = n;
    return s;
}

int s3cond_etag_equal(const char *a, const char *b)
{
    size_t la, lb;
    const char *ca = etag_core(a, strlen(a), &la);
    const char *cb = etag_core(b, strlen(b), &lb);
    return la == lb && memcmp(ca, cb, la) == 0;
}

int s3cond_etag_list_match(const char *header, const char *etag)
{
    size_t le;
    const char *ce = etag_core(etag, strlen(etag), &le);
    const char *p = header;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        size_t lc;
        const char *c = etag_core(p, n, &lc);
        if ((lc == 1 && c[0] == '*') || (lc == le && memcmp(c, ce, lc) == 0))
            return 1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

const char *s3cond_read_name(int index)
{
    static const char *const names[] = {"If-Match", "If-Unmodified-Since", "If-None-Match",
                                        "If-Modified-Since"};
    return index >= 0 && index < 4 ? names[index] : "";
}

enum s3cond_outcome s3cond_eval_read(const struct s3cond_read *c, const char *etag,
                                     int64_t mtime_ms, int64_t now_ms, int *failed)
{
    int64_t mtime_s = mtime_ms / 1000, date_ms;
    *failed = -1;
    if (c->if_match) {
        if (!s3cond_etag_list_match(c->if_match, etag)) {
            *failed = 0;
            return S3COND_FAILED;
        }
    } else if (c->if_unmodified_since && ly_httpdate_parse(c->if_unmodified_since, &date_ms) == 0 &&
               mtime_s > date_ms / 1000) {
        *failed = 1;
        return S3COND_FAILED;
    }
    if (c->if_none_match) {
        if (s3cond_etag_list_match(c->if_none_match, etag)) {
            *failed = 2;
            return S3COND_NOT_MODIFIED;
        }
    } else if (c->if_modified_since && ly_httpdate_parse(c->if_modified_since, &date_ms) == 0 &&
               date_ms <= now_ms && mtime_s <= date_ms / 1000) {
        *failed = 3;
        return S3COND_NOT_MODIFIED;
    }
    return S3COND_PASS;
}

static int is_star(const char *v)
{
    size_t n;
    const char *c = etag_core(v, strlen(v), &n);
    return n == 1 && c[0] == '*';
}

int s3cond_write_validate(const struct s3cond_write *c, struct s3cond_reject *why)
{
    why->header = NULL;
    why->additional_message = NULL;
    if (c->if_match && c->if_none_match) {
        why->header = "If-Match,If-None-Match";
        why->additional_message = "Multiple conditional request headers present in the request";
        return LY_ENOTSUP;
    }
    if (c->if_none_match && !is_star(c->if_none_match)) {
        why->header = "If-None-Match";
        why->additional_message =
            "We don't accept the provided value of If-None-Match header for this API";
        return LY_ENOTSUP;
    }
    if (c->if_match && is_star(c->if_match)) {
        why->header = "If-Match";
        why->additional_message =
            "We don't accept the provided value of If-Match header for this API";
        return LY_ENOTSUP;
    }
    return 0;
}

int s3cond_eval_write(const struct s3cond_write *c, const char *cur_etag, const char **condition)
{
    *condition = NULL;
    if (c->if_none_match && cur_etag) {
        *condition = "If-None-Match";
        return LY_ECOND;
    }
    if (c->if_match) {
        if (!cur_etag)
            return LY_ENOENT;
        if (!s3cond_etag_equal(c->if_match, cur_etag)) {
            *condition = "If-Match";
            return LY_ECOND;
        }
    }
    return 0;
}
