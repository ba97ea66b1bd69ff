/*
 * sts.h - the little of AWS STS that SDK-based tools need: GetCallerIdentity (query protocol,
 * XML answer with a stable fake account and the caller's access key).
 */
#ifndef LOCKYARD_STS_H
#define LOCKYARD_STS_H

#include "lockyard/httpmsg.h"

#define STS_ACCOUNT_ID "000000000000"

void sts_handle(struct ly_req *req, struct ly_resp *resp);

#endif
