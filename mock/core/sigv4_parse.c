/*
 * sigv4_parse.c - reading SigV4 parameters from a request: the
 * Authorization header, the presigned X-Amz-* query parameters, X-Amz-Date
 * and the time checks (see sigv4.h). Canonicalisation and signing live in
 * sigv4.c.
 */
#include "lockyard/sigv4.h"

#include <string.h>
#include <strings.h>

#include "sigv4_uri.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int copy_field(char *dst, size_t size, const char *s, size_t n)
{
    if (n == 0 || n >= size || memchr(s, '\0', n))
        return LY_EINVAL;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* Scope component: printable ASCII without '/' (AKID, region, service). */
static int scope_part_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '/')
            return 0;
    return n > 0;
}

/* "AKID/YYYYMMDD/region/service/aws4_request" */
static int parse_credential(const char *s, size_t n, struct sigv4_auth *out)
{
    const char *part[5];
    size_t len[5];
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '/')
            continue;
        if (k == 5)
            return LY_EINVAL;
        part[k] = s + start;
        len[k++] = i - start;
        start = i + 1;
    }
    if (k != 5)
        return LY_EINVAL;
    for (size_t i = 0; i < 5; i++)
        if (!scope_part_ok(part[i], len[i]))
            return LY_EINVAL;
    if (len[1] != 8)
        return LY_EINVAL;
    for (size_t i = 0; i < 8; i++)
        if (part[1][i] < '0' || part[1][i] > '9')
            return LY_EINVAL;
    if (len[4] != 12 || memcmp(part[4], "aws4_request", 12) != 0)
        return LY_EINVAL;
    int rc = copy_field(out->access_key, sizeof out->access_key, part[0], len[0]);
    if (!rc)
        rc = copy_field(out->date, sizeof out->date, part[1], len[1]);
    if (!rc)
        rc = copy_field(out->region, sizeof out->region, part[2], len[2]);
    if (!rc)
        rc = copy_field(out->service, sizeof out->service, part[3], len[3]);
    return rc;
}

static int header_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

/* Lowercase header tokens separated by ';', "host" among them. */
static int parse_signed_headers(const char *s, size_t n, struct sigv4_auth *out)
{
    int has_host = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ';') {
            if (s[i] == '\0' || !header_name_char((unsigned char)s[i]))
                return LY_EINVAL;
            continue;
        }
        if (i == start)
            return LY_EINVAL; /* empty token */
        if (i - start == 4 && memcmp(s + start, "host", 4) == 0)
            has_host = 1;
        start = i + 1;
    }
    if (!has_host)
        return LY_EINVAL;
    return copy_field(out->signed_headers, sizeof out->signed_headers, s, n);
}

static int parse_signature(const char *s, size_t n, struct sigv4_auth *out)
{
    if (n != 64)
        return LY_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!is_hex(s[i]))
            return LY_EINVAL;
    return copy_field(out->signature, sizeof out->signature, s, n);
}

/* The scheme word: 0 for ours, LY_ENOTSUP for another AWS one, else EINVAL. */
static int parse_scheme(const char **p)
{
    size_t n = 0;
    while ((*p)[n] && !is_space((*p)[n]))
        n++;
    const char *w = *p;
    *p += n;
    if (n == strlen(SIGV4_ALGORITHM) && memcmp(w, SIGV4_ALGORITHM, n) == 0 && **p)
        return 0;
    if ((n == 3 && memcmp(w, "AWS", 3) == 0) ||
        (n == 22 && memcmp(w, "AWS4-ECDSA-P256-SHA256", 22) == 0))
        return LY_ENOTSUP; /* SigV2 "AWS AKID:sig", SigV4a */
    return LY_EINVAL;
}

int sigv4_parse_authorization(const char *value, struct sigv4_auth *out)
{
    memset(out, 0, sizeof *out);
    const char *p = value;
    while (is_space(*p))
        p++;
    int rc = parse_scheme(&p);
    if (rc)
        return rc;
    unsigned seen = 0;
    for (;;) {
        while (is_space(*p) || *p == ',')
            p++;
        if (*p == '\0')
            break;
        const char *tok = p;
        while (*p && !is_space(*p) && *p != ',')
            p++;
        const char *eq = memchr(tok, '=', (size_t)(p - tok));
        if (!eq)
            return LY_EINVAL;
        size_t klen = (size_t)(eq - tok), vlen = (size_t)(p - eq - 1);
        unsigned bit;
        if (klen == 10 && memcmp(tok, "Credential", 10) == 0) {
            bit = 1;
            rc = parse_credential(eq + 1, vlen, out);
        } else if (klen == 13 && memcmp(tok, "SignedHeaders", 13) == 0) {
            bit = 2;
            rc = parse_signed_headers(eq + 1, vlen, out);
        } else if (klen == 9 && memcmp(tok, "Signature", 9) == 0) {
            bit = 4;
            rc = parse_signature(eq + 1, vlen, out);
        } else {
            return LY_EINVAL;
        }
        if (rc || (seen & bit))
            return LY_EINVAL;
        seen |= bit;
    }
    return seen == 7 ? 0 : LY_EINVAL;
}

/* ---- presigned ------------------------------------------------------ */

enum { Q_ALG, Q_CRED, Q_DATE, Q_EXPIRES, Q_SIGNED, Q_SIG, Q_TOKEN, Q_COUNT };

static const char *const q_names[Q_COUNT] = {
    "X-Amz-Algorithm",     "X-Amz-Credential", "X-Amz-Date",           "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature",  "X-Amz-Security-Token",
};

struct presigned_raw {
    struct sigv4_qparam p[Q_COUNT];
    unsigned seen;
};

static int collect_presigned(const char *query, struct presigned_raw *raw)
{
    struct sigv4_qparam p;
    const char *pos = query;
    size_t count = 0;
    raw->seen = 0;
    while (sigv4_query_next(&pos, &p)) {
        if (++count > SIGV4_QUERY_PARAMS_MAX)
            return LY_EINVAL;
        for (int i = 0; i < Q_COUNT; i++) {
            if (p.name_len != strlen(q_names[i]) || memcmp(p.name, q_names[i], p.name_len))
                continue;
            if (raw->seen & (1u << i))
                return LY_EINVAL; /* duplicate auth parameter */
            raw->seen |= 1u << i;
            raw->p[i] = p;
        }
    }
    return 0;
}

static int parse_expires(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (*s == '\0')
        return LY_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > SIGV4_EXPIRES_MAX)
            return LY_EINVAL;
        v = v * 10 + (*s - '0');
    }
    if (v < 1 || v > SIGV4_EXPIRES_MAX)
        return LY_EINVAL;
    *out = v;
    return 0;
}

static int decode_param(const struct sigv4_qparam *p, char *dst, size_t size)
{
    return sigv4_query_decode_into(p->value, p->value_len, dst, size);
}

int sigv4_parse_presigned(const char *query, struct sigv4_auth *out)
{
    struct presigned_raw raw;
    memset(out, 0, sizeof *out);
    int rc = collect_presigned(query ? query : "", &raw);
    if (rc)
        return rc;
    unsigned key = (1u << Q_ALG) | (1u << Q_CRED) | (1u << Q_SIG);
    if (!(raw.seen & key))
        return LY_ENOENT;
    unsigned need = key | (1u << Q_DATE) | (1u << Q_EXPIRES) | (1u << Q_SIGNED);
    if ((raw.seen & need) != need)
        return LY_EINVAL;
    char alg[32], cred[SIGV4_ACCESS_KEY_MAX + SIGV4_SCOPE_SIZE + 2];
    char sig[SIGV4_SIG_HEX_SIZE + 1], expires[16], signed_hdrs[SIGV4_SIGNED_HEADERS_MAX + 1];
    if (decode_param(&raw.p[Q_ALG], alg, sizeof alg))
        return LY_EINVAL;
    if (strcmp(alg, SIGV4_ALGORITHM) != 0)
        return strncmp(alg, "AWS4-", 5) == 0 ? LY_ENOTSUP : LY_EINVAL;
    if (decode_param(&raw.p[Q_CRED], cred, sizeof cred) ||
        parse_credential(cred, strlen(cred), out) ||
        decode_param(&raw.p[Q_DATE], out->datetime, sizeof out->datetime) ||
        decode_param(&raw.p[Q_EXPIRES], expires, sizeof expires) ||
        parse_expires(expires, &out->expires_s) ||
        decode_param(&raw.p[Q_SIGNED], signed_hdrs, sizeof signed_hdrs) ||
        parse_signed_headers(signed_hdrs, strlen(signed_hdrs), out) ||
        decode_param(&raw.p[Q_SIG], sig, sizeof sig) || parse_signature(sig, strlen(sig), out))
        return LY_EINVAL;
    if ((raw.seen & (1u << Q_TOKEN)) &&
        decode_param(&raw.p[Q_TOKEN], out->security_token, sizeof out->security_token))
        return LY_EINVAL;
    out->presigned = 1;
    return 0;
}

/* ---- whole request -------------------------------------------------- */

/* The only value of a header (trimmed); LY_ENOENT when absent, EINVAL when repeated. */
static int header_single(const struct sigv4_request *req, const char *name, const char **v,
                         size_t *n)
{
    int found = 0;
    for (size_t i = 0; i < req->headers_count; i++) {
        if (strcasecmp(req->headers[i].name, name) != 0)
            continue;
        if (found++)
            return LY_EINVAL;
        const char *s = req->headers[i].value;
        while (is_space(*s))
            s++;
        size_t len = strlen(s);
        while (len > 0 && is_space(s[len - 1]))
            len--;
        *v = s;
        *n = len;
    }
    return found ? 0 : LY_ENOENT;
}

static int parse_header_form(const struct sigv4_request *req, struct sigv4_auth *out)
{
    const char *v;
    size_t n;
    int rc = header_single(req, "authorization", &v, &n);
    if (rc)
        return rc;
    char value[SIGV4_AUTHORIZATION_SIZE + 64];
    if (n >= sizeof value)
        return LY_EINVAL;
    memcpy(value, v, n);
    value[n] = '\0';
    rc = sigv4_parse_authorization(value, out);
    if (rc)
        return rc;
    if (header_single(req, "x-amz-date", &v, &n) ||
        copy_field(out->datetime, sizeof out->datetime, v, n))
        return LY_EINVAL;
    rc = header_single(req, "x-amz-security-token", &v, &n);
    if (rc == 0)
        rc = copy_field(out->security_token, sizeof out->security_token, v, n);
    return rc == LY_ENOENT ? 0 : rc;
}

int sigv4_parse_request(const struct sigv4_request *req, struct sigv4_auth *out)
{
    if (req->headers_count > SIGV4_HEADERS_MAX)
        return LY_EINVAL;
    int rc = parse_header_form(req, out);
    if (rc == LY_ENOENT) {
        rc = sigv4_parse_presigned(req->query, out);
    } else if (rc == 0 || rc == LY_ENOTSUP) {
        struct sigv4_auth q;
        int qrc = sigv4_parse_presigned(req->query, &q);
        if (qrc != LY_ENOENT)
            return LY_EINVAL; /* two auth mechanisms in one request */
    }
    if (rc)
        return rc;
    int64_t t;
    if (sigv4_parse_datetime(out->datetime, &t) || memcmp(out->datetime, out->date, 8) != 0)
        return LY_EINVAL;
    return 0;
}

/* ---- time ----------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sigv4_parse_datetime(const char *s, int64_t *epoch_s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return LY_EINVAL;
    if (digits(s, 4, &y) || digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) || digits(s + 9, 2, &h) ||
        digits(s + 11, 2, &mi) || digits(s + 13, 2, &se))
        return LY_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return LY_EINVAL;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return LY_EINVAL;
    *epoch_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

void sigv4_format_datetime(int64_t epoch_s, char out[SIGV4_DATETIME_SIZE])
{
    if (epoch_s < 0)
        epoch_s = 0;
    int64_t days = epoch_s / 86400, secs = epoch_s % 86400;
    /* civil_from_days (H. Hinnant). */
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    int64_t y = yoe + era * 400 + (m <= 2);
    int64_t v[6] = {y % 10000, m, d, secs / 3600, secs / 60 % 60, secs % 60};
    int w[6] = {4, 2, 2, 2, 2, 2};
    char *p = out;
    for (int i = 0; i < 6; i++) {
        if (i == 3)
            *p++ = 'T';
        for (int k = w[i] - 1; k >= 0; k--) {
            p[k] = (char)('0' + v[i] % 10);
            v[i] /= 10;
        }
        p += w[i];
    }
    *p++ = 'Z';
    *p = '\0';
}

int sigv4_check_time(const struct sigv4_auth *auth, int64_t now_s)
{
    int64_t t;
    if (sigv4_parse_datetime(auth->datetime, &t))
        return LY_EINVAL;
    if (!auth->presigned)
        return t - now_s > SIGV4_SKEW_MAX_S || now_s - t > SIGV4_SKEW_MAX_S ? LY_ERANGE : 0;
    if (t - now_s > SIGV4_SKEW_MAX_S)
        return LY_ERANGE;
    return now_s > t + auth->expires_s ? LY_ECOND : 0;
}

enum sigv4_payload sigv4_payload_kind(const char *h)
{
    if (!h)
        return SIGV4_PAYLOAD_INVALID;
    if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
        return SIGV4_PAYLOAD_UNSIGNED;
    if (strcmp(h, SIGV4_STREAMING_PAYLOAD) == 0)
        return SIGV4_PAYLOAD_STREAMING;
    if (strcmp(h, SIGV4_STREAMING_PAYLOAD_TRAILER) == 0)
        return SIGV4_PAYLOAD_STREAMING_TRAILER;
    if (strcmp(h, SIGV4_STREAMING_UNSIGNED_TRAILER) == 0)
        return SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
    size_t n = strlen(h);
    for (size_t i = 0; i < n; i++)
        if (!is_hex(h[i]))
            return SIGV4_PAYLOAD_INVALID;
    return n == 64 ? SIGV4_PAYLOAD_SHA256 : SIGV4_PAYLOAD_INVALID;
}
