/*
 * s3_bucket.c - ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3name.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS_PAGE_MAX 10000

void s3_list_buckets(struct s3_call *c)
{
    struct store_bucket *list;
    size_t n;
    int rc = store_bucket_list(c->ctx->store, c->a, &list, &n);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    const struct ly_qparam *prefix = ly_req_query(c->req, "prefix");
    struct ly_buf *b = &c->resp->body;
    rc = s3_xml_begin(b, "ListAllMyBucketsResult");
    if (!rc) rc = ly_buf_adds(b, "<Owner>");
    if (!rc) rc = s3_xml_elem(b, "ID", S3_OWNER_ID);
    if (!rc) rc = s3_xml_elem(b, "DisplayName", S3_OWNER_NAME);
    if (!rc) rc = ly_buf_adds(b, "</Owner><Buckets>");
    for (size_t i = 0; !rc && i < n; i++) {
        if (prefix && strncmp(list[i].name, prefix->value, strlen(prefix->value)) != 0)
            continue;
        char date[LY_ISODATE_LEN];
        ly_isodate_format(list[i].ctime_ms, date);
        rc = ly_buf_adds(b, "<Bucket>");
        if (!rc) rc = s3_xml_elem(b, "Name", list[i].name);
        if (!rc) rc = s3_xml_elem(b, "CreationDate", date);
        if (!rc) rc = s3_xml_elem(b, "BucketRegion", list[i].region);
        if (!rc) rc = ly_buf_adds(b, "</Bucket>");
    }
    if (!rc) rc = ly_buf_adds(b, "</Buckets>");
    if (!rc && prefix) rc = s3_xml_elem(b, "Prefix", prefix->value);
    if (!rc) rc = ly_buf_adds(b, "</ListAllMyBucketsResult>");
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
}

/* Reads <CreateBucketConfiguration><LocationConstraint>; *out NULL when absent. 0 or replied. */
static int location_constraint_or_reply(struct s3_call *c, const char **out)
{
    *out = NULL;
    if (c->req->body_len == 0)
        return 0;
    if (c->req->body_len > S3_XML_BODY_MAX) {
        s3_error(c, "MalformedXML", NULL);
        return LY_EINVAL;
    }
    xmlDocPtr doc = xmlReadMemory((const char *)c->req->body, (int)c->req->body_len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    int rc = 0;
    if (!root || strcmp((const char *)root->name, "CreateBucketConfiguration") != 0) {
        rc = LY_EINVAL;
    } else {
        for (xmlNodePtr n = root->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            if (strcmp((const char *)n->name, "LocationConstraint") == 0) {
                xmlChar *text = xmlNodeGetContent(n);
                *out = ly_arena_strdup(c->a, text ? (const char *)text : "");
                xmlFree(text);
            }
        }
    }
    xmlFreeDoc(doc);
    if (rc)
        s3_error(c, "MalformedXML", NULL);
    return rc;
}

void s3_create_bucket(struct s3_call *c)
{
    const char *name = c->req->bucket, *lc, *region = c->ctx->config->region;
    if (!s3name_bucket_valid(name)) {
        s3_error(c, "InvalidBucketName", "BucketName", name, NULL);
        return;
    }
    if (location_constraint_or_reply(c, &lc))
        return;
    int us_east_1 = strcmp(region, "us-east-1") == 0;
    if (lc && *lc) {
        if (us_east_1 && strcmp(lc, "us-east-1") == 0) {
            s3_error(c, "InvalidLocationConstraint", "LocationConstraint", lc, NULL);
            return;
        }
        if (!us_east_1 && strcmp(lc, region) != 0) {
            s3_error(c, "IllegalLocationConstraintException", "Message",
                     "The location constraint is incompatible for the region specific endpoint "
                     "this request was sent to.", NULL);
            return;
        }
        region = lc;
    } else if (!us_east_1) {
        s3_error(c, "IllegalLocationConstraintException", NULL);
        return;
    }
    int rc = store_bucket_create(c->ctx->store, name, region, c->req->now_ms);
    if (rc == LY_EEXIST && us_east_1) {
        rc = 0; /* AWS legacy: re-creating your own bucket in us-east-1 answers 200 */
    } else if (rc == LY_EEXIST) {
        s3_error(c, "BucketAlreadyOwnedByYou", "BucketName", name, NULL);
        return;
    }
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    char *loc = ly_arena_printf(c->a, "/%s", name);
    if (loc && s3_header(c, "Location", loc) == 0)
        c->resp->status = 200;
    else if (!loc)
        s3_error(c, "InternalError", NULL);
}

void s3_head_bucket(struct s3_call *c)
{
    struct store_bucket b;
    int rc = store_bucket_get(c->ctx->store, c->req->bucket, c->a, &b);
    if (rc == LY_ENOENT)
        rc = LY_ENOPARENT;
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    if (s3_header(c, "x-amz-bucket-region", b.region) == 0 &&
        s3_header(c, "x-amz-access-point-alias", "false") == 0)
        c->resp->status = 200;
}

void s3_get_bucket_location(struct s3_call *c)
{
    struct store_bucket bk;
    int rc = store_bucket_get(c->ctx->store, c->req->bucket, c->a, &bk);
    if (rc) {
        s3_error_internal(c, rc == LY_ENOENT ? LY_ENOPARENT : rc);
        return;
    }
    struct ly_buf *b = &c->resp->body;
    rc = ly_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<LocationConstraint xmlns=\"%s\">", S3_XMLNS);
    /* us-east-1 is reported as an empty constraint, as AWS does. */
    if (!rc && strcmp(bk.region, "us-east-1") != 0)
        rc = ly_buf_add_xml(b, bk.region, strlen(bk.region));
    if (!rc)
        rc = ly_buf_adds(b, "</LocationConstraint>");
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
}

void s3_delete_bucket(struct s3_call *c)
{
    int rc = store_bucket_delete(c->ctx->store, c->req->bucket);
    if (rc == LY_ENOTEMPTY)
        s3_error(c, "BucketNotEmpty", "BucketName", c->req->bucket, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else
        c->resp->status = 204;
}
