/* test_httphead.c - the connection guard's request-head check and chunk-size parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/err.h"
#include "lockyard/httphead.h"

static int check(const char *head, struct httphead *h)
{
    return httphead_check(head, strlen(head), h);
}

static void test_framing(void **state)
{
    (void)state;
    struct httphead h;
    assert_int_equal(check("PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n", &h), 0);
    assert_int_equal(h.framing, HTTPHEAD_LENGTH);
    assert_int_equal(h.content_length, 5);
    assert_int_equal(check("POST / HTTP/1.0\nTransfer-Encoding: Chunked \n", &h), 0);
    assert_int_equal(h.framing, HTTPHEAD_CHUNKED);
    assert_int_equal(check("GET / HTTP/1.1\r\nHost: x\r\n", &h), 0);
    assert_int_equal(h.framing, HTTPHEAD_NO_BODY);
    assert_int_equal(check("HEAD / HTTP/1.1\r\nContent-Length: 0\r\n", &h), 0);
    assert_int_equal(h.framing, HTTPHEAD_NO_BODY);
    const char *refused[] = {
        "PUT / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 60\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: -1\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: 1 2\r\n",
        "HEAD / HTTP/1.1\r\nContent-Length: 60\r\n",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(check(refused[i], &h), LY_EINVAL);
        assert_int_equal(aws_err_def(h.refusal.code)->status, 400);
        assert_string_equal(aws_err_def(h.refusal.code)->code, "BadRequest");
    }
    assert_int_equal(check("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n", &h), LY_EINVAL);
    assert_int_equal(aws_err_def(h.refusal.code)->status, 501);
    assert_string_equal(h.refusal.header, "Transfer-Encoding");
}

static void test_lines(void **state)
{
    (void)state;
    struct httphead h;
    const char *bad[] = {"GARBAGE\r\n",
                         "GET /\r\n",
                         "GET  / HTTP/1.1\r\n",
                         "GET / HTTP/2.0\r\n",
                         "GET / HTTP/1.1\r\nX-A : b\r\n",
                         "GET / HTTP/1.1\r\nX-A: b\r\n c\r\n",
                         "GET / HTTP/1.1\r\nX-A: b\x01\r\n",
                         "GET / HTTP/1.1\r\n: b\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(check(bad[i], &h), LY_EINVAL);
        assert_int_equal(aws_err_def(h.refusal.code)->status, 400);
    }
    assert_int_equal(check("BREW / HTTP/1.1\r\n", &h), LY_EINVAL);
    assert_int_equal(aws_err_def(h.refusal.code)->status, 405);
    char many[300 * 16 + 64] = "GET / HTTP/1.1\r\n";
    size_t len = strlen(many);
    for (int i = 0; i < 257; i++, len += 8)
        memcpy(many + len, "X-A: b\r\n", 9);
    assert_int_equal(check(many, &h), LY_EINVAL);
    assert_string_equal(aws_err_def(h.refusal.code)->code, "RequestHeaderSectionTooLarge");
}

static void test_chunk_size(void **state)
{
    (void)state;
    uint64_t n;
    assert_int_equal(httphead_chunk_size("5;foo=bar", 9, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(httphead_chunk_size("1aF ; a=\"b\"", 11, &n), 0);
    assert_int_equal(n, 0x1af);
    assert_int_equal(httphead_chunk_size("0", 1, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(httphead_chunk_size("", 0, &n), LY_EINVAL);
    assert_int_equal(httphead_chunk_size("zz", 2, &n), LY_EINVAL);
    assert_int_equal(httphead_chunk_size("5 x", 3, &n), LY_EINVAL);
    assert_int_equal(httphead_chunk_size("1000000000000000", 16, &n), LY_EINVAL);
}

static void test_head_end(void **state)
{
    (void)state;
    size_t text = 0;
    const char crlf[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
    assert_int_equal(httphead_end(crlf, strlen(crlf), &text), strlen(crlf) - 4);
    assert_int_equal(text, strlen("GET / HTTP/1.1\r\nHost: x\r\n")); /* with its last line end */
    const char lf[] = "GET / HTTP/1.1\nHost: x\n\n";
    assert_int_equal(httphead_end(lf, strlen(lf), &text), strlen(lf));
    assert_int_equal(text, strlen(lf) - 1);
    const char partial[] = "GET / HTTP/1.1\r\nHost: x\r\n\r";
    assert_int_equal(httphead_end(partial, strlen(partial), &text), 0);
    assert_int_equal(httphead_end("", 0, &text), 0);
}

/* Every byte in a method: a token character (RFC 9110 tchar) makes an unknown method (405),
 * anything else a malformed request line (400). */
static void test_token_bytes(void **state)
{
    (void)state;
    const char *others = "!#$%&'*+-.^_`|~";
    for (int c = 0; c < 256; c++) {
        int tchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c && strchr(others, c));
        char head[] = "X?X / HTTP/1.1\r\nHost: x\r\n";
        struct httphead h;
        head[1] = (char)c;
        assert_int_equal(httphead_check(head, sizeof head - 1, &h), LY_EINVAL);
        assert_int_equal(aws_err_def(h.refusal.code)->status, tchar ? 405 : 400);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),     cmocka_unit_test(test_lines),
        cmocka_unit_test(test_chunk_size),  cmocka_unit_test(test_head_end),
        cmocka_unit_test(test_token_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
