/* test_http_phrase.c - net_reason_phrase (mock/net/http.c) against libevent: http.c sends the
 * reason phrase itself, with the leading reply headers after it, so every phrase it knows must
 * be the one libevent would have written for that status (evhttp_response_code_, the function
 * evhttp_send_reply sets the status line with; exported by libevent but not in its headers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <event2/http.h>

#include "../../mock/net/net_internal.h"

void evhttp_response_code_(struct evhttp_request *req, int code, const char *reason);

static void test_phrases_are_libevents(void **state)
{
    (void)state;
    struct evhttp_request *r = evhttp_request_new(NULL, NULL);
    assert_non_null(r);
    int known = 0;
    for (int status = 100; status <= 599; status++) {
        const char *mine = net_reason_phrase(status);
        if (!mine)
            continue;
        known++;
        evhttp_response_code_(r, status, NULL);
        const char *theirs = evhttp_request_get_response_code_line(r);
        assert_non_null(theirs);
        if (strcmp(mine, theirs) != 0)
            fail_msg("status %d: http.c says \"%s\", libevent \"%s\"", status, mine, theirs);
    }
    evhttp_request_free(r);
    assert_true(known >= 10); /* the common answers take the short way */
}

/* The statuses S3 and DynamoDB answer most often are in the table. */
static void test_common_statuses_known(void **state)
{
    (void)state;
    static const int common[] = {200, 204, 206, 304, 400, 403, 404, 409, 412, 500, 503};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        assert_non_null(net_reason_phrase(common[i]));
    assert_null(net_reason_phrase(307)); /* libevent answers it with its class name: its own way */
    assert_null(net_reason_phrase(599));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrases_are_libevents),
        cmocka_unit_test(test_common_statuses_known),
    };
    return cmocka_run_group_tests_name("http_phrase", tests, NULL, NULL);
}
