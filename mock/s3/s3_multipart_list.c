/*
 * s3_multipart_list.c - ListParts (max-parts, part-number-marker) and ListMultipartUploads
 * (prefix, delimiter, key-marker / upload-id-marker, max-uploads), in AWS's order: uploads by
 * key, then by initiation.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/mpu.h"
#include "lockyard/s3name.h"

#include <stdlib.h>
#include <string.h>

#define LIST_MAX_DEFAULT 1000

/* A non-negative integer query parameter (default def, capped at 1000); 0 or replied. */
static int int_param_or_reply(struct s3_call *c, const char *name, long def, long *out)
{
    const struct ly_qparam *q = ly_req_query(c->req, name);
    *out = def;
    if (!q)
        return 0;
    char *end;
    long v = strtol(q->value, &end, 10);
    if (!*q->value || *end || v < 0 || v > 2147483647L) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 ly_arena_printf(c->a,
                                 "Provided %s not an "
                                 "integer or within integer range",
                                 name),
                 "ArgumentName", name, "ArgumentValue", q->value, NULL);
        return LY_EINVAL;
    }
    *out = v > LIST_MAX_DEFAULT && strcmp(name, "part-number-marker") != 0 ? LIST_MAX_DEFAULT : v;
    return 0;
}

static const char *owner_xml(const char *tag)
{
    return strcmp(tag, "Initiator") == 0 ? S3_OWNER_XML("Initiator") : S3_OWNER_XML("Owner");
}

struct parts_state {
    struct s3_call *c;
    struct ly_buf items;
    long max, count, last;
    int truncated;
};

static int part_visit(void *ctx, long number, const struct store_obj *p)
{
    struct parts_state *st = ctx;
    char date[LY_ISODATE_LEN];
    if (st->count >= st->max) {
        st->truncated = 1;
        return 1;
    }
    st->count++;
    st->last = number;
    ly_isodate_format(p->mtime_ms, date);
    struct ly_buf *b = &st->items;
    int rc = ly_buf_addf(b, "<Part><PartNumber>%ld</PartNumber>", number);
    if (!rc)
        rc = s3_xml_elem(b, "LastModified", date);
    if (!rc)
        rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", p->etag);
    if (!rc)
        rc = ly_buf_addf(b, "<Size>%llu</Size>", (unsigned long long)p->size);
    if (!rc && p->checksum_alg && p->checksum_value)
        rc = s3_xml_elem(b, ly_arena_printf(st->c->a, "Checksum%s", p->checksum_alg),
                         p->checksum_value);
    return rc ? rc : ly_buf_adds(b, "</Part>");
}

void s3_list_parts(struct s3_call *c)
{
    struct store_upload u;
    struct parts_state st;
    long marker;
    memset(&st, 0, sizeof st);
    st.c = c;
    ly_buf_init(&st.items, 64u << 20);
    if (int_param_or_reply(c, "max-parts", LIST_MAX_DEFAULT, &st.max) ||
        int_param_or_reply(c, "part-number-marker", 0, &marker) || s3_upload_or_reply(c, &u))
        goto out;
    int rc = 0;
    if (st.max > 0)
        rc = store_part_list(c->ctx->store, c->req->bucket, u.upload_id, marker, c->a, part_visit,
                             &st);
    struct ly_buf *b = &c->resp->body;
    if (!rc)
        rc = s3_xml_begin(b, "ListPartsResult");
    if (!rc)
        rc = s3_xml_elem(b, "Bucket", c->req->bucket);
    if (!rc)
        rc = s3_xml_elem(b, "Key", c->req->key);
    if (!rc)
        rc = s3_xml_elem(b, "UploadId", u.upload_id);
    if (!rc)
        rc = ly_buf_addf(b, "<PartNumberMarker>%ld</PartNumberMarker>", marker);
    if (!rc && st.count)
        rc = ly_buf_addf(b, "<NextPartNumberMarker>%ld</NextPartNumberMarker>", st.last);
    if (!rc)
        rc = ly_buf_addf(b, "<MaxParts>%ld</MaxParts>", st.max);
    if (!rc)
        rc = s3_xml_elem(b, "IsTruncated", st.truncated ? "true" : "false");
    if (!rc)
        rc = ly_buf_add(b, st.items.data, st.items.len);
    if (!rc)
        rc = ly_buf_adds(b, owner_xml("Initiator"));
    if (!rc)
        rc = ly_buf_adds(b, owner_xml("Owner"));
    if (!rc)
        rc = s3_xml_elem(b, "StorageClass",
                         u.meta.storage_class ? u.meta.storage_class : "STANDARD");
    if (!rc && u.checksum_type)
        rc = s3_xml_elem(b, "ChecksumAlgorithm", u.meta.checksum_alg);
    if (!rc && u.checksum_type)
        rc = s3_xml_elem(b, "ChecksumType", u.checksum_type);
    if (!rc)
        rc = ly_buf_adds(b, "</ListPartsResult>");
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
out:
    ly_buf_cleanup(&st.items);
}

static int upload_cmp(const void *pa, const void *pb)
{
    const struct store_upload *a = pa, *b = pb;
    int k = strcmp(a->key, b->key);
    return k ? k : a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct uploads_state {
    struct s3_call *c;
    const char *prefix, *delimiter, *key_marker, *id_marker;
    long max, count;
    int url, truncated;
    const char *next_key, *next_id, *last_prefix;
    struct ly_buf items, prefixes;
};

static int add_text(struct uploads_state *st, struct ly_buf *b, const char *name, const char *v)
{
    return s3_list_elem(b, name, v, st->url, NULL);
}

/* 1 when u comes at or before the markers (so it is skipped). */
static int before_marker(const struct uploads_state *st, const struct store_upload *u)
{
    uint64_t seq;
    if (!st->key_marker)
        return 0;
    int k = strcmp(u->key, st->key_marker);
    if (k != 0 || !st->id_marker)
        return k <= 0;
    return s3_upload_id_parse(st->id_marker, &seq) != 0 || u->seq <= seq;
}

static int upload_item(struct uploads_state *st, const struct store_upload *u)
{
    char date[LY_ISODATE_LEN];
    struct ly_buf *b = &st->items;
    ly_isodate_format(u->initiated_ms, date);
    int rc = ly_buf_adds(b, "<Upload>");
    if (!rc)
        rc = add_text(st, b, "Key", u->key);
    if (!rc)
        rc = s3_xml_elem(b, "UploadId", u->upload_id);
    if (!rc)
        rc = ly_buf_adds(b, owner_xml("Initiator"));
    if (!rc)
        rc = ly_buf_adds(b, owner_xml("Owner"));
    if (!rc)
        rc = s3_xml_elem(b, "StorageClass",
                         u->meta.storage_class ? u->meta.storage_class : "STANDARD");
    if (!rc)
        rc = s3_xml_elem(b, "Initiated", date);
    if (!rc && u->checksum_type)
        rc = s3_xml_elem(b, "ChecksumAlgorithm", u->meta.checksum_alg);
    if (!rc && u->checksum_type)
        rc = s3_xml_elem(b, "ChecksumType", u->checksum_type);
    return rc ? rc : ly_buf_adds(b, "</Upload>");
}

/* Adds one upload (or its common prefix); 1 when the page is full. */
static int upload_visit(struct uploads_state *st, const struct store_upload *u)
{
    size_t pl = st->prefix ? strlen(st->prefix) : 0;
    if ((st->prefix && strncmp(u->key, st->prefix, pl) != 0) || before_marker(st, u))
        return 0;
    size_t cpl = s3_list_rollup(u->key, st->prefix, st->delimiter);
    if (cpl && (s3_list_same_prefix(st->last_prefix, u->key, cpl) ||
                s3_list_same_prefix(st->key_marker, u->key, cpl)))
        return 0;
    if (st->count >= st->max) {
        st->truncated = 1;
        return 1;
    }
    st->count++;
    if (!cpl) {
        st->next_key = u->key;
        st->next_id = u->upload_id;
        return upload_item(st, u);
    }
    int rc =
        s3_list_common_prefix(st->c, &st->prefixes, u->key, cpl, st->url, NULL, &st->last_prefix);
    st->next_key = st->last_prefix;
    st->next_id = NULL;
    return rc;
}

static int uploads_doc(struct uploads_state *st)
{
    struct s3_call *c = st->c;
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "ListMultipartUploadsResult");
    if (!rc)
        rc = s3_xml_elem(b, "Bucket", c->req->bucket);
    if (!rc)
        rc = add_text(st, b, "KeyMarker", st->key_marker ? st->key_marker : "");
    if (!rc)
        rc = s3_xml_elem(b, "UploadIdMarker", st->id_marker ? st->id_marker : "");
    if (!rc && st->truncated)
        rc = add_text(st, b, "NextKeyMarker", st->next_key);
    if (!rc && st->truncated)
        rc = s3_xml_elem(b, "NextUploadIdMarker", st->next_id ? st->next_id : "");
    if (!rc && st->delimiter)
        rc = add_text(st, b, "Delimiter", st->delimiter);
    if (!rc && st->prefix)
        rc = add_text(st, b, "Prefix", st->prefix);
    if (!rc && st->url)
        rc = s3_xml_elem(b, "EncodingType", "url");
    if (!rc)
        rc = ly_buf_addf(b, "<MaxUploads>%ld</MaxUploads>", st->max);
    if (!rc)
        rc = s3_xml_elem(b, "IsTruncated", st->truncated ? "true" : "false");
    if (!rc)
        rc = ly_buf_add(b, st->items.data, st->items.len);
    if (!rc)
        rc = ly_buf_add(b, st->prefixes.data, st->prefixes.len);
    if (!rc)
        rc = ly_buf_adds(b, "</ListMultipartUploadsResult>");
    return rc;
}

/* A query parameter's value; NULL when absent or empty (markers given as "" mean none). */
static const char *qval_set(struct s3_call *c, const char *name)
{
    const char *v = s3_qval(c, name);
    return v && *v ? v : NULL;
}

void s3_list_multipart_uploads(struct s3_call *c)
{
    struct uploads_state st;
    struct store_upload *list;
    size_t n;
    memset(&st, 0, sizeof st);
    st.c = c;
    ly_buf_init(&st.items, 64u << 20);
    ly_buf_init(&st.prefixes, 64u << 20);
    st.prefix = qval_set(c, "prefix");
    st.delimiter = qval_set(c, "delimiter");
    st.key_marker = qval_set(c, "key-marker");
    st.id_marker = st.key_marker ? qval_set(c, "upload-id-marker") : NULL;
    if (s3_list_encoding_or_reply(c, &st.url))
        goto out;
    if (int_param_or_reply(c, "max-uploads", LIST_MAX_DEFAULT, &st.max))
        goto out;
    int rc = store_upload_list(c->ctx->store, c->req->bucket, c->a, &list, &n);
    if (!rc)
        qsort(list, n, sizeof *list, upload_cmp);
    for (size_t i = 0; !rc && i < n; i++)
        rc = upload_visit(&st, &list[i]);
    if (rc >= 0)
        rc = uploads_doc(&st);
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
out:
    ly_buf_cleanup(&st.items);
    ly_buf_cleanup(&st.prefixes);
}
