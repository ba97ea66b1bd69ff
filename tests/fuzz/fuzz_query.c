/* fuzz_query.c - libFuzzer driver: query-string parsing, percent-decoding and URL encoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/httpmsg.h"
#include "lockyard/pct.h"
#include "lockyard/s3name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct ly_arena a;
    struct ly_qparam *q;
    size_t n;
    ly_arena_init(&a, 1 << 20);
    if (ly_query_parse(&a, s, &q, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!q[i].name || !q[i].value)
                abort();
    }
    char *out = malloc(size + 1);
    long len = out ? ly_pct_decode((const char *)data, size, out, size + 1, LY_PCT_REFUSE_NUL) : -1;
    if (len >= 0) {
        struct ly_buf b;
        ly_buf_init(&b, 1 << 20);
        if (ly_pct_encode(&b, out, (size_t)len, 0) == 0) {
            char *back = malloc(b.len + 1);
            long l2 = back ? ly_pct_decode(b.data ? b.data : "", b.len, back, b.len + 1, LY_PCT_REFUSE_NUL) : -1;
            if (back && (l2 != len || memcmp(back, out, (size_t)len) != 0))
                abort(); /* encode then decode must round-trip */
            free(back);
        }
        ly_buf_cleanup(&b);
        (void)s3name_utf8_valid(out, (size_t)len);
        (void)s3name_bucket_valid(out);
    }
    free(out);
    ly_arena_cleanup(&a);
    free(s);
    return 0;
}
