/* pct.c - hex digits and percent-coding (see pct.h). */
#include "lockyard/pct.h"

#include "lockyard/err.h"

int ly_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long ly_pct_decode(const char *s, size_t n, char *out, size_t out_max, int flags)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (n - i < 3)
                return LY_EINVAL;
            int h = ly_hexval((unsigned char)s[i + 1]), l = ly_hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return LY_EINVAL;
            c = (char)(h << 4 | l);
            i += 2;
        } else if (c == '+' && (flags & LY_PCT_PLUS_SPACE)) {
            c = ' ';
        }
        if (c == '\0' && (flags & LY_PCT_REFUSE_NUL))
            return LY_EINVAL;
        if (o + 1 >= out_max)
            return LY_ETOOBIG;
        out[o++] = c;
    }
    if (o >= out_max)
        return LY_ETOOBIG;
    out[o] = '\0';
    return (long)o;
}

int ly_pct_decode_buf(struct ly_buf *b, const char *s, size_t n, int flags)
{
    int rc = ly_buf_reserve(b, n);
    if (rc)
        return rc;
    long got = ly_pct_decode(s, n, b->data + b->len, n + 1, flags);
    if (got < 0) {
        b->data[b->len] = '\0';
        return (int)got;
    }
    b->len += (size_t)got;
    return 0;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int ly_pct_encode(struct ly_buf *b, const char *s, size_t n, int flags)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
        int rc = c == ' ' && (flags & LY_PCT_PLUS_SPACE) ? ly_buf_add(b, "+", 1)
                 : unreserved(c) || (c == '/' && (flags & LY_PCT_KEEP_SLASH))
                     ? ly_buf_add(b, &s[i], 1)
                     : ly_buf_add(b, esc, 3);
        if (rc)
            return rc;
    }
    return 0;
}
