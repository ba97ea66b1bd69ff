/*
 * offload.h - the worker thread that runs handlers' work off the event loop (private to
 * mock/net; the job is lockyard/httpmsg.h's struct ly_offload).
 *
 * A handler that would read or hash a large stored body (CopyObject of a multipart object,
 * UploadPartCopy) leaves a job in resp->offload; the pipeline hands it here and parks the
 * request. One worker thread runs the jobs in order; when one ends, the loop is woken through
 * a pipe (as syncer.c does) and the request resumes. Bound: the stored bytes of the jobs queued
 * or running stay within --max-inflight-bytes (a job alone may always run), at most
 * OFFLOAD_JOBS_MAX jobs; beyond, the job ends LY_OFFLOAD_BUSY at once (503 SlowDown). A job
 * reads and writes in 1 MiB steps, so its memory is 1 MiB whatever its size.
 */
#ifndef LOCKYARD_NET_OFFLOAD_H
#define LOCKYARD_NET_OFFLOAD_H

#include "lockyard/httpmsg.h"

#include <event2/http.h>

#define OFFLOAD_JOBS_MAX 64

struct server;

typedef void (*offload_done_fn)(void *arg, enum ly_offload_end end);

/** Runs job->work on the worker, then done(arg, LY_OFFLOAD_DONE) on the loop (CANCELLED when
 *  the client closed conn meanwhile: the job was cancelled); done(arg, LY_OFFLOAD_BUSY) at once
 *  when over the bound or when no worker can be started. */
void net_offload(struct server *srv, struct ly_offload *job, struct evhttp_connection *conn,
                 offload_done_fn done, void *arg);
/** Runs resp->offload's resume (it answers, or only releases when cancelled) and clears it. */
void net_offload_resume(struct ly_resp *resp, enum ly_offload_end end);
/** The client went: the job's work may stop early (it still ends through done). NULL is fine. */
void net_offload_cancel(struct ly_offload *job);
/** At shutdown: the running job is cancelled and waited for; every job not ended ends
 *  LY_OFFLOAD_CANCELLED; the worker stops. */
void net_offload_free(struct server *srv);

#endif
