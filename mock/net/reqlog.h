/*
 * reqlog.h - the request log (private to mock/net): one line per answered or dropped request
 * on stderr, as text (logfmt) or one JSON object, when --log-level is info or debug.
 */
#ifndef LOCKYARD_REQLOG_H
#define LOCKYARD_REQLOG_H

#include "journal.h"

struct evhttp_connection;

/**
 * Writes the line for one request: wall-clock time, request id, client (the
 * x-lockyard-client header, the access key, or the peer address), service and operation, bucket
 * and key (or table and key), status and AWS error code ("dropped" without an answer),
 * duration and the fault that fired. path is the request path (used for admin requests);
 * conn may be NULL (client gone).
 */
void reqlog_write(int json, const struct journal_entry *je, const char *method, const char *path,
                  struct evhttp_connection *conn);

#endif
