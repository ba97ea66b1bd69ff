/* fuzz_httphead.c - libFuzzer driver: the connection guard's request-head check and chunk-size
 * line parser on arbitrary bytes (a passed head has exactly one framing and sane counts), and
 * the listing's XML-safety test for keys (a safe key is valid UTF-8). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/httphead.h"
#include "lockyard/s3name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct httphead h;
    if (httphead_check((const char *)data, size, &h) == 0) {
        if (h.nheaders > HTTPHEAD_HEADERS_MAX || (h.head_method && h.framing != HTTPHEAD_NO_BODY))
            abort();
    } else if (!h.refusal.code || aws_err_def(h.refusal.code)->status < 400) {
        abort(); /* every refusal is an answer */
    }
    uint64_t n;
    if (httphead_chunk_size((const char *)data, size, &n) == 0 && n >> 60)
        abort();
    char *key = malloc(size + 1);
    if (key) {
        memcpy(key, data, size);
        key[size] = '\0';
        if (s3name_xml_safe(key) && !s3name_utf8_valid(key, strlen(key)))
            abort();
        free(key);
    }
    return 0;
}
