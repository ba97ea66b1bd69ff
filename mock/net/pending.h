/*
 * pending.h - one request in flight (shared by pipeline.c and pending.c only): its state, what
 * it owns, and its allocation from a small pool of freed requests kept by the server.
 */
#ifndef LOCKYARD_NET_PENDING_H
#define LOCKYARD_NET_PENDING_H

#include "net_internal.h"
#include "journal.h"
#include "lockyard/arena.h"
#include "lockyard/buf.h"

#include <jansson.h>

/* Where a request is in its life; changed only by pending_set, which checks the step. */
enum pending_state {
    PENDING_NEW,         /* routing, authenticating, choosing a fault rule */
    PENDING_DELAYED,     /* a delay rule's timer runs before the handler */
    PENDING_HELD,        /* parked by a hold rule: released, a matching commit or its timeout */
    PENDING_APPLIED,     /* the handler ran */
    PENDING_DELAY_AFTER, /* applied; a delay_after timer runs before the answer */
    PENDING_SYNCING,     /* answered into the group-durability queue, waiting for the fsync */
    PENDING_DONE,        /* answered once (or dropped, or abandoned at shutdown) */
};

struct pending {
    struct server *srv;
    struct evhttp_request *ev;
    struct evhttp_connection *conn;
    struct ly_arena arena;
    struct ly_req req;
    struct ly_buf decoded; /* aws-chunked payload, or the body copied when deferred */
    struct net_body *body; /* the body the guard took and hashed as it came, or NULL */
    enum net_service svc;
    struct fault_facts facts;
    const struct ly_op *op; /* name and flags from the service's table (never NULL) */
    struct journal_entry je;
    enum pending_state state;
    size_t inflight_slot; /* journal_inflight_open's slot while it counts there */
    int has_fault;        /* a rule acts on this request: fault holds its copy */
    int dead;             /* the client closed the connection: the work still happens,
                                   the answer is not sent */
    struct event *timer;
    json_t *json_body; /* DynamoDB: the parsed body, shared with the handler */
    uint64_t seen_id;  /* group durability: store_commit_id once the handler ran */
    struct pending *next;
    struct ly_resp resp; /* these two last: not zeroed (ly_resp_init; fault read if has_fault) */
    struct fault_rule fault;
};

/* Moves p to state to (checked against the allowed steps). */
void pending_set(struct pending *p, enum pending_state to);
/* A request for ev, listed in srv->inflight: from the pool, or allocated. NULL: no memory. */
struct pending *pending_new(struct server *srv, struct evhttp_request *ev);
/* Frees what p owns and unlists it; p itself goes back to the pool (or is freed). */
void pending_free(struct pending *p);
/* Frees the pool (the server stops). */
void pending_pool_free(struct server *srv);

#endif
