/*
 * aws_chunked_ref.h - the whole-body aws-chunked decoder lockyard had before bodies were decoded
 * as they arrive (mock/core/aws_chunked.c at that time), kept as the fuzz driver's reference:
 * the streaming decoder, fed in any split, must give its verdict, payload and trailers.
 * Included by fuzz_aws_chunked.c only.
 */
#ifndef LOCKYARD_FUZZ_AWS_CHUNKED_REF_H
#define LOCKYARD_FUZZ_AWS_CHUNKED_REF_H

#include "lockyard/aws_chunked.h"
#include "lockyard/pct.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *ref_result_trailer(const struct chunked_result *res, const char *name);

struct cursor {
    const char *p;
    size_t len;
    size_t pos;
};

static size_t left(const struct cursor *c)
{
    return c->len - c->pos;
}

/*
 * Finds the CRLF ending the line at the cursor within CHUNKED_LINE_MAX.
 * @return 0 with *n = line length; LY_ERANGE when the body ends first;
 *         LY_EINVAL for an over-long line or a bare CR / LF
 */
static int line_end(const struct cursor *c, size_t *n)
{
    size_t max = left(c) < CHUNKED_LINE_MAX + 2 ? left(c) : CHUNKED_LINE_MAX + 2;
    const char *s = c->p + c->pos;
    for (size_t i = 0; i < max; i++) {
        if (s[i] == '\n')
            return LY_EINVAL;
        if (s[i] != '\r')
            continue;
        if (i + 1 == left(c))
            return LY_ERANGE;
        if (s[i + 1] != '\n')
            return LY_EINVAL;
        *n = i;
        return 0;
    }
    return max == left(c) ? LY_ERANGE : LY_EINVAL;
}

static int is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ly_hexval(s[i]) < 0)
            return 0;
    return 1;
}

/* Parses ";name[=value]" extensions; keeps chunk-signature. */
static int parse_extensions(const char *s, size_t n, char sig[SIGV4_SIG_HEX_SIZE])
{
    size_t i = 0;
    sig[0] = '\0';
    while (i < n) {
        if (s[i] != ';')
            return LY_EINVAL;
        size_t start = ++i;
        while (i < n && s[i] != ';')
            i++;
        const char *ext = s + start;
        size_t elen = i - start;
        const char *eq = memchr(ext, '=', elen);
        size_t nlen = eq ? (size_t)(eq - ext) : elen;
        if (nlen == 0)
            return LY_EINVAL;
        if (nlen == 15 && memcmp(ext, "chunk-signature", 15) == 0) {
            size_t vlen = eq ? elen - nlen - 1 : 0;
            if (sig[0] || !is_hex64(eq ? eq + 1 : "", vlen))
                return LY_EINVAL;
            memcpy(sig, eq + 1, 64);
            sig[64] = '\0';
        }
    }
    return 0;
}

/* "hex-size[;ext...]\r\n" */
static int parse_size_line(struct cursor *c, size_t *size, char sig[SIGV4_SIG_HEX_SIZE])
{
    size_t n;
    int rc = line_end(c, &n);
    if (rc)
        return rc;
    const char *s = c->p + c->pos;
    size_t i = 0, v = 0;
    while (i < n && ly_hexval(s[i]) >= 0) {
        if (i == CHUNKED_SIZE_DIGITS_MAX || v > (SIZE_MAX >> 4))
            return LY_EINVAL;
        v = (v << 4) | (size_t)ly_hexval(s[i]);
        i++;
    }
    if (i == 0)
        return LY_EINVAL;
    rc = parse_extensions(s + i, n - i, sig);
    if (rc)
        return rc;
    *size = v;
    c->pos += n + 2;
    return 0;
}

static int check_chunk_sig(struct sigv4_chunk_signer *signer, const char *sig, const char *data,
                           size_t n)
{
    char want[SIGV4_SIG_HEX_SIZE];
    if (!sig[0])
        return LY_EINVAL;
    int rc = sigv4_chunk_sign(signer, data, n, want);
    if (rc)
        return rc;
    return CRYPTO_memcmp(want, sig, 64) == 0 ? 0 : LY_ECOND;
}

static int decode_chunks(struct cursor *c, const struct chunked_opts *o, size_t cap,
                         struct ly_buf *out, struct chunked_result *res)
{
    for (;;) {
        size_t size;
        char sig[SIGV4_SIG_HEX_SIZE];
        int rc = parse_size_line(c, &size, sig);
        if (rc)
            return rc;
        if (sig[0])
            res->chunks_signed = 1;
        if (size > left(c))
            return LY_ERANGE;
        if (size > cap - res->decoded_len)
            return LY_ETOOBIG;
        const char *data = c->p + c->pos;
        if (o->signer && (rc = check_chunk_sig(o->signer, sig, data, size)) != 0)
            return rc;
        if (size == 0)
            return 0;
        if ((rc = ly_buf_add(out, data, size)) != 0)
            return rc;
        res->decoded_len += size;
        res->chunk_count++;
        c->pos += size;
        if (left(c) < 2)
            return LY_ERANGE;
        if (c->p[c->pos] != '\r' || c->p[c->pos + 1] != '\n')
            return LY_EINVAL;
        c->pos += 2;
    }
}

static int token_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* One "name:value" trailer line (without its CRLF) into res. */
static int parse_trailer(const char *s, size_t n, struct chunked_result *res)
{
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s || (size_t)(colon - s) > CHUNKED_TRAILER_NAME_MAX)
        return LY_EINVAL;
    size_t nlen = (size_t)(colon - s);
    for (size_t i = 0; i < nlen; i++)
        if (!token_char((unsigned char)s[i]))
            return LY_EINVAL;
    const char *v = colon + 1, *end = s + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
            return LY_EINVAL;
    if (nlen == 23 && strncasecmp(s, "x-amz-trailer-signature", 23) == 0) {
        if (res->trailer_signature[0] || !is_hex64(v, vlen))
            return LY_EINVAL;
        memcpy(res->trailer_signature, v, 64);
        res->trailer_signature[64] = '\0';
        return 0;
    }
    if (res->trailer_count == CHUNKED_TRAILERS_MAX || vlen > CHUNKED_TRAILER_VALUE_MAX)
        return LY_EINVAL;
    struct chunked_trailer *t = &res->trailers[res->trailer_count];
    for (size_t i = 0; i < nlen; i++)
        t->name[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    t->name[nlen] = '\0';
    if (ref_result_trailer(res, t->name))
        return LY_EINVAL; /* duplicate */
    memcpy(t->value, v, vlen);
    t->value[vlen] = '\0';
    res->trailer_count++;
    return 0;
}

static int decode_trailers(struct cursor *c, struct chunked_result *res)
{
    /* Optional blank line between the final chunk and the trailers. */
    if (left(c) >= 2 && c->p[c->pos] == '\r' && c->p[c->pos + 1] == '\n')
        c->pos += 2;
    while (left(c) > 0) {
        if (left(c) >= 2 && c->p[c->pos] == '\r' && c->p[c->pos + 1] == '\n') {
            c->pos += 2;
            return left(c) == 0 ? 0 : LY_EINVAL; /* bytes after the end */
        }
        size_t n;
        int rc = line_end(c, &n);
        if (!rc)
            rc = parse_trailer(c->p + c->pos, n, res);
        if (rc)
            return rc;
        c->pos += n + 2;
    }
    return 0; /* final CRLF omitted */
}

static int check_trailer_sig(struct sigv4_chunk_signer *signer, const struct chunked_result *res)
{
    if (res->trailer_count == 0 && !res->trailer_signature[0])
        return 0;
    if (!res->trailer_signature[0])
        return LY_EINVAL;
    char text[CHUNKED_TRAILERS_MAX * (CHUNKED_TRAILER_NAME_MAX + CHUNKED_TRAILER_VALUE_MAX + 2)];
    size_t n = 0;
    for (size_t i = 0; i < res->trailer_count; i++) {
        int w = snprintf(text + n, sizeof text - n, "%s:%s\n", res->trailers[i].name,
                         res->trailers[i].value);
        if (w < 0 || (size_t)w >= sizeof text - n)
            return LY_EINVAL;
        n += (size_t)w;
    }
    char want[SIGV4_SIG_HEX_SIZE];
    int rc = sigv4_chunk_sign_trailer(signer, text, n, want);
    if (rc)
        return rc;
    return CRYPTO_memcmp(want, res->trailer_signature, 64) == 0 ? 0 : LY_ECOND;
}

static int ref_chunked_decode(const void *body, size_t len, const struct chunked_opts *opts,
                   struct ly_buf *out, struct chunked_result *res)
{
    static const struct chunked_opts none = {0, -1, NULL, NULL};
    const struct chunked_opts *o = opts ? opts : &none;
    struct cursor c = {body, len, 0};
    size_t cap = o->decoded_bytes_max ? o->decoded_bytes_max : SIZE_MAX;
    memset(res, 0, sizeof *res);
    int rc = decode_chunks(&c, o, cap, out, res);
    if (!rc)
        rc = decode_trailers(&c, res);
    if (!rc && o->signer)
        rc = check_trailer_sig(o->signer, res);
    if (!rc && o->expected_trailer && !ref_result_trailer(res, o->expected_trailer))
        rc = LY_EINVAL;
    if (!rc && o->expected_len >= 0 && (uint64_t)o->expected_len != res->decoded_len)
        rc = LY_ERANGE;
    return rc;
}

static const char *ref_result_trailer(const struct chunked_result *res, const char *name)
{
    for (size_t i = 0; i < res->trailer_count; i++)
        if (strcasecmp(res->trailers[i].name, name) == 0)
            return res->trailers[i].value;
    return NULL;
}

#endif
