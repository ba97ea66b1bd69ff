/* sigv4_uri.c - percent-decoding, SigV4 URI encoding, query splitting (see sigv4_uri.h). */
#include "sigv4_uri.h"

#include <string.h>

#include "lockyard/err.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

int sigv4_uri_decode(const char *s, size_t n, int plus_space, struct ly_buf *out)
{
    int rc = ly_buf_reserve(out, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3)
                return LY_EINVAL;
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return LY_EINVAL;
            c = (unsigned char)(h << 4 | l);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        out->data[out->len++] = (char)c;
    }
    out->data[out->len] = '\0';
    return 0;
}

int sigv4_uri_encode(const char *s, size_t n, int keep_slash, struct ly_buf *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (unreserved(c) || (c == '/' && keep_slash)) {
            rc = ly_buf_add(out, &s[i], 1);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            rc = ly_buf_add(out, esc, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int sigv4_query_next(const char **pos, struct sigv4_qparam *p)
{
    const char *s = *pos;
    if (!s)
        return 0;
    while (*s == '&')
        s++;
    if (*s == '\0') {
        *pos = s;
        return 0;
    }
    const char *end = strchr(s, '&');
    if (!end)
        end = s + strlen(s);
    const char *eq = memchr(s, '=', (size_t)(end - s));
    p->name = s;
    if (eq) {
        p->name_len = (size_t)(eq - s);
        p->value = eq + 1;
        p->value_len = (size_t)(end - eq - 1);
    } else {
        p->name_len = (size_t)(end - s);
        p->value = end;
        p->value_len = 0;
    }
    *pos = end;
    return 1;
}

int sigv4_query_decode_into(const char *s, size_t n, char *dst, size_t size)
{
    struct ly_buf b;
    ly_buf_init(&b, size - 1);
    int rc = sigv4_uri_decode(s, n, 1, &b);
    if (rc == 0) {
        if (memchr(b.data, '\0', b.len))
            rc = LY_EINVAL; /* an encoded NUL would truncate the value */
        else
            memcpy(dst, b.data, b.len + 1);
    } else {
        rc = LY_EINVAL;
    }
    ly_buf_cleanup(&b);
    return rc;
}
