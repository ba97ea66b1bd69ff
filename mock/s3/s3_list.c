/*
 * s3_list.c - ListObjectsV2 and ListObjects (v1): prefix, delimiter → CommonPrefixes,
 * max-keys, continuation tokens / markers, start-after, fetch-owner, encoding-type=url.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3name.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS_DEFAULT 1000

struct list_state {
    struct s3_call *c;
    struct ly_buf *b;
    const char *prefix, *delimiter, *after; /* after: skip keys <= this one */
    int url, owner, v2;
    long max_keys, count;
    const char *last_prefix; /* last CommonPrefix emitted */
    const char *next_marker; /* last key or prefix emitted */
    int truncated;
    int xml_unsafe;         /* a value XML 1.0 cannot carry was met without encoding-type */
    struct ly_buf prefixes; /* <CommonPrefixes> elements, emitted after <Contents> */
};

static int add_text(struct list_state *st, struct ly_buf *b, const char *name, const char *v)
{
    return s3_list_elem(b, name, v, st->url, &st->xml_unsafe);
}

static int add_contents(struct list_state *st, const char *key, const struct store_obj *o)
{
    char date[LY_ISODATE_LEN], size[24];
    ly_isodate_format(o->mtime_ms, date);
    char *sp = size + sizeof size - 1;
    uint64_t n = o->size;
    *sp = '\0';
    do
        *--sp = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    struct ly_buf *b = st->b;
    int rc = ly_buf_adds(b, "<Contents>");
    if (!rc)
        rc = add_text(st, b, "Key", key);
    if (!rc)
        rc = s3_xml_elem(b, "LastModified", date);
    if (!rc)
        rc = ly_buf_adds(b, "<ETag>&quot;");
    if (!rc)
        rc = ly_buf_adds(b, o->etag);
    if (!rc)
        rc = ly_buf_adds(b, "&quot;</ETag>");
    if (!rc && o->checksum_alg)
        rc = s3_xml_elem(b, "ChecksumAlgorithm", o->checksum_alg);
    if (!rc && o->checksum_alg)
        rc = s3_xml_elem(b, "ChecksumType", "FULL_OBJECT");
    if (!rc)
        rc = s3_xml_elem(b, "Size", sp);
    if (!rc && st->owner)
        rc = ly_buf_adds(b, S3_OWNER_XML("Owner"));
    if (!rc)
        rc = s3_xml_elem(b, "StorageClass", o->storage_class ? o->storage_class : "STANDARD");
    if (!rc)
        rc = ly_buf_adds(b, "</Contents>");
    return rc;
}

static int visit(void *ctx, const char *key, const struct store_obj *o)
{
    struct list_state *st = ctx;
    if (st->after && strcmp(key, st->after) <= 0)
        return 0;
    size_t cpl = s3_list_rollup(key, st->prefix, st->delimiter);
    const char *cp = cpl ? key : NULL;
    if (cp && s3_list_same_prefix(st->last_prefix, cp, cpl))
        return 0; /* rolls up into the prefix just emitted */
    if (cp && s3_list_same_prefix(st->after, cp, cpl))
        return 0; /* the marker itself was this prefix */
    if (st->count >= st->max_keys) {
        st->truncated = 1;
        return 1;
    }
    st->count++;
    if (cp) {
        int rc = s3_list_common_prefix(st->c, &st->prefixes, cp, cpl, st->url, &st->xml_unsafe,
                                       &st->last_prefix);
        st->next_marker = st->last_prefix;
        return rc;
    }
    st->next_marker = ly_arena_strdup(st->c->a, key);
    return st->next_marker ? add_contents(st, key, o) : LY_ENOMEM;
}

static const char *token_encode(struct s3_call *c, const char *marker)
{
    size_t n = strlen(marker);
    char *out = ly_arena_alloc(c->a, 4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)marker, (int)n);
    return out;
}

static const char *token_decode(struct s3_call *c, const char *tok)
{
    size_t n = strlen(tok);
    if (n == 0 || n % 4 || n > 4096)
        return NULL;
    unsigned char *out = ly_arena_alloc(c->a, n);
    if (!out)
        return NULL;
    int len = EVP_DecodeBlock(out, (const unsigned char *)tok, (int)n);
    if (len < 0)
        return NULL;
    while (n && tok[n - 1] == '=') {
        n--;
        len--;
    }
    out[len] = '\0';
    return memchr(out, '\0', (size_t)len) ? NULL : (const char *)out;
}

/* Reads the request parameters; 0 or an error was answered. */
static int list_params_or_reply(struct s3_call *c, struct list_state *st)
{
    st->prefix = s3_qval(c, "prefix");
    st->delimiter = s3_qval(c, "delimiter");
    if (st->delimiter && !st->delimiter[0])
        st->delimiter = NULL; /* AWS: an empty delimiter is none, and is not echoed */
    if (s3_list_max_keys_or_reply(c, MAX_KEYS_DEFAULT, &st->max_keys) ||
        s3_list_encoding_or_reply(c, &st->url))
        return LY_EINVAL;
    if (st->v2) {
        const char *tok = s3_qval(c, "continuation-token"), *fo = s3_qval(c, "fetch-owner");
        st->owner = fo && strcmp(fo, "true") == 0;
        st->after = s3_qval(c, "start-after");
        if (tok) {
            st->after = token_decode(c, tok);
            if (!st->after) {
                s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                         "The continuation token provided is incorrect", "ArgumentName",
                         "continuation-token", NULL);
                return LY_EINVAL;
            }
        }
    } else {
        st->owner = 1;
        st->after = s3_qval(c, "marker");
    }
    if (st->after && !*st->after)
        st->after = NULL;
    return 0;
}

static int list_header(struct list_state *st)
{
    struct s3_call *c = st->c;
    struct ly_buf *b = st->b;
    int rc = s3_xml_begin(b, "ListBucketResult");
    if (!rc)
        rc = s3_xml_elem(b, "Name", c->req->bucket);
    if (!rc)
        rc = add_text(st, b, "Prefix", st->prefix ? st->prefix : "");
    if (st->v2) {
        const char *tok = s3_qval(c, "continuation-token"), *sa = s3_qval(c, "start-after");
        if (!rc && tok)
            rc = s3_xml_elem(b, "ContinuationToken", tok);
        if (!rc && sa)
            rc = add_text(st, b, "StartAfter", sa);
        if (!rc)
            rc = ly_buf_addf(b, "<KeyCount>%ld</KeyCount>", st->count);
    } else {
        const char *m = s3_qval(c, "marker");
        if (!rc)
            rc = add_text(st, b, "Marker", m ? m : "");
    }
    if (!rc)
        rc = ly_buf_addf(b, "<MaxKeys>%ld</MaxKeys>", st->max_keys);
    if (!rc && st->delimiter)
        rc = add_text(st, b, "Delimiter", st->delimiter);
    if (!rc && st->url)
        rc = s3_xml_elem(b, "EncodingType", "url");
    if (!rc)
        rc = s3_xml_elem(b, "IsTruncated", st->truncated ? "true" : "false");
    if (!rc && st->truncated && st->v2)
        rc = s3_xml_elem(b, "NextContinuationToken", token_encode(c, st->next_marker));
    if (!rc && st->truncated && !st->v2 && st->delimiter)
        rc = add_text(st, b, "NextMarker", st->next_marker);
    return rc;
}

static void list_restart(struct list_state *st, struct ly_buf *contents)
{
    ly_buf_reset(contents);
    ly_buf_reset(&st->prefixes);
    ly_buf_reset(&st->c->resp->body);
    st->b = contents;
    st->url = 1;
    st->count = 0;
    st->truncated = 0;
    st->last_prefix = st->next_marker = NULL;
}

static void list_objects(struct s3_call *c, int v2)
{
    struct list_state st;
    struct ly_buf contents;
    memset(&st, 0, sizeof st);
    st.c = c;
    st.v2 = v2;
    ly_buf_init(&contents, 64u << 20);
    ly_buf_init(&st.prefixes, 64u << 20);
    st.b = &contents;
    int rc = list_params_or_reply(c, &st);
    if (rc)
        goto out;
again:
    if (st.max_keys > 0) {
        rc = store_obj_list(c->ctx->store, c->req->bucket, st.after, st.prefix, c->a, visit, &st);
    } else { /* max-keys=0 lists nothing but still needs the bucket */
        struct store_bucket bk;
        rc = store_bucket_get(c->ctx->store, c->req->bucket, c->a, &bk);
        rc = rc == LY_ENOENT ? LY_ENOPARENT : rc;
    }
    st.b = &c->resp->body;
    if (!rc)
        rc = list_header(&st);
    if (!rc && st.xml_unsafe && !st.url) {
        /* A key XML 1.0 cannot carry: the page is answered encoding-type=url (and says so)
         * rather than as a document no XML parser accepts. */
        list_restart(&st, &contents);
        goto again;
    }
    if (!rc)
        rc = ly_buf_add(st.b, contents.data, contents.len);
    if (!rc)
        rc = ly_buf_add(st.b, st.prefixes.data, st.prefixes.len);
    if (!rc)
        rc = ly_buf_adds(st.b, "</ListBucketResult>");
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
out:
    ly_buf_cleanup(&contents);
    ly_buf_cleanup(&st.prefixes);
}

void s3_list_objects_v1(struct s3_call *c)
{
    list_objects(c, 0);
}

void s3_list_objects_v2(struct s3_call *c)
{
    const char *lt = s3_qval(c, "list-type");
    if (lt && strcmp(lt, "2") != 0)
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid List Type specified in Request",
                 "ArgumentName", "list-type", "ArgumentValue", lt, NULL);
    else
        list_objects(c, 1);
}
