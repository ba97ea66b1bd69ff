/*
 * ddb_num.h - DynamoDB decimal numbers.
 *
 * A DynamoDB number has at most 38 significant decimal digits and a magnitude
 * of 1E-130 .. 9.99..9E+125 (or zero). Numbers arrive as JSON strings; they
 * are parsed into struct ddb_num (a normalised sign/digits/exponent triple:
 * no leading or trailing zero digits, -0 is 0), compared by value, added and
 * subtracted exactly, and printed in DynamoDB's canonical plain-decimal form
 * ("1e3" -> "1000", "-0.50" -> "-0.5", ".5" -> "0.5"; never scientific).
 *
 * All functions are pure; struct ddb_num is a plain value (copy freely).
 */
#ifndef LOCKYARD_DDB_NUM_H
#define LOCKYARD_DDB_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockyard/ddb_err.h"

#define DDB_NUM_DIGITS_MAX 38
#define DDB_NUM_EXP_MAX 125    /* largest allowed decimal exponent (d.ddd E+125) */
#define DDB_NUM_EXP_MIN (-130) /* smallest allowed decimal exponent (d.ddd E-130) */
#define DDB_NUM_TEXT_MAX 176   /* longest canonical text plus NUL */

struct ddb_num {
    int8_t sign;                   /* -1, 0 or +1; zero has ndig == 0 */
    uint8_t ndig;                  /* significant digits, 0..38 */
    int16_t exp;                   /* value = sign * 0.d[0]d[1]..d[ndig-1] * 10^exp */
    uint8_t d[DDB_NUM_DIGITS_MAX]; /* digit values 0..9; d[0] and d[ndig-1] non-zero */
};

/**
 * Parses the text of a DynamoDB number ("+3", ".123", "0001.23", "-17.4E37").
 * s need not be NUL-terminated. No whitespace is accepted.
 * Errors (ValidationException, LY_EINVAL), in DynamoDB's words:
 *   "The parameter cannot be converted to a numeric value" (empty input),
 *   "The parameter cannot be converted to a numeric value: <s>",
 *   "Number overflow. Attempting to store a number with magnitude larger than supported range",
 *   "Number underflow. Attempting to store a number with magnitude smaller than supported range",
 *   "Attempting to store more than 38 significant digits in a Number".
 */
int ddb_num_parse(const char *s, size_t len, struct ddb_num *out, struct ddb_err *err);

/** Sets out to the integer v (used for size()). */
void ddb_num_from_i64(int64_t v, struct ddb_num *out);

/**
 * Converts n to an integer if it is one and fits in [INT64_MIN/2, INT64_MAX/2].
 * @return true on success.
 */
bool ddb_num_to_i64(const struct ddb_num *n, int64_t *out);

/**
 * Writes the canonical text of n into buf (NUL-terminated; cap >= DDB_NUM_TEXT_MAX
 * always suffices). @return the text length (excluding NUL).
 */
size_t ddb_num_format(const struct ddb_num *n, char *buf, size_t cap);

/** Numeric comparison: <0, 0 or >0. */
int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b);

/**
 * out = a + b / a - b, exactly. A result outside the range, or one that would
 * need more than 38 significant digits, fails with LY_EINVAL and
 * "Number overflow. Attempting to store a number with magnitude larger than
 * supported range" (DynamoDB reports imprecise results with the overflow text)
 * or the underflow text. out may alias a or b.
 */
int ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                struct ddb_err *err);
int ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                struct ddb_err *err);

/** Storage size in bytes as AWS counts it for the 400 KB item limit. */
size_t ddb_num_size_bytes(const struct ddb_num *n);

#endif
