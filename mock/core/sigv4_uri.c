/* sigv4_uri.c - query splitting (see sigv4_uri.h). */
#include "lockyard/pct.h"
#include "sigv4_uri.h"

#include <string.h>

#include "lockyard/err.h"

int sigv4_query_next(const char **pos, struct sigv4_qparam *p)
{
    const char *s = *pos;
    if (!s)
        return 0;
    while (*s == '&')
        s++;
    if (*s == '\0') {
        *pos = s;
        return 0;
    }
    const char *end = strchr(s, '&');
    if (!end)
        end = s + strlen(s);
    const char *eq = memchr(s, '=', (size_t)(end - s));
    p->name = s;
    if (eq) {
        p->name_len = (size_t)(eq - s);
        p->value = eq + 1;
        p->value_len = (size_t)(end - eq - 1);
    } else {
        p->name_len = (size_t)(end - s);
        p->value = end;
        p->value_len = 0;
    }
    *pos = end;
    return 1;
}

int sigv4_query_decode_into(const char *s, size_t n, char *dst, size_t size)
{
    struct ly_buf b;
    ly_buf_init(&b, size - 1);
    int rc = ly_pct_decode_buf(&b, s, n, LY_PCT_PLUS_SPACE);
    if (rc == 0) {
        if (memchr(b.data, '\0', b.len))
            rc = LY_EINVAL; /* an encoded NUL would truncate the value */
        else
            memcpy(dst, b.data, b.len + 1);
    } else {
        rc = LY_EINVAL;
    }
    ly_buf_cleanup(&b);
    return rc;
}
