/*
 * s3_bucket.c - ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3name.h"
#include "lockyard/checksum.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS_PAGE_MAX 10000

struct bucket_page {
    const char *prefix, *region; /* filters */
    const char *after;           /* from continuation-token: list names after it */
    long max;                    /* max-buckets, or BUCKETS_PAGE_MAX */
};

/* max-buckets, continuation-token, prefix, bucket-region (AWS added them in 2024). */
static int bucket_page_or_reply(struct s3_call *c, struct bucket_page *pg)
{
    const char *mb = s3_qval(c, "max-buckets"), *tok = s3_qval(c, "continuation-token");
    char *end = NULL;
    pg->prefix = s3_qval(c, "prefix");
    pg->region = s3_qval(c, "bucket-region");
    pg->after = NULL;
    pg->max = mb ? strtol(mb, &end, 10) : BUCKETS_PAGE_MAX;
    if (mb && (!*mb || *end || pg->max < 1 || pg->max > BUCKETS_PAGE_MAX)) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 "Argument max-buckets must be an integer "
                 "between 1 and 10000",
                 "ArgumentName", "max-buckets", "ArgumentValue", mb, NULL);
        return LY_EINVAL;
    }
    if (tok) {
        uint8_t raw[S3_BUCKET_NAME_BYTES_MAX + 1];
        size_t n = 0;
        if (cksum_b64_decode(tok, strlen(tok), raw, sizeof raw - 1, &n) != 0 || n == 0) {
            s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                     "The continuation token provided is "
                     "incorrect",
                     "ArgumentName", "continuation-token", NULL);
            return LY_EINVAL;
        }
        pg->after = ly_arena_strndup(c->a, (const char *)raw, n);
        if (!pg->after)
            return s3_error_internal(c, LY_ENOMEM), LY_ENOMEM;
    }
    return 0;
}

static bool bucket_listed(const struct bucket_page *pg, const struct store_bucket *b)
{
    return (!pg->prefix || strncmp(b->name, pg->prefix, strlen(pg->prefix)) == 0) &&
           (!pg->region || strcmp(b->region, pg->region) == 0) &&
           (!pg->after || strcmp(b->name, pg->after) > 0);
}

/* The <Bucket> entries of the page; *last is the last listed when more follow, else NULL. */
static int bucket_entries(struct s3_call *c, const struct bucket_page *pg,
                          const struct store_bucket *list, size_t n, const char **last)
{
    struct ly_buf *b = &c->resp->body;
    const char *prev = NULL;
    long shown = 0;
    int rc = 0;
    *last = NULL;
    for (size_t i = 0; !rc && i < n; i++) { /* the list is in name order */
        if (!bucket_listed(pg, &list[i]))
            continue;
        if (shown == pg->max) {
            *last = prev;
            break;
        }
        prev = list[i].name;
        char date[LY_ISODATE_LEN];
        ly_isodate_format(list[i].ctime_ms, date);
        rc = ly_buf_adds(b, "<Bucket>");
        if (!rc)
            rc = s3_xml_elem(b, "Name", list[i].name);
        if (!rc)
            rc = s3_xml_elem(b, "CreationDate", date);
        if (!rc)
            rc = s3_xml_elem(b, "BucketRegion", list[i].region);
        if (!rc)
            rc = ly_buf_adds(b, "</Bucket>");
        shown++;
    }
    return rc;
}

void s3_list_buckets(struct s3_call *c)
{
    struct store_bucket *list;
    struct bucket_page pg;
    const char *last = NULL;
    size_t n;
    if (bucket_page_or_reply(c, &pg))
        return;
    int rc = store_bucket_list(c->ctx->store, c->a, &list, &n);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    struct ly_buf *b = &c->resp->body;
    rc = s3_xml_begin(b, "ListAllMyBucketsResult");
    if (!rc)
        rc = ly_buf_adds(b, "<Owner>");
    if (!rc)
        rc = s3_xml_elem(b, "ID", S3_OWNER_ID);
    if (!rc)
        rc = s3_xml_elem(b, "DisplayName", S3_OWNER_NAME);
    if (!rc)
        rc = ly_buf_adds(b, "</Owner><Buckets>");
    if (!rc)
        rc = bucket_entries(c, &pg, list, n, &last);
    if (!rc)
        rc = ly_buf_adds(b, "</Buckets>");
    if (!rc && last) {
        char tok[2 * S3_BUCKET_NAME_BYTES_MAX + 8];
        rc = cksum_b64_encode(last, strlen(last), tok, sizeof tok);
        if (!rc)
            rc = s3_xml_elem(b, "ContinuationToken", tok);
    }
    if (!rc && pg.prefix)
        rc = s3_xml_elem(b, "Prefix", pg.prefix);
    if (!rc)
        rc = ly_buf_adds(b, "</ListAllMyBucketsResult>");
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
    xmlDocPtr doc;
    xmlNodePtr root = s3_xml_read(c, "CreateBucketConfiguration", &doc);
    int rc = root ? 0 : LY_EINVAL;
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "LocationConstraint") == 0)
            *out = s3_xml_text(c, n);
    xmlFreeDoc(doc);
    if (rc)
        s3_error(c, AWS_S3_MALFORMED_XML, NULL);
    return rc;
}

void s3_create_bucket(struct s3_call *c)
{
    const char *name = c->req->bucket, *lc, *region = c->ctx->config->region;
    if (!s3name_bucket_valid(name)) {
        s3_error(c, AWS_S3_INVALID_BUCKET_NAME, "BucketName", name, NULL);
        return;
    }
    if (location_constraint_or_reply(c, &lc))
        return;
    int us_east_1 = strcmp(region, "us-east-1") == 0;
    if (lc && *lc) {
        if (us_east_1 && strcmp(lc, "us-east-1") == 0) {
            s3_error(c, AWS_S3_INVALID_LOCATION_CONSTRAINT, "LocationConstraint", lc, NULL);
            return;
        }
        if (!us_east_1 && strcmp(lc, region) != 0) {
            s3_error(c, AWS_S3_ILLEGAL_LOCATION_CONSTRAINT, "Message",
                     "The location constraint is incompatible for the region specific endpoint "
                     "this request was sent to.",
                     NULL);
            return;
        }
        region = lc;
    } else if (!us_east_1) {
        s3_error(c, AWS_S3_ILLEGAL_LOCATION_CONSTRAINT, NULL);
        return;
    }
    int rc = store_bucket_create(c->ctx->store, name, region, c->req->now_ms);
    if (rc == LY_EEXIST && us_east_1) {
        rc = 0; /* AWS legacy: re-creating your own bucket in us-east-1 answers 200 */
    } else if (rc == LY_EEXIST) {
        s3_error(c, AWS_S3_BUCKET_ALREADY_OWNED_BY_YOU, "BucketName", name, NULL);
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
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
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
    rc = ly_buf_addf(b,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<LocationConstraint xmlns=\"%s\">",
                     S3_XMLNS);
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
        s3_error(c, AWS_S3_BUCKET_NOT_EMPTY, "BucketName", c->req->bucket, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else
        c->resp->status = 204;
}
