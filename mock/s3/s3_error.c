/*
 * s3_error.c - S3 error answers (through core/aws_error.c), the XML writers and the listing
 * helpers the handlers share.
 */
#include "s3_internal.h"
#include "lockyard/check.h"
#include "lockyard/pct.h"
#include "lockyard/s3name.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void s3_error(struct s3_call *c, enum aws_err e, ...)
{
    va_list ap;
    va_start(ap, e);
    aws_s3_error_v(c->req, c->resp, e, ap);
    va_end(ap);
}

void s3_error_internal(struct s3_call *c, int rc)
{
    switch (rc) {
    case LY_ENOPARENT:
        s3_error(c, AWS_S3_NO_SUCH_BUCKET, "BucketName", c->req->bucket, NULL);
        break;
    case LY_ENOENT: s3_error(c, AWS_S3_NO_SUCH_KEY, "Key", c->req->key, NULL); break;
    case LY_ETOOBIG: s3_error(c, AWS_S3_ENTITY_TOO_LARGE, NULL); break;
    case LY_EFULL:
        s3_error(c, AWS_S3_SERVICE_UNAVAILABLE, "Message",
                 "The lockyard store is full (LMDB map size)", NULL);
        break;
    default: s3_error(c, AWS_S3_INTERNAL_ERROR, NULL); break;
    }
}

int s3_xml_begin(struct ly_buf *b, const char *root)
{
    return ly_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">", root,
                       S3_XMLNS);
}

int s3_xml_elem(struct ly_buf *b, const char *name, const char *value)
{
    return ly_buf_add_xml_elem(b, name, value);
}

struct _xmlNode *s3_xml_read(struct s3_call *c, const char *root, struct _xmlDoc **doc)
{
    *doc = NULL;
    if (c->req->body_len == 0 || c->req->body_len > S3_XML_BODY_MAX)
        return NULL;
    *doc = xmlReadMemory((const char *)c->req->body, (int)c->req->body_len, NULL, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr r = *doc ? xmlDocGetRootElement(*doc) : NULL;
    return r && strcmp((const char *)r->name, root) == 0 ? r : NULL;
}

const char *s3_xml_text(struct s3_call *c, struct _xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = ly_arena_strdup(c->a, t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

int s3_xml_elemf(struct ly_buf *b, const char *name, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return s3_xml_elem(b, name, tmp);
}

void s3_xml_done(struct s3_call *c, int status)
{
    c->resp->status = status;
    if (ly_resp_header_set(c->resp, c->a, "Content-Type", "application/xml") != 0)
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
}

int s3_header(struct s3_call *c, const char *name, const char *value)
{
    if (ly_resp_header(c->resp, c->a, name, value) == 0)
        return 0;
    s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    return LY_ENOMEM;
}

int s3_header_ref(struct s3_call *c, const char *name, const char *value)
{
    if (value && ly_resp_header_ref(c->resp, name, value) == 0)
        return 0;
    s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    return LY_ENOMEM;
}

int s3_xml_elem_listing(struct ly_buf *b, const char *name, const char *value, int url)
{
    if (!url)
        return s3_xml_elem(b, name, value);
    struct ly_buf enc;
    ly_buf_init(&enc, 8192);
    /* As measured on AWS: "a b/c+d%" lists as "a+b/c%2Bd%25". */
    int rc = ly_pct_encode(&enc, value, strlen(value), LY_PCT_KEEP_SLASH | LY_PCT_PLUS_SPACE);
    if (!rc)
        rc = s3_xml_elem(b, name, enc.data ? enc.data : "");
    ly_buf_cleanup(&enc);
    return rc;
}

int s3_list_elem(struct ly_buf *b, const char *name, const char *value, int url, int *xml_unsafe)
{
    if (xml_unsafe && !url && !s3name_xml_safe(value))
        *xml_unsafe = 1;
    return s3_xml_elem_listing(b, name, value, url);
}

int s3_list_common_prefix(struct s3_call *c, struct ly_buf *prefixes, const char *key, size_t n,
                          int url, int *xml_unsafe, const char **prefix)
{
    char *p = ly_arena_strndup(c->a, key, n);
    if (!p)
        return LY_ENOMEM;
    *prefix = p;
    int rc = ly_buf_adds(prefixes, "<CommonPrefixes>");
    if (!rc)
        rc = s3_list_elem(prefixes, "Prefix", p, url, xml_unsafe);
    return rc ? rc : ly_buf_adds(prefixes, "</CommonPrefixes>");
}

int s3_list_encoding_or_reply(struct s3_call *c, int *url)
{
    const struct ly_qparam *q = ly_req_query(c->req, "encoding-type");
    *url = q != NULL;
    if (!q || strcmp(q->value, "url") == 0)
        return 0;
    s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid Encoding Method specified in Request",
             "ArgumentName", "encoding-type", "ArgumentValue", q->value, NULL);
    return LY_EINVAL;
}

int s3_list_max_keys_or_reply(struct s3_call *c, long dflt, long *max)
{
    const struct ly_qparam *q = ly_req_query(c->req, "max-keys");
    *max = dflt;
    if (!q)
        return 0;
    char *end;
    long v = strtol(q->value, &end, 10);
    if (!*q->value || *end || v < 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 "Provided max-keys not an integer or within "
                 "integer range",
                 "ArgumentName", "max-keys", "ArgumentValue", q->value, NULL);
        return LY_EINVAL;
    }
    *max = v > dflt ? dflt : v;
    return 0;
}

const char *s3_qval(struct s3_call *c, const char *name)
{
    const struct ly_qparam *q = ly_req_query(c->req, name);
    return q ? q->value : NULL;
}

size_t s3_list_rollup(const char *key, const char *prefix, const char *delimiter)
{
    if (!delimiter || !*delimiter)
        return 0;
    const char *d = strstr(key + (prefix ? strlen(prefix) : 0), delimiter);
    return d ? (size_t)(d - key) + strlen(delimiter) : 0;
}

int s3_list_same_prefix(const char *s, const char *key, size_t n)
{
    return s && strlen(s) == n && strncmp(s, key, n) == 0;
}
