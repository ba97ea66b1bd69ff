/*
 * s3_attributes.c - GetObjectAttributes (GET /bucket/key?attributes): the attributes named in
 * x-amz-object-attributes (ETag, Checksum, ObjectParts, StorageClass, ObjectSize) of the current
 * object or of ?versionId=, without its body. Reads and conditions as GetObject: a delete marker
 * answers 404 (405 by version id) with x-amz-delete-marker, If-Match / If-Unmodified-Since
 * answer 412 and If-None-Match / If-Modified-Since 304. See docs/s3-compat.md.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS_DEFAULT 1000

enum attr {
    ATTR_ETAG = 1u << 0,
    ATTR_CHECKSUM = 1u << 1,
    ATTR_OBJECT_PARTS = 1u << 2,
    ATTR_STORAGE_CLASS = 1u << 3,
    ATTR_OBJECT_SIZE = 1u << 4,
};

/* x-amz-object-attributes: a comma-separated list of names. 0, or the 400 was answered. */
static int attributes_or_reply(struct s3_call *c, unsigned *want)
{
    static const struct {
        const char *name;
        enum attr bit;
    } names[] = {{"ETag", ATTR_ETAG},
                 {"Checksum", ATTR_CHECKSUM},
                 {"ObjectParts", ATTR_OBJECT_PARTS},
                 {"StorageClass", ATTR_STORAGE_CLASS},
                 {"ObjectSize", ATTR_OBJECT_SIZE}};
    const char *h = ly_req_header(c->req, "x-amz-object-attributes");
    *want = 0;
    for (const char *p = h; p && *p; p += *p == ',') {
        p += strspn(p, " ");
        size_t n = strcspn(p, ", ");
        size_t i = 0;
        while (i < sizeof names / sizeof names[0] &&
               (strlen(names[i].name) != n || strncmp(p, names[i].name, n) != 0))
            i++;
        if (i == sizeof names / sizeof names[0]) {
            s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid attribute name specified.",
                     "ArgumentName", "x-amz-object-attributes", "ArgumentValue", h, NULL);
            return LY_EINVAL;
        }
        *want |= names[i].bit;
        p += n;
        p += strspn(p, " ");
    }
    if (*want)
        return 0;
    s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
             "The x-amz-object-attributes header specifying the attributes to be retrieved is "
             "either missing or empty",
             "ArgumentName", "x-amz-object-attributes", NULL);
    return LY_EINVAL;
}

/* A non-negative integer header (absent: dflt). 0, or the 400 was answered. */
static int count_header_or_reply(struct s3_call *c, const char *name, long dflt, long *out)
{
    const char *v = ly_req_header(c->req, name);
    char *end;
    *out = dflt;
    if (!v)
        return 0;
    long n = strtol(v, &end, 10);
    if (*v && !*end && n >= 0 && n <= INT32_MAX) {
        *out = n;
        return 0;
    }
    s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
             "Provided value is not an integer or within integer range", "ArgumentName", name,
             "ArgumentValue", v, NULL);
    return LY_EINVAL;
}

/* <ObjectParts> of a multipart object: the part count and the page x-amz-part-number-marker and
 * x-amz-max-parts select. lockyard keeps no per-part checksums, and AWS lists <Part> elements
 * only for objects uploaded with additional checksums, so none are listed. */
static int object_parts(struct s3_call *c, const struct store_obj *o, struct ly_buf *b)
{
    long marker, max, total = 1;
    if (count_header_or_reply(c, "x-amz-part-number-marker", 0, &marker) ||
        count_header_or_reply(c, "x-amz-max-parts", MAX_PARTS_DEFAULT, &max))
        return LY_EINVAL;
    for (const char *p = o->part_sizes; *p; p++)
        total += *p == ',';
    long last = marker + max < total ? marker + max : total;
    int truncated = last < total;
    int rc = ly_buf_adds(b, "<ObjectParts>");
    if (!rc)
        rc = s3_xml_elemf(b, "PartsCount", "%ld", total);
    if (!rc)
        rc = s3_xml_elemf(b, "PartNumberMarker", "%ld", marker);
    if (!rc)
        rc = s3_xml_elemf(b, "NextPartNumberMarker", "%ld", last > marker ? last : marker);
    if (!rc)
        rc = s3_xml_elemf(b, "MaxParts", "%ld", max);
    if (!rc)
        rc = s3_xml_elem(b, "IsTruncated", truncated ? "true" : "false");
    if (!rc)
        rc = ly_buf_adds(b, "</ObjectParts>");
    if (rc)
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    return rc;
}

/* <Checksum><ChecksumSHA256>…</ChecksumSHA256><ChecksumType>…</ChecksumType></Checksum>. */
static int checksum(struct ly_buf *b, const struct store_obj *o)
{
    char name[32];
    snprintf(name, sizeof name, "Checksum%s", o->checksum_alg);
    int rc = ly_buf_adds(b, "<Checksum>");
    if (!rc)
        rc = s3_xml_elem(b, name, o->checksum_value);
    if (!rc)
        rc = s3_xml_elem(b, "ChecksumType",
                         strchr(o->checksum_value, '-') ? "COMPOSITE" : "FULL_OBJECT");
    return rc ? rc : ly_buf_adds(b, "</Checksum>");
}

static int attributes_doc(struct s3_call *c, const struct store_obj *o, unsigned want)
{
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "GetObjectAttributesResponse");
    if (!rc && (want & ATTR_ETAG))
        rc = s3_xml_elem(b, "ETag", o->etag);
    if (!rc && (want & ATTR_CHECKSUM) && o->checksum_alg && o->checksum_value)
        rc = checksum(b, o);
    if (!rc && (want & ATTR_OBJECT_PARTS) && o->part_sizes && object_parts(c, o, b))
        return LY_EINVAL; /* answered */
    if (!rc && (want & ATTR_STORAGE_CLASS))
        rc = s3_xml_elem(b, "StorageClass", o->storage_class ? o->storage_class : "STANDARD");
    if (!rc && (want & ATTR_OBJECT_SIZE))
        rc = s3_xml_elemf(b, "ObjectSize", "%" PRIu64, o->size);
    if (!rc)
        rc = ly_buf_adds(b, "</GetObjectAttributesResponse>");
    if (rc)
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    return rc;
}

void s3_get_object_attributes(struct s3_call *c)
{
    struct store_obj o;
    unsigned want;
    char date[LY_HTTPDATE_LEN];
    if (attributes_or_reply(c, &want) || s3_object_read_or_reply(c, &o, NULL) ||
        s3_read_cond_or_reply(c, &o))
        return;
    ly_httpdate_format(o.mtime_ms, date);
    if (s3_header(c, "Last-Modified", date) || s3_version_header(c, &o) ||
        attributes_doc(c, &o, want))
        return;
    s3_xml_done(c, 200);
}
