/* test_ddb_number.c - DynamoDB decimal numbers: parse, canonical text, range, compare, add. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/ddb_num.h"

#define OVERFLOW \
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
#define UNDERFLOW \
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
#define PRECISION "Attempting to store more than 38 significant digits in a Number"
#define NAN_MSG "The parameter cannot be converted to a numeric value"

static const char *canon(const char *in)
{
    static char buf[DDB_NUM_TEXT_MAX];
    static struct ddb_err e;
    struct ddb_num n;
    if (ddb_num_parse(in, strlen(in), &n, &e) != 0)
        return e.msg;
    ddb_num_format(&n, buf, sizeof(buf));
    return buf;
}

static const char *const normalise_cases[][2] = {
    {"0", "0"},
    {"-0", "0"},
    {"+0", "0"},
    {"0.000", "0"},
    {"-0.0e5", "0"},
    {"1", "1"},
    {"+3", "3"},
    {".123", "0.123"},
    {"0001.23", "1.23"},
    {"1e+5", "100000"},
    {"1e3", "1000"},
    {"1E3", "1000"},
    {"1e-3", "0.001"},
    {"-17e5", "-1700000"},
    {"-7.1234", "-7.1234"},
    {"1.50", "1.5"},
    {"-0.50", "-0.5"},
    {".5", "0.5"},
    {"5.", "5"},
    {"100", "100"},
    {"100.00", "100"},
    {"0.0e126", "0"},
    {"12.345e1", "123.45"},
    {"12.345e-1", "1.2345"},
    {"00000000000000000000000000000000000000000000001", "1"},
    {"1000000000000000000000000000000000000000000000000000",
     "1000000000000000000000000000000000000000000000000000"},
    {"3.1415926535897932384626433832795028841", "3.1415926535897932384626433832795028841"},
    {"31415926535897932384626433832795028841e2", "3141592653589793238462643383279502884100"},
    {"-1e-130",
     "-0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
    {"9.9999999999999999999999999999999999999e125",
     "999999999999999999999999999999999999990000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {"1e125",
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {"0.1e-129",
     "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
    {"1e126", OVERFLOW},
    {"11e125", OVERFLOW},
    {"-1e126", OVERFLOW},
    {"0e126", OVERFLOW},
    {"1e999999999999999999999", OVERFLOW},
    {"1e-131", UNDERFLOW},
    {"0.9e-130", UNDERFLOW},
    {"-1e-131", UNDERFLOW},
    {"1e-99999999999999999", UNDERFLOW},
    {"3.14159265358979323846264338327950288419", PRECISION},
    {"314159265358979323846.264338327950288419", PRECISION},
    {"314159265358979323846264338327950288419e30", PRECISION},
    {"", NAN_MSG},
    {"dog", NAN_MSG ": dog"},
    {"NaN", NAN_MSG ": NaN"},
    {"Infinity", NAN_MSG ": Infinity"},
    {"-Infinity", NAN_MSG ": -Infinity"},
    {" 1", NAN_MSG ":  1"},
    {"1 ", NAN_MSG ": 1 "},
    {"1e", NAN_MSG ": 1e"},
    {".", NAN_MSG ": ."},
    {"+", NAN_MSG ": +"},
    {"1.2.3", NAN_MSG ": 1.2.3"},
    {"--1", NAN_MSG ": --1"},
    {"1e+", NAN_MSG ": 1e+"},
    {"0x10", NAN_MSG ": 0x10"},
    {"e5", NAN_MSG ": e5"},
    {"1,5", NAN_MSG ": 1,5"},
};

static void test_normalise(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(normalise_cases) / sizeof(normalise_cases[0]); i++) {
        const char *got = canon(normalise_cases[i][0]);
        if (strcmp(got, normalise_cases[i][1]) != 0)
            fail_msg("parse(\"%s\") = \"%s\", want \"%s\"", normalise_cases[i][0], got,
                     normalise_cases[i][1]);
    }
}

static int cmp_text(const char *a, const char *b)
{
    struct ddb_num x, y;
    assert_int_equal(ddb_num_parse(a, strlen(a), &x, NULL), 0);
    assert_int_equal(ddb_num_parse(b, strlen(b), &y, NULL), 0);
    return ddb_num_cmp(&x, &y);
}

static void test_compare(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"3.10", "3.1", 0}, {"1e3", "1000", 0},   {"-0", "0", 0},     {"1", "2", -1},
        {"-1", "-2", 1},    {"-1", "1", -1},      {"0", "-5", 1},     {"0.001", "0.01", -1},
        {"10", "9", 1},     {"1.01", "1.1", -1},  {"123", "12.3", 1}, {"-123", "-12.3", -1},
        {"1e-130", "0", 1}, {"-1e-130", "0", -1}, {"99", "100", -1},  {"0.5", "0.49", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int c = cmp_text(cases[i].a, cases[i].b);
        c = (c > 0) - (c < 0);
        if (c != cases[i].want)
            fail_msg("cmp(%s, %s) = %d, want %d", cases[i].a, cases[i].b, c, cases[i].want);
        c = cmp_text(cases[i].b, cases[i].a);
        c = (c > 0) - (c < 0);
        assert_int_equal(c, -cases[i].want);
    }
}

static void test_arith(void **state)
{
    (void)state;
    static const struct {
        const char *a;
        char op;
        const char *b, *want;
    } cases[] = {
        {"1", '+', "10000000000000000000000", "10000000000000000000001"},
        {"10000000000000000000000", '-', "1", "9999999999999999999999"},
        {"1", '+', "2", "3"},
        {"1.5", '+', "1.5", "3"},
        {"0.1", '+', "0.2", "0.3"},
        {"5", '-', "7", "-2"},
        {"-5", '-', "-5", "0"},
        {"-5", '+', "5", "0"},
        {"0", '+', "-3.25", "-3.25"},
        {"-3.25", '+', "0", "-3.25"},
        {"0", '-', "4", "-4"},
        {"1e-130", '+', "1e-130",
         "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002"},
        {"-2.5", '+', "1.25", "-1.25"},
        {"2.5", '-', "-1.25", "3.75"},
        {"9e125", '+', "9e125", OVERFLOW},
        {"9e125", '-', "-9e125", OVERFLOW},
        {"1e50", '+', "1", OVERFLOW},
        {"1e50", '-', "1", OVERFLOW},
        {"1.0000000000000000000000000000000000001e-100", '-', "1e-100", UNDERFLOW},
        {"99999999999999999999999999999999999999", '+', "1",
         "100000000000000000000000000000000000000"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ddb_num a, b, r;
        struct ddb_err e;
        char buf[DDB_NUM_TEXT_MAX];
        assert_int_equal(ddb_num_parse(cases[i].a, strlen(cases[i].a), &a, NULL), 0);
        assert_int_equal(ddb_num_parse(cases[i].b, strlen(cases[i].b), &b, NULL), 0);
        int rc = cases[i].op == '+' ? ddb_num_add(&a, &b, &r, &e) : ddb_num_sub(&a, &b, &r, &e);
        const char *got = rc ? e.msg : (ddb_num_format(&r, buf, sizeof(buf)), buf);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s %c %s = %s, want %s", cases[i].a, cases[i].op, cases[i].b, got,
                     cases[i].want);
        if (rc)
            assert_int_equal(e.type, AWS_DDB_VALIDATION);
    }
}

static void test_ints(void **state)
{
    (void)state;
    static const int64_t vals[] = {0, 1, -1, 10, 100, 12345, -9876543210, 1000000};
    static const char *const texts[] = {"0",   "1",     "-1",          "10",
                                        "100", "12345", "-9876543210", "1000000"};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        struct ddb_num n;
        char buf[DDB_NUM_TEXT_MAX];
        int64_t back;
        ddb_num_from_i64(vals[i], &n);
        ddb_num_format(&n, buf, sizeof(buf));
        assert_string_equal(buf, texts[i]);
        assert_true(ddb_num_to_i64(&n, &back));
        assert_int_equal(back, vals[i]);
    }
    struct ddb_num n;
    int64_t v;
    assert_int_equal(ddb_num_parse("1.5", 3, &n, NULL), 0);
    assert_false(ddb_num_to_i64(&n, &v));
    assert_int_equal(ddb_num_parse("1e30", 4, &n, NULL), 0);
    assert_false(ddb_num_to_i64(&n, &v));
    /* sizes: 1 + ceil(digits/2), +1 negative */
    assert_int_equal(ddb_num_parse("123", 3, &n, NULL), 0);
    assert_int_equal(ddb_num_size_bytes(&n), 3);
    assert_int_equal(ddb_num_parse("-1000", 5, &n, NULL), 0);
    assert_int_equal(ddb_num_size_bytes(&n), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_ints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
