/*
 * sts.c - STS GetCallerIdentity; every other STS action answers InvalidAction.
 */
#include "lockyard/sts.h"
#include "lockyard/aws_error.h"

#include <string.h>

#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"

static const char *form_value(struct ly_req *req, const char *name)
{
    struct ly_qparam *params;
    size_t n;
    char *body = ly_arena_strndup(req->arena, (const char *)req->body, req->body_len);
    if (!body || ly_query_parse(req->arena, body, &params, &n) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].name, name) == 0)
            return params[i].value;
    return NULL;
}

void sts_handle(struct ly_req *req, struct ly_resp *resp)
{
    const char *action = form_value(req, "Action");
    if (!action || strcmp(action, "GetCallerIdentity") != 0) {
        aws_sts_error(req, resp, AWS_STS_INVALID_ACTION,
                      "Could not find operation for this action (lockyard serves "
                      "GetCallerIdentity).");
        return;
    }
    const char *akid = req->access_key ? req->access_key : "AKIDLOCKYARD";
    struct ly_buf *b = &resp->body;
    int rc = ly_buf_addf(b,
                         "<GetCallerIdentityResponse xmlns=\"%s\"><GetCallerIdentityResult>"
                         "<Arn>arn:aws:iam::%s:user/lockyard</Arn><UserId>",
                         STS_XMLNS, STS_ACCOUNT_ID);
    if (!rc)
        rc = ly_buf_add_xml(b, akid, strlen(akid));
    if (!rc)
        rc = ly_buf_addf(b,
                         "</UserId><Account>%s</Account></GetCallerIdentityResult>"
                         "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
                         "</GetCallerIdentityResponse>",
                         STS_ACCOUNT_ID, req->request_id);
    if (!rc)
        rc = ly_resp_header(resp, req->arena, "Content-Type", "text/xml");
    if (!rc)
        rc = ly_resp_header(resp, req->arena, "x-amzn-RequestId", req->request_id);
    if (rc) {
        aws_sts_error(req, resp, AWS_STS_INTERNAL_FAILURE, NULL);
        return;
    }
    resp->status = 200;
}
