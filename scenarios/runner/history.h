/*
 * history.h - the runner's Jepsen-style history: invoke / ok / fail / info
 * events with monotonic times, plus marker events (critical-section enter and
 * exit, pause, crash, faults). Pure data and JSON-lines I/O on strings; the
 * checkers read it, the engine appends to it, `lockyard check` parses it.
 *
 * Ownership: struct history owns every event, every interned string and the
 * list values. Strings are interned to ids >= 1 (0 = none / absent).
 */
#ifndef LOCKYARD_RUNNER_HISTORY_H
#define LOCKYARD_RUNNER_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lockyard/err.h"

#define HIST_EVENTS_MAX (4u << 20)
#define HIST_TIME_END INT64_MAX

enum hev_type { HEV_INVOKE, HEV_OK, HEV_FAIL, HEV_INFO };

/* What a request does to the lock or the protected resource (set by the protocol). */
enum hev_role {
    ROLE_NONE,
    ROLE_LOCK,
    ROLE_UNLOCK,
    ROLE_FORCE_UNLOCK,
    ROLE_HEARTBEAT,
    ROLE_RESOURCE,
    ROLE_READ
};

enum hev_cond { COND_NONE, COND_INM, COND_IM };

struct hev {
    int64_t time_us;  /* monotonic, from the start of the run */
    uint32_t process; /* interned client name */
    uint8_t type;     /* enum hev_type */
    uint8_t role;     /* enum hev_role */
    uint8_t cond;     /* enum hev_cond */
    int8_t applied;   /* completions: 1 applied, 0 not, -1 unknown */
    char f[24];       /* GetObject PutObject … append read write cas add acquire release
                          cs_enter cs_exit pause resume crash give_up fault */
    uint32_t key;     /* interned "bucket/key" or table/key; 0 = none */
    int64_t cond_val; /* If-Match value (interned ETag) or cas expected value */
    int64_t val;      /* invoke: written value (ETag id, element id, number); completion: read */
    int val_known;    /* completion: 1 when val is an observed result */
    int status;       /* HTTP status of a completion, 0 = no answer */
    int64_t seq;      /* server commit sequence (journal), -1 unknown */
    int64_t done_us;  /* completion: the store had answered by then, before the client saw
                          it (the runner kept the real answer of a client-side fault); an info
                          completion with 0 may never have been answered */
    int64_t sent_us;  /* invoke: when the request left the client, if later than time_us (a
                          client-side delay or hold kept it); 0 = at time_us */
    uint32_t code;    /* interned AWS error code, 0 = none */
    uint32_t note;    /* interned free text shown in the report, 0 = none */
    int64_t *list;    /* read of a list: element ids (owned), NULL otherwise */
    size_t list_len;
    uint32_t pair; /* index of the matching invoke/completion; UINT32_MAX = none */
};

struct history {
    struct hev *ev;
    size_t n, cap;
    char **strs; /* strs[id - 1] */
    size_t nstrs, strs_cap;
    uint32_t *slots; /* open-addressing intern table: ids */
    size_t slots_cap;
};

void history_init(struct history *h);
void history_cleanup(struct history *h);

/** Interns s (copied). @return id >= 1, or 0 when out of memory */
uint32_t history_intern(struct history *h, const char *s);
/** The string of an id, "" for 0. */
const char *history_str(const struct history *h, uint32_t id);
/** Looks an id up without adding it. @return id or 0 */
uint32_t history_find(const struct history *h, const char *s);

/** Appends a copy of e (list ownership moves to the history). @return 0, LY_ENOMEM, LY_ETOOBIG */
int history_add(struct history *h, const struct hev *e) LY_WARN_UNUSED;
/** Zeroed event with pair/seq/applied set to "unknown". */
struct hev hev_blank(void);

/**
 * Links each completion to its invoke (same process, the process's open
 * invoke) and gives invokes that never completed a synthetic info at the
 * end. Idempotent. @return 0 or LY_ENOMEM
 */
int history_pair(struct history *h) LY_WARN_UNUSED;

/** 1 when request or operation f only reads (GetObject, HeadObject, GetItem, Query, Scan,
 *  BatchGetItem, TransactGetItems, read): a 2xx answer to anything else changed state. */
int hev_f_is_read(const char *f);
/** 1 for marker events (cs_enter, cs_exit, pause, resume, crash, give_up, fault, clock). */
int hev_is_marker(const struct hev *e);

/** Writes one JSON object per line. @return 0 or LY_EIO */
int history_write_jsonl(const struct history *h, FILE *f) LY_WARN_UNUSED;
/**
 * Parses JSON lines (the runner's format, or a plain Jepsen-style one with
 * process/type/f/value/time). Errors name the line in err.
 * @return 0, LY_EINVAL, LY_ENOMEM
 */
int history_parse_jsonl(struct history *h, const char *text, size_t len, char *err,
                        size_t err_size) LY_WARN_UNUSED;

const char *hev_type_name(int type);
const char *hev_role_name(int role);
int hev_role_parse(const char *s);

#endif
