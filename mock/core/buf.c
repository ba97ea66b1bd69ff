/* buf.c - bounded growable buffer (see buf.h). Pure: no I/O. */
#include "lockyard/buf.h"
#include "lockyard/check.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ly_buf_init(struct ly_buf *b, size_t max_bytes)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_bytes = max_bytes;
}

void ly_buf_cleanup(struct ly_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ly_buf_reset(struct ly_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int ly_buf_reserve(struct ly_buf *b, size_t n)
{
    if (n > b->max_bytes || b->len > b->max_bytes - n)
        return LY_ETOOBIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    /* The first allocation is what the first add needs (at least 256): a body copied whole
     * (a GET's 1 KiB object) then fits malloc's per-thread cache, which a doubling to 2 KiB
     * missed; a buffer that keeps growing doubles from there. */
    size_t cap = b->cap ? b->cap : need > 256 ? need : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return LY_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int ly_buf_add(struct ly_buf *b, const void *p, size_t n)
{
    int rc = ly_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ly_buf_adds(struct ly_buf *b, const char *s)
{
    return ly_buf_add(b, s, strlen(s));
}

int ly_buf_addf(struct ly_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LY_EINVAL;
    int rc = ly_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* The characters XML text escapes (ly_buf_add_xml), by byte. */
static const char *const xml_rep[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",    ['>'] = "&gt;",
    ['"'] = "&quot;", ['\''] = "&apos;", ['\r'] = "&#13;",
};

int ly_buf_add_xml(struct ly_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = xml_rep[(unsigned char)s[i]];
        if (!rep)
            continue;
        int rc = ly_buf_add(b, s + start, i - start);
        if (!rc)
            rc = ly_buf_adds(b, rep);
        if (rc)
            return rc;
        start = i + 1;
    }
    return ly_buf_add(b, s + start, n - start);
}

int ly_buf_add_xml_elem(struct ly_buf *b, const char *name, const char *value)
{
    size_t n = strlen(name), vn = value ? strlen(value) : 0;
    int rc = ly_buf_reserve(b, 2 * n + 5 + vn); /* room for all but escapes, at once */
    if (rc)
        return rc;
    char *w = b->data + b->len;
    *w = '<';
    memcpy(w + 1, name, n);
    w[n + 1] = '>';
    b->len += n + 2;
    if (value && value[strcspn(value, "&<>\"'\r")] == '\0') /* nothing to escape: at once */
        rc = ly_buf_add(b, value, vn);
    else
        rc = ly_buf_add_xml(b, value ? value : "", vn);
    if (rc || (rc = ly_buf_reserve(b, n + 3)) != 0)
        return rc;
    w = b->data + b->len;
    memcpy(w, "</", 2);
    memcpy(w + 2, name, n);
    w[n + 2] = '>';
    b->len += n + 3;
    b->data[b->len] = '\0';
    return 0;
}

char *ly_buf_take(struct ly_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
