/*
 * pending.c - a request in flight: its state steps (pending_set) and its allocation. A freed
 * request goes back to a pool of up to PENDING_POOL_MAX kept by the server, with its arena's
 * first block, so the next request costs no large allocation of its own (each is a struct of
 * several KiB plus an 8 KiB arena block: both past malloc's per-thread caches). Under
 * AddressSanitizer a pooled request is poisoned, so a use after its answer is still caught.
 */
#include "pending.h"
#include "body.h"
#include "lockyard/check.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define ARENA_BYTES_MAX (64u << 20)
#define RESP_XML_BYTES_MAX (256u << 20)
/* more than the requests one loop turn answers at the bench's 64 connections */
#define PENDING_POOL_MAX 128

void pending_set(struct pending *p, enum pending_state to)
{
    static const unsigned next[] = {
        [PENDING_NEW] = 1u << PENDING_DELAYED | 1u << PENDING_HELD | 1u << PENDING_APPLIED,
        [PENDING_DELAYED] = 1u << PENDING_APPLIED,
        [PENDING_HELD] = 1u << PENDING_APPLIED,
        [PENDING_APPLIED] = 1u << PENDING_DELAY_AFTER | 1u << PENDING_SYNCING,
        [PENDING_DELAY_AFTER] = 1u << PENDING_SYNCING,
        [PENDING_SYNCING] = 0,
        [PENDING_DONE] = 0,
    };
    /* Any live request may end (answered, dropped, or abandoned at shutdown); once. */
    LY_ASSERT(p->state != PENDING_DONE);
    LY_ASSERT(to == PENDING_DONE || (next[p->state] & (1u << to)));
    int was = p->state < PENDING_SYNCING && p->state != PENDING_HELD,
        is = to < PENDING_SYNCING &&
             to != PENDING_HELD; /* journal_inflight: listed later without anyone's help */
    if (p->je.op_id[0] && is > was)
        p->inflight_slot = journal_inflight_open(p->srv->journal, p->je.op_id);
    else if (p->je.op_id[0] && is < was)
        journal_inflight_close(p->srv->journal, p->inflight_slot);
    p->state = to;
}

void pending_free(struct pending *p)
{
    LY_ASSERT(p->state == PENDING_DONE);
    struct pending **pp = &p->srv->inflight;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    if (p->timer)
        event_free(p->timer);
    json_decref(p->json_body);
    ly_resp_cleanup(&p->resp);
    ly_buf_cleanup(&p->decoded);
    net_body_release(p->body, p->req.body_blob_kept);
    struct server *srv = p->srv;
    if (srv->npool >= PENDING_POOL_MAX) {
        ly_arena_cleanup(&p->arena);
        free(p);
        return;
    }
    ly_arena_reset(&p->arena); /* keeps one block for the next request */
    p->next = srv->pool;
    srv->pool = p;
    srv->npool++;
    ASAN_POISON_MEMORY_REGION(p, sizeof *p);
}

struct pending *pending_new(struct server *srv, struct evhttp_request *ev)
{
    struct pending *p = srv->pool;
    if (p) {
        ASAN_UNPOISON_MEMORY_REGION(p, sizeof *p);
        srv->pool = p->next;
        srv->npool--;
    } else if ((p = malloc(sizeof *p)) != NULL) {
        ly_arena_init(&p->arena, ARENA_BYTES_MAX);
    } else {
        return NULL;
    }
    struct ly_arena arena = p->arena; /* empty: init'd, or reset when pooled */
    memset(p, 0, offsetof(struct pending, resp));
    p->arena = arena;
    p->srv = srv;
    p->ev = ev;
    p->conn = evhttp_request_get_connection(ev);
    ly_resp_init(&p->resp, srv->opts.object_bytes_max + RESP_XML_BYTES_MAX);
    ly_buf_init(&p->decoded, srv->opts.object_bytes_max + (1u << 20));
    p->req.arena = &p->arena;
    p->next = srv->inflight;
    srv->inflight = p;
    return p;
}

void pending_pool_free(struct server *srv)
{
    while (srv->pool) {
        struct pending *p = srv->pool;
        ASAN_UNPOISON_MEMORY_REGION(p, sizeof *p);
        srv->pool = p->next;
        ly_arena_cleanup(&p->arena);
        free(p);
    }
    srv->npool = 0;
}
