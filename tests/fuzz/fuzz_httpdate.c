/* fuzz_httpdate.c - libFuzzer driver: HTTP-date / ISO 8601 parsing and the read-precondition
 * evaluator fed with arbitrary header values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms;
    char out[LY_HTTPDATE_LEN], iso[LY_ISODATE_LEN];
    if (ly_httpdate_parse(s, &ms) == 0) {
        ly_httpdate_format(ms, out);
        int64_t back;
        if (ly_httpdate_parse(out, &back) != 0 || back != ms)
            abort(); /* formatting then parsing must round-trip */
    }
    if (ly_isodate_parse(s, &ms) == 0)
        ly_isodate_format(ms, iso);
    /* Split the input into four header values at NUL-free '|' separators. */
    const char *parts[4] = {NULL, NULL, NULL, NULL};
    char *p = s;
    for (int i = 0; i < 4 && p; i++) {
        parts[i] = p;
        p = strchr(p, '|');
        if (p)
            *p++ = '\0';
    }
    struct s3cond_read c = {parts[0], parts[1], parts[2], parts[3]};
    int failed;
    s3cond_eval_read(&c, "\"abc\"", 1700000000000LL, 1800000000000LL, &failed);
    struct s3cond_write w = {parts[0], parts[1]};
    struct s3cond_reject why;
    const char *cond;
    if (s3cond_write_validate(&w, &why) == 0)
        s3cond_eval_write(&w, parts[2], &cond);
    free(s);
    return 0;
}
