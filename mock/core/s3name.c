/* s3name.c - bucket-name rules, percent-coding and UTF-8 checks (see s3name.h). Pure. */
#include "lockyard/s3name.h"
#include "lockyard/err.h"

#include <string.h>

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int looks_like_ipv4(const char *s)
{
    int dots = 0, digits = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (!digits)
                return 0;
            dots++;
            digits = 0;
        } else if (*s >= '0' && *s <= '9') {
            digits++;
        } else {
            return 0;
        }
    }
    return dots == 3 && digits;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int s3name_bucket_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 63)
        return 0;
    if (!is_lower_alnum(name[0]) || !is_lower_alnum(name[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!is_lower_alnum(c) && c != '-' && c != '.')
            return 0;
        if (c == '.' && (name[i + 1] == '.' || name[i + 1] == '-' || (i && name[i - 1] == '-')))
            return 0;
    }
    if (looks_like_ipv4(name))
        return 0;
    if (strncmp(name, "xn--", 4) == 0 || strncmp(name, "sthree-", 7) == 0 ||
        strncmp(name, "amzn-s3-demo-", 13) == 0)
        return 0;
    if (has_suffix(name, "-s3alias") || has_suffix(name, "--ol-s3") ||
        has_suffix(name, ".mrap") || has_suffix(name, "--x-s3") || has_suffix(name, "--table-s3"))
        return 0;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long s3name_url_decode(const char *s, size_t n, char *out, size_t out_max, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (n - i < 3)
                return LY_EINVAL;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return LY_EINVAL;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
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

int s3name_url_encode(struct ly_buf *b, const char *s, size_t n, int flags)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.' || c == '~' ||
                   (c == '/' && (flags & S3NAME_KEEP_SLASH));
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int rc = c == ' ' && (flags & S3NAME_SPACE_PLUS) ? ly_buf_add(b, "+", 1)
               : keep ? ly_buf_add(b, &s[i], 1) : ly_buf_add(b, enc, 3);
        if (rc)
            return rc;
    }
    return 0;
}

int s3name_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

int s3name_xml_safe(const char *s)
{
    size_t n = strlen(s);
    if (!s3name_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
            (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
             ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)))
            return 0;
    }
    return 1;
}
