/*
 * s3_delete_multi.c - DeleteObjects (POST ?delete): up to 1000 keys, Quiet mode,
 * per-object <ETag> conditions reported as <Error> entries.
 */
#include "s3_internal.h"
#include "lockyard/s3name.h"
#include "lockyard/s3cond.h"
#include "lockyard/mpu.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#define DELETE_KEYS_MAX 1000

struct del_entry {
    const char *key, *etag, *version;
};

struct del_req {
    struct del_entry *e;
    size_t n;
    int quiet;
};

static int parse_object(struct s3_call *c, xmlNodePtr obj, struct del_entry *e)
{
    memset(e, 0, sizeof *e);
    for (xmlNodePtr n = obj->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        const char **slot = strcmp(name, "Key") == 0         ? &e->key
                            : strcmp(name, "ETag") == 0      ? &e->etag
                            : strcmp(name, "VersionId") == 0 ? &e->version
                                                             : NULL;
        if (slot && !(*slot = s3_xml_text(c, n)))
            return LY_ENOMEM;
    }
    return e->key ? 0 : LY_EINVAL;
}

static int parse_delete(struct s3_call *c, xmlNodePtr root, struct del_req *d)
{
    if (!root)
        return LY_EINVAL;
    d->e = ly_arena_calloc(c->a, DELETE_KEYS_MAX * sizeof *d->e);
    if (!d->e)
        return LY_ENOMEM;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "Quiet") == 0) {
            const char *q = s3_xml_text(c, n);
            d->quiet = q && strcmp(q, "true") == 0;
        } else if (strcmp((const char *)n->name, "Object") == 0) {
            if (d->n == DELETE_KEYS_MAX)
                return LY_EINVAL;
            int rc = parse_object(c, n, &d->e[d->n]);
            if (rc)
                return rc;
            d->n++;
        }
    }
    return d->n ? 0 : LY_EINVAL;
}

/* One key's delete: the policy and the entry's ETag, both decided inside its transaction. */
struct one_delete {
    struct s3_policy_gate gate;
    const char *etag;
    int ignore_conditions;
};

static int one_conf_fn(void *ctx, const struct store_bconf *conf)
{
    struct one_delete *o = ctx;
    return s3_policy_gate_fn(&o->gate, conf);
}

static int etag_check_fn(void *ctx, const struct store_obj *cur)
{
    const struct one_delete *o = ctx;
    const char *etag = o->ignore_conditions ? NULL : o->etag;
    if (!etag)
        return 0;
    if (!cur)
        return LY_ENOENT;
    return s3cond_etag_list_match(etag, cur->etag) ? 0 : LY_ECOND;
}

static int result_entry(struct s3_call *c, struct ly_buf *b, const struct del_entry *e, int rc,
                        int quiet, const struct store_del_result *res)
{
    if (rc == 0) {
        if (quiet)
            return 0;
        struct store_obj m;
        memset(&m, 0, sizeof m);
        m.seq = res->seq;
        m.flags = res->flags;
        int r = ly_buf_adds(b, "<Deleted>");
        if (!r)
            r = s3_xml_elem(b, "Key", e->key);
        if (!r && e->version)
            r = s3_xml_elem(b, "VersionId", e->version);
        if (!r && (res->marker_created || res->deleted_marker))
            r = s3_xml_elem(b, "DeleteMarker", "true");
        if (!r && res->marker_created)
            r = s3_xml_elem(b, "DeleteMarkerVersionId", s3_version_id(c, &m));
        return r ? r : ly_buf_adds(b, "</Deleted>");
    }
    const char *code = rc == LY_ECOND     ? "PreconditionFailed"
                       : rc == LY_ENOENT  ? "NoSuchKey"
                       : rc == LY_EINVAL  ? "NoSuchVersion"
                       : rc == LY_ENOTSUP ? "AccessDenied"
                       : rc == LY_ETOOBIG ? "KeyTooLongError"
                                          : "InternalError";
    const char *msg = rc == LY_ECOND
                          ? "At least one of the pre-conditions you specified did not hold"
                      : rc == LY_ENOENT  ? "The specified key does not exist."
                      : rc == LY_EINVAL  ? "The specified version does not exist."
                      : rc == LY_ENOTSUP ? "Access Denied"
                      : rc == LY_ETOOBIG ? "Your key is too long"
                                         : "We encountered an internal error. Please try again.";
    int r = ly_buf_adds(b, "<Error>");
    if (!r)
        r = s3_xml_elem(b, "Key", e->key);
    if (!r && e->version)
        r = s3_xml_elem(b, "VersionId", e->version);
    if (!r)
        r = s3_xml_elem(b, "Code", code);
    if (!r)
        r = s3_xml_elem(b, "Message", msg);
    return r ? r : ly_buf_adds(b, "</Error>");
}

static int has_integrity_header(const struct ly_req *r)
{
    if (ly_req_header(r, "Content-MD5") || ly_req_header(r, "x-amz-sdk-checksum-algorithm"))
        return 1;
    for (size_t i = 0; i < r->nhdrs; i++)
        if (strncasecmp(r->hdrs[i].name, "x-amz-checksum-", 15) == 0)
            return 1;
    return 0;
}

/* Deletes one entry: LY_ENOTSUP when the policy denies it, LY_EINVAL for a bad version id. */
static int delete_one(struct s3_call *c, const struct del_entry *e, struct store_del_result *res)
{
    uint64_t seq = 0;
    memset(res, 0, sizeof *res);
    if (strlen(e->key) > S3_KEY_BYTES_MAX)
        return LY_ETOOBIG;
    if (e->version && s3_version_id_parse(e->version, &seq) != 0)
        return LY_EINVAL;
    struct one_delete o = {
        {c,
         {e->version ? "s3:DeleteObjectVersion" : c->route->action, e->key, NULL, e->etag, 0},
         0},
        e->etag,
        c->req->ignore_conditions};
    struct store_write_hooks h = {one_conf_fn, etag_check_fn, &o};
    int rc = store_obj_delete_version(c->ctx->store, c->req->bucket, e->key,
                                      e->version ? &seq : NULL, &h, c->req->now_ms, res);
    return rc && s3_policy_gate_refused(&o.gate) ? LY_ENOTSUP : rc;
}

void s3_delete_objects(struct s3_call *c)
{
    struct del_req d = {NULL, 0, 0};
    struct store_del_result res;
    if (!has_integrity_header(c->req)) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "Missing required header for this request: Content-MD5", NULL);
        return;
    }
    if (c->req->body_len == 0 || c->req->body_len > S3_XML_BODY_MAX) {
        s3_error(c, AWS_S3_MALFORMED_XML, NULL);
        return;
    }
    if (s3_content_md5_ok_or_reply(c))
        return;
    xmlDocPtr doc;
    int rc = parse_delete(c, s3_xml_read(c, "Delete", &doc), &d);
    xmlFreeDoc(doc);
    if (rc) {
        s3_error(c, rc == LY_ENOMEM ? AWS_S3_INTERNAL_ERROR : AWS_S3_MALFORMED_XML, NULL);
        return;
    }
    struct store_bucket bk;
    rc = store_bucket_get(c->ctx->store, c->req->bucket, c->a, &bk);
    if (rc) {
        s3_error_internal(c, rc == LY_ENOENT ? LY_ENOPARENT : rc);
        return;
    }
    struct ly_buf *b = &c->resp->body;
    rc = s3_xml_begin(b, "DeleteResult");
    for (size_t i = 0; !rc && i < d.n; i++)
        rc = result_entry(c, b, &d.e[i], delete_one(c, &d.e[i], &res), d.quiet, &res);
    if (!rc)
        rc = ly_buf_adds(b, "</DeleteResult>");
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
}
