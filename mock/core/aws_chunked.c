/*
 * aws_chunked.c - aws-chunked body decoder and encoder (see aws_chunked.h).
 *
 * The decoder is a stream fed the body as it arrives (any split): size line,
 * data, CRLF, ... the final 0-size chunk, then the trailer section. Chunk
 * signatures are checked over the SHA-256 of each chunk's data, hashed as it
 * came: as each chunk is framed when an early signer is given, else at the
 * end; then the trailer signature.
 */
#include "lockyard/aws_chunked.h"
#include "lockyard/pct.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    if (chunked_result_trailer(res, t->name))
        return LY_EINVAL; /* duplicate */
    memcpy(t->value, v, vlen);
    t->value[vlen] = '\0';
    res->trailer_count++;
    return 0;
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

/* ---- streaming decoder ------------------------------------------------ */

static int fail(struct chunked_stream *s, int rc)
{
    s->state = CHUNKED_S_FAILED;
    s->rc = rc;
    return rc;
}

/*
 * One byte of a size or trailer line, as the whole-body decoder scanned them: a CR within the
 * first CHUNKED_LINE_MAX + 2 bytes, then LF; a bare LF, a CR without LF or a longer line is bad
 * framing (a body ending inside a line is short: finish says LY_ERANGE).
 * @return 1 when the line is complete, 0 to go on, LY_EINVAL
 */
static int line_byte(struct chunked_stream *s, unsigned char ch)
{
    if (s->line_cr)
        return ch == '\n' ? 1 : LY_EINVAL;
    if (ch == '\n' || s->line_len == CHUNKED_LINE_MAX + 2)
        return LY_EINVAL;
    if (ch == '\r')
        s->line_cr = 1;
    else
        s->line[s->line_len++] = (char)ch;
    return 0;
}

/* Checks records [from, nrecs) along signer's chain; *upto: the records found right so far. */
static int check_records(const struct chunked_stream *s, struct sigv4_chunk_signer *signer,
                         size_t from, size_t *upto)
{
    for (size_t i = from; i < s->nrecs; i++) {
        char want[SIGV4_SIG_HEX_SIZE];
        if (!s->recs[i].sig[0])
            return LY_EINVAL;
        int rc = sigv4_chunk_sign_hashed(signer, s->recs[i].hash, want);
        if (rc)
            return rc;
        if (CRYPTO_memcmp(want, s->recs[i].sig, 64) != 0)
            return LY_ECOND;
        *upto = i + 1;
    }
    return 0;
}

static int record_chunk(struct chunked_stream *s)
{
    if (!s->record)
        return 0;
    if (s->nrecs == s->recs_cap) {
        size_t cap = s->recs_cap ? s->recs_cap * 2 : 16;
        struct chunked_sig_record *r = realloc(s->recs, cap * sizeof *r);
        if (!r)
            return LY_ENOMEM;
        s->recs = r;
        s->recs_cap = cap;
    }
    struct chunked_sig_record *r = &s->recs[s->nrecs];
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    int rc = cksum_final(&s->sha, raw, &n);
    s->sha_on = 0;
    if (rc)
        return rc;
    memcpy(r->sig, s->sig, sizeof r->sig);
    cksum_hex(raw, n, r->hash);
    s->nrecs++;
    if (s->early_on && !s->early_rc)
        s->early_rc = check_records(s, &s->early, s->nrecs - 1, &s->nverified);
    return 0;
}

/* A complete "hex-size[;ext...]" line: the chunk's data (or the trailers) come next. */
static int size_line(struct chunked_stream *s)
{
    const char *l = s->line;
    size_t n = s->line_len, i = 0, v = 0;
    while (i < n && ly_hexval(l[i]) >= 0) {
        if (i == CHUNKED_SIZE_DIGITS_MAX || v > (SIZE_MAX >> 4))
            return LY_EINVAL;
        v = (v << 4) | (size_t)ly_hexval(l[i]);
        i++;
    }
    if (i == 0)
        return LY_EINVAL;
    int rc = parse_extensions(l + i, n - i, s->sig);
    if (rc)
        return rc;
    if (s->sig[0])
        s->res.chunks_signed = 1;
    s->data_left = v;
    if (v > s->cap - s->res.decoded_len) { /* too big, once the body proves to hold it */
        s->state = CHUNKED_S_SKIP;
        return 0;
    }
    if (s->record) {
        if ((rc = cksum_init(&s->sha, CKSUM_SHA256)) != 0)
            return rc;
        s->sha_on = 1;
    }
    if (v > 0) {
        s->state = CHUNKED_S_DATA;
        return 0;
    }
    s->state = CHUNKED_S_TRAILER;
    s->blank_allowed = 1;
    return record_chunk(s);
}

static int trailer_line(struct chunked_stream *s)
{
    if (s->line_len == 0 && s->blank_allowed) {
        s->blank_allowed = 0;
        return 0;
    }
    s->blank_allowed = 0;
    if (s->line_len == 0) {
        s->state = CHUNKED_S_END;
        return 0;
    }
    return parse_trailer(s->line, s->line_len, &s->res);
}

/* Bytes of a chunk's data (or of one too big, only counted): how many were taken, or < 0. */
static long data_bytes(struct chunked_stream *s, const unsigned char *p, size_t n)
{
    size_t m = n < s->data_left ? n : (size_t)s->data_left;
    int rc = 0;
    s->data_left -= m;
    if (s->state == CHUNKED_S_SKIP)
        return s->data_left ? (long)m : fail(s, LY_ETOOBIG);
    if ((rc = ly_buf_add(s->out, p, m)) != 0 || (s->sha_on && (rc = cksum_update(&s->sha, p, m))))
        return fail(s, rc);
    s->res.decoded_len += m;
    if (s->data_left == 0) {
        s->res.chunk_count++;
        s->state = CHUNKED_S_DATA_END;
        s->end_len = 0;
        if ((rc = record_chunk(s)) != 0)
            return fail(s, rc);
    }
    return (long)m;
}

/* One byte outside chunk data: a line's, the CRLF after data, or one after the end. */
static int framing_byte(struct chunked_stream *s, unsigned char ch)
{
    if (s->state == CHUNKED_S_END)
        return fail(s, LY_EINVAL); /* bytes after the end */
    if (s->state == CHUNKED_S_DATA_END) {
        s->end[s->end_len++] = ch;
        if (s->end_len < 2)
            return 0;
        if (s->end[0] != '\r' || s->end[1] != '\n')
            return fail(s, LY_EINVAL);
        s->state = CHUNKED_S_SIZE;
        return 0;
    }
    int rc = line_byte(s, ch);
    if (rc <= 0)
        return rc ? fail(s, rc) : 0;
    rc = s->state == CHUNKED_S_SIZE ? size_line(s) : trailer_line(s);
    s->line_len = 0;
    s->line_cr = 0;
    return rc ? fail(s, rc) : 0;
}

int chunked_stream_init(struct chunked_stream *s, size_t decoded_bytes_max, int record_signatures,
                        struct ly_buf *out)
{
    memset(s, 0, sizeof *s);
    s->state = CHUNKED_S_SIZE;
    s->cap = decoded_bytes_max ? decoded_bytes_max : SIZE_MAX;
    s->out = out;
    s->record = record_signatures;
    return 0;
}

int chunked_stream_feed(struct chunked_stream *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0 && s->state != CHUNKED_S_FAILED) {
        if (s->state == CHUNKED_S_DATA || s->state == CHUNKED_S_SKIP) {
            long m = data_bytes(s, p, n);
            if (m < 0)
                break;
            p += m;
            n -= (size_t)m;
            continue;
        }
        (void)framing_byte(s, *p++);
        n--;
    }
    return s->rc;
}

void chunked_stream_sign_early(struct chunked_stream *s, const struct sigv4_chunk_signer *signer)
{
    if (!s->record || s->nrecs)
        return;
    s->early_start = *signer;
    s->early = *signer;
    s->early_on = 1;
}

/* The chunk-signature chain over the chunks framed (all of them, or those before an error);
 * signer ends where the chain does, for the trailer's signature. What an early check of the
 * same chain found is taken as it is. */
static int check_chain(const struct chunked_stream *s, struct sigv4_chunk_signer *signer)
{
    size_t done = 0;
    if (!s->record)
        return LY_EINVAL;
    if (s->early_on && memcmp(&s->early_start, signer, sizeof *signer) == 0) {
        if (s->early_rc)
            return s->early_rc;
        *signer = s->early;
        return check_records(s, signer, s->nverified, &done);
    }
    return check_records(s, signer, 0, &done);
}

int chunked_stream_finish(struct chunked_stream *s, struct sigv4_chunk_signer *signer,
                          const char *expected_trailer, int64_t expected_len)
{
    int rc = s->rc;
    if (!rc && s->state == CHUNKED_S_TRAILER)
        rc = s->line_len || s->line_cr ? LY_ERANGE : 0; /* the final CRLF may be left out */
    else if (!rc && s->state != CHUNKED_S_END)
        rc = LY_ERANGE; /* the body ended inside a chunk or before the final one */
    if (signer) {
        int chain = check_chain(s, signer);
        if (chain)
            return chain;
    }
    if (!rc && signer)
        rc = check_trailer_sig(signer, &s->res);
    if (!rc && expected_trailer && !chunked_result_trailer(&s->res, expected_trailer))
        rc = LY_EINVAL;
    if (!rc && expected_len >= 0 && (uint64_t)expected_len != s->res.decoded_len)
        rc = LY_ERANGE;
    return rc;
}

void chunked_stream_cleanup(struct chunked_stream *s)
{
    if (s->sha_on)
        cksum_cleanup(&s->sha);
    s->sha_on = 0;
    free(s->recs);
    s->recs = NULL;
    s->nrecs = s->recs_cap = 0;
    OPENSSL_cleanse(&s->early_start, sizeof s->early_start);
    OPENSSL_cleanse(&s->early, sizeof s->early);
    s->early_on = 0;
}

int chunked_decode(const void *body, size_t len, const struct chunked_opts *opts,
                   struct ly_buf *out, struct chunked_result *res)
{
    static const struct chunked_opts none = {0, -1, NULL, NULL};
    const struct chunked_opts *o = opts ? opts : &none;
    struct chunked_stream s;
    int rc = chunked_stream_init(&s, o->decoded_bytes_max, o->signer != NULL, out);
    if (!rc) {
        (void)chunked_stream_feed(&s, body, len);
        rc = chunked_stream_finish(&s, o->signer, o->expected_trailer, o->expected_len);
    }
    *res = s.res;
    chunked_stream_cleanup(&s);
    return rc;
}

const char *chunked_result_trailer(const struct chunked_result *res, const char *name)
{
    for (size_t i = 0; i < res->trailer_count; i++)
        if (strcasecmp(res->trailers[i].name, name) == 0)
            return res->trailers[i].value;
    return NULL;
}

/* ---- encoder -------------------------------------------------------- */

static int encode_chunk(const char *data, size_t n, struct sigv4_chunk_signer *signer,
                        struct ly_buf *out)
{
    char sig[SIGV4_SIG_HEX_SIZE];
    int rc = signer ? sigv4_chunk_sign(signer, data, n, sig) : 0;
    if (!rc)
        rc = signer ? ly_buf_addf(out, "%zx;chunk-signature=%s\r\n", n, sig)
                    : ly_buf_addf(out, "%zx\r\n", n);
    if (!rc && n > 0) {
        rc = ly_buf_add(out, data, n);
        if (!rc)
            rc = ly_buf_add(out, "\r\n", 2);
    }
    return rc;
}

static int encode_trailer(const void *payload, size_t len, const struct chunked_encode_opts *o,
                          struct ly_buf *out)
{
    char b64[CKSUM_B64_MAX], line[128], sig[SIGV4_SIG_HEX_SIZE];
    int rc = cksum_compute_b64(o->trailer_alg, payload, len, b64);
    if (rc)
        return rc;
    int n = snprintf(line, sizeof line, "%s:%s\n", cksum_alg_header(o->trailer_alg), b64);
    if (n < 0 || (size_t)n >= sizeof line)
        return LY_EINVAL;
    rc = ly_buf_add(out, line, (size_t)n - 1);
    if (!rc)
        rc = ly_buf_add(out, "\r\n", 2);
    if (!rc && o->signer) {
        rc = sigv4_chunk_sign_trailer(o->signer, line, (size_t)n, sig);
        if (!rc)
            rc = ly_buf_addf(out, "x-amz-trailer-signature:%s\r\n", sig);
    }
    return rc;
}

int chunked_encode(const void *payload, size_t len, const struct chunked_encode_opts *o,
                   struct ly_buf *out)
{
    if (!o || o->chunk_bytes == 0 || (o->with_trailer && !cksum_alg_name(o->trailer_alg)))
        return LY_EINVAL;
    const char *p = payload;
    int rc = 0;
    for (size_t off = 0; off < len && !rc; off += o->chunk_bytes) {
        size_t n = len - off < o->chunk_bytes ? len - off : o->chunk_bytes;
        rc = encode_chunk(p + off, n, o->signer, out);
    }
    if (!rc)
        rc = encode_chunk("", 0, o->signer, out);
    if (!rc && o->with_trailer)
        rc = encode_trailer(payload, len, o, out);
    if (!rc)
        rc = ly_buf_add(out, "\r\n", 2);
    return rc;
}
