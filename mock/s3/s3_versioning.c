/*
 * s3_versioning.c - PutBucketVersioning, GetBucketVersioning, ListObjectVersions, and the
 * versionId parameter / x-amz-version-id header shared by the object handlers.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/mpu.h"
#include "lockyard/s3name.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS_DEFAULT 1000

int s3_version_param_or_reply(struct s3_call *c, int *has, uint64_t *seq)
{
    const struct ly_qparam *q = ly_req_query(c->req, "versionId");
    *has = q != NULL;
    *seq = 0;
    if (!q)
        return 0;
    if (!*q->value) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Version id cannot be the empty string",
                 "ArgumentName", "versionId", "ArgumentValue", "", NULL);
        return LY_EINVAL;
    }
    if (s3_version_id_parse(q->value, seq) != 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid version id specified",
                 "ArgumentName", "versionId", "ArgumentValue", q->value, NULL);
        return LY_EINVAL;
    }
    return 0;
}

const char *s3_version_id(struct s3_call *c, const struct store_obj *o)
{
    char id[S3_VERSION_ID_LEN + 1];
    if (!(o->flags & STORE_OBJ_VERSIONED))
        return "null";
    s3_version_id_format(o->seq, id);
    return ly_arena_strdup(c->a, id);
}

int s3_version_header(struct s3_call *c, const struct store_obj *o)
{
    /* the bucket's state as the store call that read or wrote o saw it: no transaction here */
    if (!(o->flags & STORE_OBJ_VERSIONED) && o->bucket_versioning == STORE_VERSIONING_OFF)
        return 0;
    const char *id = s3_version_id(c, o);
    if (id)
        return s3_header(c, "x-amz-version-id", id);
    s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    return LY_ENOMEM;
}

/* The text of the first child element named name, or NULL. */
static const char *child(struct s3_call *c, xmlNodePtr parent, const char *name, int *count)
{
    const char *v = NULL;
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
            continue;
        v = s3_xml_text(c, n);
        (*count)++;
    }
    return v;
}

void s3_put_bucket_versioning(struct s3_call *c)
{
    xmlDocPtr doc;
    int n = 0;
    const char *status = NULL;
    xmlNodePtr root = s3_xml_read(c, "VersioningConfiguration", &doc);
    if (root)
        status = child(c, root, "Status", &n);
    xmlFreeDoc(doc);
    if (!root || n > 1 ||
        (status && strcmp(status, "Enabled") != 0 && strcmp(status, "Suspended") != 0)) {
        s3_error(c, AWS_S3_MALFORMED_XML, NULL);
        return;
    }
    int rc = 0;
    if (status)
        rc = store_bucket_conf_put(c->ctx->store, c->req->bucket, STORE_CONF_VERSIONING, status,
                                   strlen(status));
    else { /* no Status: nothing changes, but the bucket must exist */
        enum store_versioning v;
        rc = store_bucket_versioning(c->ctx->store, c->req->bucket, &v);
    }
    if (rc)
        s3_error_internal(c, rc);
    else
        c->resp->status = 200;
}

void s3_get_bucket_versioning(struct s3_call *c)
{
    enum store_versioning v;
    int rc = store_bucket_versioning(c->ctx->store, c->req->bucket, &v);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    struct ly_buf *b = &c->resp->body;
    if (v == STORE_VERSIONING_OFF)
        rc = ly_buf_addf(b,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<VersioningConfiguration xmlns=\"%s\"/>",
                         S3_XMLNS);
    else {
        rc = s3_xml_begin(b, "VersioningConfiguration");
        if (!rc)
            rc = s3_xml_elem(b, "Status", v == STORE_VERSIONING_ENABLED ? "Enabled" : "Suspended");
        if (!rc)
            rc = ly_buf_adds(b, "</VersioningConfiguration>");
    }
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
}

struct vlist_state {
    struct s3_call *c;
    struct ly_buf items;    /* <Version>/<DeleteMarker> elements */
    struct ly_buf prefixes; /* <CommonPrefixes> elements */
    const char *prefix, *delimiter, *key_marker, *vid_marker;
    int url, truncated, past_vid_marker;
    int xml_unsafe; /* as in s3_list.c: then the page is answered url-encoded */
    long max_keys, count;
    const char *last_prefix, *next_key, *next_vid;
};

static int add_text(struct vlist_state *st, struct ly_buf *b, const char *name, const char *v)
{
    return s3_list_elem(b, name, v, st->url, &st->xml_unsafe);
}

static int add_version(struct vlist_state *st, const char *key, const struct store_obj *o,
                       const char *vid, int latest)
{
    char date[LY_ISODATE_LEN];
    int dm = (o->flags & STORE_OBJ_DELETE_MARKER) != 0;
    struct ly_buf *b = &st->items;
    ly_isodate_format(o->mtime_ms, date);
    int rc = ly_buf_adds(b, dm ? "<DeleteMarker>" : "<Version>");
    if (!rc)
        rc = add_text(st, b, "Key", key);
    if (!rc)
        rc = s3_xml_elem(b, "VersionId", vid);
    if (!rc)
        rc = s3_xml_elem(b, "IsLatest", latest ? "true" : "false");
    if (!rc)
        rc = s3_xml_elem(b, "LastModified", date);
    if (!rc && !dm)
        rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", o->etag);
    if (!rc && !dm)
        rc = ly_buf_addf(b, "<Size>%llu</Size>", (unsigned long long)o->size);
    if (!rc && !dm)
        rc = s3_xml_elem(b, "StorageClass", o->storage_class ? o->storage_class : "STANDARD");
    if (!rc)
        rc = ly_buf_adds(b, S3_OWNER_XML("Owner"));
    if (!rc)
        rc = ly_buf_adds(b, dm ? "</DeleteMarker>" : "</Version>");
    return rc;
}

/* The common prefix key rolls up into (length in *n), or NULL. */
static int visit(void *ctx, const char *key, const struct store_obj *o, int latest)
{
    struct vlist_state *st = ctx;
    const char *vid = s3_version_id(st->c, o);
    if (!vid)
        return LY_ENOMEM;
    if (st->key_marker && strcmp(key, st->key_marker) == 0) {
        if (!st->vid_marker || !st->past_vid_marker) {
            st->past_vid_marker = st->vid_marker && strcmp(vid, st->vid_marker) == 0;
            return 0;
        }
    }
    size_t cpl = s3_list_rollup(key, st->prefix, st->delimiter);
    const char *cp = cpl ? key : NULL;
    if (cp && (s3_list_same_prefix(st->last_prefix, cp, cpl) ||
               s3_list_same_prefix(st->key_marker, cp, cpl)))
        return 0; /* rolls up into the prefix just emitted, or the marker names it */
    if (st->count >= st->max_keys) {
        st->truncated = 1;
        return 1;
    }
    st->count++;
    if (cp) {
        int rc = s3_list_common_prefix(st->c, &st->prefixes, cp, cpl, st->url, &st->xml_unsafe,
                                       &st->last_prefix);
        st->next_key = st->last_prefix;
        st->next_vid = NULL;
        return rc;
    }
    st->next_key = ly_arena_strdup(st->c->a, key);
    st->next_vid = vid;
    return st->next_key ? add_version(st, key, o, vid, latest) : LY_ENOMEM;
}

static int params_or_reply(struct s3_call *c, struct vlist_state *st)
{
    st->prefix = s3_qval(c, "prefix");
    st->delimiter = s3_qval(c, "delimiter");
    st->key_marker = s3_qval(c, "key-marker");
    st->vid_marker = s3_qval(c, "version-id-marker");
    st->max_keys = MAX_KEYS_DEFAULT;
    if (st->key_marker && !*st->key_marker)
        st->key_marker = NULL;
    if (st->vid_marker && !*st->vid_marker)
        st->vid_marker = NULL;
    if (s3_list_max_keys_or_reply(c, MAX_KEYS_DEFAULT, &st->max_keys) ||
        s3_list_encoding_or_reply(c, &st->url))
        return LY_EINVAL;
    uint64_t seq;
    if (st->vid_marker && !st->key_marker) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 "A version-id marker cannot be specified without "
                 "a key marker.",
                 "ArgumentName", "version-id-marker", "ArgumentValue", st->vid_marker, NULL);
        return LY_EINVAL;
    }
    if (st->vid_marker && s3_version_id_parse(st->vid_marker, &seq) != 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid version id specified",
                 "ArgumentName", "version-id-marker", "ArgumentValue", st->vid_marker, NULL);
        return LY_EINVAL;
    }
    return 0;
}

static int versions_doc(struct vlist_state *st)
{
    struct s3_call *c = st->c;
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "ListVersionsResult");
    if (!rc)
        rc = s3_xml_elem(b, "Name", c->req->bucket);
    if (!rc)
        rc = add_text(st, b, "Prefix", st->prefix ? st->prefix : "");
    if (!rc)
        rc = add_text(st, b, "KeyMarker", st->key_marker ? st->key_marker : "");
    if (!rc)
        rc = s3_xml_elem(b, "VersionIdMarker", st->vid_marker ? st->vid_marker : "");
    if (!rc && st->truncated)
        rc = add_text(st, b, "NextKeyMarker", st->next_key);
    if (!rc && st->truncated && st->next_vid)
        rc = s3_xml_elem(b, "NextVersionIdMarker", st->next_vid);
    if (!rc)
        rc = ly_buf_addf(b, "<MaxKeys>%ld</MaxKeys>", st->max_keys);
    if (!rc && st->delimiter)
        rc = add_text(st, b, "Delimiter", st->delimiter);
    if (!rc && st->url)
        rc = s3_xml_elem(b, "EncodingType", "url");
    if (!rc)
        rc = s3_xml_elem(b, "IsTruncated", st->truncated ? "true" : "false");
    if (!rc)
        rc = ly_buf_add(b, st->items.data, st->items.len);
    if (!rc)
        rc = ly_buf_add(b, st->prefixes.data, st->prefixes.len);
    if (!rc)
        rc = ly_buf_adds(b, "</ListVersionsResult>");
    return rc;
}

void s3_list_object_versions(struct s3_call *c)
{
    struct vlist_state st;
    memset(&st, 0, sizeof st);
    st.c = c;
    ly_buf_init(&st.items, 64u << 20);
    ly_buf_init(&st.prefixes, 64u << 20);
    if (params_or_reply(c, &st))
        goto out;
    int rc;
again:
    if (st.max_keys > 0) {
        rc = store_version_list(c->ctx->store, c->req->bucket, st.key_marker, st.prefix, c->a,
                                visit, &st);
    } else {
        enum store_versioning v;
        rc = store_bucket_versioning(c->ctx->store, c->req->bucket, &v);
    }
    if (!rc)
        rc = versions_doc(&st);
    if (!rc && st.xml_unsafe && !st.url) {
        ly_buf_reset(&st.items);
        ly_buf_reset(&st.prefixes);
        ly_buf_reset(&c->resp->body);
        st.url = 1;
        st.count = st.truncated = st.past_vid_marker = 0;
        st.last_prefix = st.next_key = st.next_vid = NULL;
        goto again;
    }
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
out:
    ly_buf_cleanup(&st.items);
    ly_buf_cleanup(&st.prefixes);
}
