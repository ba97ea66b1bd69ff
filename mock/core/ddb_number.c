/*
 * ddb_number.c - DynamoDB decimal numbers: parse, normalise, format, compare,
 * exact add/subtract (see ddb_num.h). Pure: no I/O, no globals.
 */
#include "lockyard/ddb_num.h"

#include <string.h>

#define MSG_NAN "The parameter cannot be converted to a numeric value"
#define MSG_OVERFLOW \
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define MSG_UNDERFLOW \
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
#define MSG_PRECISION "Attempting to store more than 38 significant digits in a Number"

/* Exponents in the input beyond this are saturated; they are out of range anyway. */
#define EXP_SATURATE 1000000000LL

/*
 * Places for exact arithmetic: digit i of a number has place exp-1-i. Valid
 * numbers use places -168..125; a sum can reach 126.
 */
#define PLACE_BIAS 172
#define PLACES 304

struct scan {
    size_t int_digits;  /* mantissa digits before '.' */
    size_t frac_digits; /* mantissa digits after '.' */
    long long e;        /* explicit exponent (saturated) */
};

/* Checks the syntax and collects the mantissa shape; true if well-formed. */
static bool num_scan(const char *s, size_t len, struct scan *sc)
{
    size_t i = 0;
    memset(sc, 0, sizeof(*sc));
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        sc->int_digits++;
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            sc->frac_digits++;
            i++;
        }
    }
    if (sc->int_digits + sc->frac_digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        bool neg = false;
        size_t start;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            neg = s[i++] == '-';
        start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (sc->e < EXP_SATURATE)
                sc->e = sc->e * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            return false;
        if (neg)
            sc->e = -sc->e;
    }
    return i == len;
}

/* Range and precision checks on a normalised magnitude; exp10 = sci exponent. */
static int num_check(long long exp10, size_t ndig, struct ddb_err *err)
{
    if (exp10 > DDB_NUM_EXP_MAX)
        return ddb_err_valid(err, "%s", MSG_OVERFLOW);
    if (exp10 < DDB_NUM_EXP_MIN)
        return ddb_err_valid(err, "%s", MSG_UNDERFLOW);
    if (ndig > DDB_NUM_DIGITS_MAX)
        return ddb_err_valid(err, "%s", MSG_PRECISION);
    return 0;
}

int ddb_num_parse(const char *s, size_t len, struct ddb_num *out, struct ddb_err *err)
{
    struct scan sc;
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return ddb_err_valid(err, "%s", MSG_NAN);
    if (!num_scan(s, len, &sc))
        return ddb_err_valid(err, "%s: %.*s", MSG_NAN, (int)(len > 512 ? 512 : len), s);
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    int8_t sign = s[0] == '-' ? -1 : 1;
    /* Walk the mantissa digits, skipping '.', to find the significant span. */
    long long lead = 0; /* zero digits before the first non-zero one */
    size_t first = 0, last = 0, pos = 0;
    bool any = false;
    for (size_t k = i; pos < sc.int_digits + sc.frac_digits; k++) {
        if (s[k] == '.')
            continue;
        if (s[k] != '0') {
            if (!any)
                first = pos;
            any = true;
            last = pos;
        } else if (!any) {
            lead++;
        }
        pos++;
    }
    if (!any) {
        /* Zero. DynamoDB (Java BigDecimal) rejects a zero whose written exponent,
         * less its fraction digits, exceeds the maximum: "0e126" but not "0.0e126". */
        if (sc.e - (long long)sc.frac_digits > DDB_NUM_EXP_MAX)
            return ddb_err_valid(err, "%s", MSG_OVERFLOW);
        return 0;
    }
    long long exp = (long long)sc.int_digits + sc.e - lead;
    size_t ndig = last - first + 1;
    int rc = num_check(exp - 1, ndig, err);
    if (rc)
        return rc;
    out->sign = sign;
    out->ndig = (uint8_t)ndig;
    out->exp = (int16_t)exp;
    pos = 0;
    for (size_t k = i; pos <= last; k++) {
        if (s[k] == '.')
            continue;
        if (pos >= first)
            out->d[pos - first] = (uint8_t)(s[k] - '0');
        pos++;
    }
    return 0;
}

void ddb_num_from_i64(int64_t v, struct ddb_num *out)
{
    uint8_t tmp[20];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    memset(out, 0, sizeof(*out));
    if (v == 0)
        return;
    while (u) {
        tmp[n++] = (uint8_t)(u % 10);
        u /= 10;
    }
    out->sign = v < 0 ? -1 : 1;
    out->exp = (int16_t)n;
    size_t lo = 0;
    while (tmp[lo] == 0)
        lo++;
    for (size_t k = 0; k < n - lo; k++)
        out->d[k] = tmp[n - 1 - k];
    out->ndig = (uint8_t)(n - lo);
}

bool ddb_num_to_i64(const struct ddb_num *n, int64_t *out)
{
    int64_t v = 0;
    if (n->sign == 0) {
        *out = 0;
        return true;
    }
    if (n->exp < n->ndig || n->exp > 18)
        return false;
    for (int k = 0; k < n->exp; k++)
        v = v * 10 + (k < n->ndig ? n->d[k] : 0);
    if (v > INT64_MAX / 2)
        return false;
    *out = n->sign < 0 ? -v : v;
    return true;
}

size_t ddb_num_format(const struct ddb_num *n, char *buf, size_t cap)
{
    char tmp[DDB_NUM_TEXT_MAX];
    size_t k = 0;
    if (n->sign == 0) {
        tmp[k++] = '0';
    } else {
        if (n->sign < 0)
            tmp[k++] = '-';
        if (n->exp <= 0) {
            tmp[k++] = '0';
            tmp[k++] = '.';
            for (int z = 0; z < -n->exp; z++)
                tmp[k++] = '0';
            for (int i = 0; i < n->ndig; i++)
                tmp[k++] = (char)('0' + n->d[i]);
        } else {
            int total = n->exp > n->ndig ? n->exp : n->ndig;
            for (int i = 0; i < total; i++) {
                if (i == n->exp)
                    tmp[k++] = '.';
                tmp[k++] = (char)('0' + (i < n->ndig ? n->d[i] : 0));
            }
        }
    }
    tmp[k] = '\0';
    if (cap) {
        size_t c = k < cap ? k : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return k;
}

static int mag_cmp(const struct ddb_num *a, const struct ddb_num *b)
{
    if (a->exp != b->exp)
        return a->exp < b->exp ? -1 : 1;
    int n = a->ndig < b->ndig ? a->ndig : b->ndig;
    for (int i = 0; i < n; i++)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return (a->ndig > b->ndig) - (a->ndig < b->ndig);
}

int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b)
{
    if (a->sign != b->sign)
        return a->sign < b->sign ? -1 : 1;
    if (a->sign == 0)
        return 0;
    int m = mag_cmp(a, b);
    return a->sign > 0 ? m : -m;
}

static void place_spread(const struct ddb_num *n, int8_t *pl)
{
    for (int i = 0; i < n->ndig; i++)
        pl[n->exp - 1 - i + PLACE_BIAS] = (int8_t)n->d[i];
}

/* Normalises the place array into out (sign given); checks range. */
static int place_collect(const int8_t *pl, int8_t sign, struct ddb_num *out, struct ddb_err *err)
{
    int hi = PLACES - 1, lo = 0;
    while (hi >= 0 && pl[hi] == 0)
        hi--;
    memset(out, 0, sizeof(*out));
    if (hi < 0)
        return 0;
    while (pl[lo] == 0)
        lo++;
    long long exp10 = hi - PLACE_BIAS;
    size_t ndig = (size_t)(hi - lo + 1);
    if (exp10 <= DDB_NUM_EXP_MAX && exp10 >= DDB_NUM_EXP_MIN && ndig > DDB_NUM_DIGITS_MAX)
        return ddb_err_valid(err, "%s", MSG_OVERFLOW);
    int rc = num_check(exp10, ndig, err);
    if (rc)
        return rc;
    out->sign = sign;
    out->exp = (int16_t)(exp10 + 1);
    out->ndig = (uint8_t)ndig;
    for (int p = hi, i = 0; p >= lo; p--, i++)
        out->d[i] = (uint8_t)pl[p];
    return 0;
}

/* Magnitude arithmetic: |big| +/- |small| with |big| >= |small|. */
static int mag_addsub(const struct ddb_num *big, const struct ddb_num *small, bool add, int8_t sign,
                      struct ddb_num *out, struct ddb_err *err)
{
    int8_t x[PLACES], y[PLACES];
    memset(x, 0, sizeof(x));
    memset(y, 0, sizeof(y));
    place_spread(big, x);
    place_spread(small, y);
    int carry = 0;
    for (int p = 0; p < PLACES; p++) {
        int v = add ? x[p] + y[p] + carry : x[p] - y[p] - carry;
        carry = 0;
        if (v >= 10) {
            v -= 10;
            carry = 1;
        } else if (v < 0) {
            v += 10;
            carry = 1;
        }
        x[p] = (int8_t)v;
    }
    return place_collect(x, sign, out, err);
}

int ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                struct ddb_err *err)
{
    if (a->sign == 0) {
        *out = *b;
        return 0;
    }
    if (b->sign == 0) {
        *out = *a;
        return 0;
    }
    if (a->sign == b->sign)
        return mag_addsub(a, b, true, a->sign, out, err);
    int m = mag_cmp(a, b);
    if (m == 0) {
        memset(out, 0, sizeof(*out));
        return 0;
    }
    return m > 0 ? mag_addsub(a, b, false, a->sign, out, err)
                 : mag_addsub(b, a, false, b->sign, out, err);
}

int ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                struct ddb_err *err)
{
    struct ddb_num nb = *b;
    nb.sign = (int8_t)-nb.sign;
    return ddb_num_add(a, &nb, out, err);
}

size_t ddb_num_size_bytes(const struct ddb_num *n)
{
    /* AWS: about one byte per two significant digits, plus one; dynalite adds
     * one more for negative numbers. */
    size_t sz = 1 + ((size_t)n->ndig + 1) / 2;
    if (n->sign < 0)
        sz++;
    return sz;
}
