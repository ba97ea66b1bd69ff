/*
 * httphead.c - request-head and chunk-size checks for the connection guard (pure).
 * RFC 9112 grammar for the request line, field lines and chunk sizes; the refusals are the
 * answers S3 gives for the same requests.
 */
#include "lockyard/httphead.h"
#include "lockyard/err.h"

#include <string.h>
#include <strings.h>

static const char *const methods[] = {"GET",    "HEAD",    "PUT",   "POST",
                                      "DELETE", "OPTIONS", "PATCH", NULL};

/* RFC 9110's tchar: digits, letters and "!#$%&'*+-.^_`|~", as bits of two words (bit c of
 * the first for c < 64, bit c - 64 of the second below 128); test_httphead checks every byte. */
static int is_tchar(unsigned char c)
{
    static const uint64_t set[2] = {0x03ff6cfa00000000ull, 0x57ffffffc7fffffeull};
    return c < 128 && (set[c >> 6] >> (c & 63) & 1);
}

static int refuse(struct httphead *out, enum aws_err code, const char *header)
{
    out->refusal.code = code;
    out->refusal.header = header;
    return LY_EINVAL;
}

static int bad_request(struct httphead *out)
{
    return refuse(out, AWS_S3_BAD_REQUEST, NULL);
}

/* Length of the line at p (without its CRLF or LF) and where the next one starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    return (size_t)(stop - p) - (stop > p && stop[-1] == '\r');
}

static int check_request_line(const char *p, size_t n, struct httphead *out)
{
    size_t m = 0;
    while (m < n && is_tchar((unsigned char)p[m]))
        m++;
    if (m == 0 || m == n || p[m] != ' ')
        return bad_request(out);
    size_t t = m + 1, te = t;
    while (te < n && (unsigned char)p[te] > ' ' && p[te] != 0x7f)
        te++;
    if (te == t || n - te != 9 || p[te] != ' ' || memcmp(p + te + 1, "HTTP/1.", 7) != 0 ||
        (p[n - 1] != '0' && p[n - 1] != '1'))
        return bad_request(out);
    for (size_t i = 0; methods[i]; i++)
        if (strlen(methods[i]) == m && memcmp(p, methods[i], m) == 0) {
            out->head_method = i == 1;
            return 0;
        }
    return refuse(out, AWS_S3_METHOD_NOT_ALLOWED, NULL);
}

static int digits_only(const char *v, size_t n, uint64_t *value)
{
    uint64_t x = 0;
    if (n == 0 || n > 19)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *value = x;
    return 0;
}

/* Content-Length and Transfer-Encoding: one each at most, never both. */
static int framing_header(const char *name, size_t nlen, const char *v, size_t vlen,
                          struct httphead *out, int *seen_cl, int *seen_te)
{
    if (nlen == 14 && strncasecmp(name, "content-length", 14) == 0) {
        if ((*seen_cl)++ || digits_only(v, vlen, &out->content_length) != 0)
            return bad_request(out);
        return 0;
    }
    if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0) {
        if ((*seen_te)++)
            return bad_request(out);
        if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0)
            return refuse(out, AWS_S3_NOT_IMPLEMENTED, "Transfer-Encoding");
    }
    return 0;
}

static int check_field(const char *p, size_t n, struct httphead *out, int *seen_cl, int *seen_te)
{
    size_t c = 0;
    while (c < n && is_tchar((unsigned char)p[c]))
        c++;
    if (c == 0 || c == n || p[c] != ':')
        return bad_request(out); /* also folded lines and whitespace before the colon */
    size_t v = c + 1, ve = n;
    for (size_t i = v; i < n; i++)
        if (((unsigned char)p[i] < ' ' && p[i] != '\t') || p[i] == 0x7f)
            return bad_request(out);
    while (v < ve && (p[v] == ' ' || p[v] == '\t'))
        v++;
    while (ve > v && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
        ve--;
    return framing_header(p, c, p + v, ve - v, out, seen_cl, seen_te);
}

int httphead_check(const char *head, size_t len, struct httphead *out)
{
    memset(out, 0, sizeof *out);
    const char *end = head + len, *next;
    size_t n = line_at(head, end, &next);
    int rc = check_request_line(head, n, out);
    int seen_cl = 0, seen_te = 0;
    for (const char *p = next; !rc && p < end; p = next) {
        n = line_at(p, end, &next);
        if (++out->nheaders > HTTPHEAD_HEADERS_MAX)
            return refuse(out, AWS_S3_REQUEST_HEADER_SECTION_TOO_LARGE, NULL);
        rc = check_field(p, n, out, &seen_cl, &seen_te);
    }
    if (rc)
        return rc;
    if (seen_cl && seen_te)
        return bad_request(out);
    if (out->head_method && ((seen_cl && out->content_length) || seen_te))
        return bad_request(out);
    out->framing = seen_te ? HTTPHEAD_CHUNKED : seen_cl ? HTTPHEAD_LENGTH : HTTPHEAD_NO_BODY;
    if (out->head_method)
        out->framing = HTTPHEAD_NO_BODY;
    return 0;
}

int httphead_chunk_size(const char *line, size_t len, uint64_t *size)
{
    uint64_t x = 0;
    size_t i = 0;
    for (; i < len; i++) {
        char c = line[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            break;
        if (i >= 15)
            return LY_EINVAL; /* over 2^60: no body is that large */
        x = x << 4 | (uint64_t)d;
    }
    if (i == 0)
        return LY_EINVAL;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] != ';')
        return LY_EINVAL;
    for (; i < len; i++)
        if (((unsigned char)line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f)
            return LY_EINVAL;
    *size = x;
    return 0;
}

size_t httphead_end(const char *p, size_t n, size_t *text_len)
{
    const char *nl = memchr(p, '\n', n), *end = p + n;
    for (; nl; nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1))) {
        size_t i = (size_t)(nl - p);
        if (i + 1 < n && p[i + 1] == '\n') {
            *text_len = i + 1;
            return i + 2;
        }
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
            *text_len = i + 1;
            return i + 3;
        }
    }
    return 0;
}
