/* fuzz_s3_policy.c - libFuzzer driver: the bucket-policy parser must accept or reject any
 * document cleanly, and evaluating what it accepted must never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/s3policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ly_arena a;
    struct s3policy *p = NULL;
    const char *why = NULL;
    ly_arena_init(&a, 64 << 20);
    int rc = s3policy_parse((const char *)data, size, &a, &p, &why);
    if (rc == 0) {
        static const char *const actions[] = {"s3:PutObject", "s3:DeleteObject", "s3:GetObject"};
        static const char *const values[] = {NULL, "*", "\"abc\""};
        for (int i = 0; i < 27; i++) {
            struct s3policy_req r = {actions[i % 3], "arn:aws:s3:::bkt/key", values[(i / 3) % 3],
                                     values[i / 9], i & 1};
            (void)s3policy_denies(p, &r);
        }
        struct ly_buf b;
        ly_buf_init(&b, 1 << 20);
        if (s3policy_unenforced(p, &b) != 0 && b.len == 0)
            abort(); /* an error must come from the buffer cap, never from an empty report */
        ly_buf_cleanup(&b);
    } else if (rc == LY_EINVAL && !why) {
        abort(); /* every MalformedPolicy has a message */
    }
    ly_arena_cleanup(&a);
    return 0;
}
