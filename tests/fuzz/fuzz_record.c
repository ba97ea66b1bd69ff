/* fuzz_record.c - libFuzzer driver: the stored-record decoder must reject any corrupt record
 * cleanly, and re-encoding a decoded record must decode to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../mock/store/store_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ly_arena a;
    struct store_obj o, o2;
    struct store_bucket b;
    ly_arena_init(&a, 64 << 20);
    if (record_obj_decode(data, size, &a, &o) == 0) {
        struct ly_buf buf;
        ly_buf_init(&buf, 64 << 20);
        if (record_obj_encode(&o, &buf) == 0) {
            if (record_obj_decode(buf.data, buf.len, &a, &o2) != 0 || o2.size != o.size ||
                strcmp(o2.etag, o.etag) != 0 || o2.nmeta != o.nmeta)
                abort();
        }
        ly_buf_cleanup(&buf);
    }
    (void)record_bucket_decode("b", data, size, &a, &b);
    ly_arena_cleanup(&a);
    return 0;
}
