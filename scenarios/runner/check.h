/*
 * check.h - the history checkers. Pure: they read a struct history and fill a
 * struct check_result; no I/O, no clocks, no globals.
 *
 *  - mutual exclusion, believed: two clients between cs_enter and cs_exit at once;
 *  - ownership replay over the applied lock/unlock/resource writes (in server
 *    commit order when the journal gave sequence numbers, else completion
 *    order): effective mutual exclusion (a protected write committed by a
 *    client that did not own the lock), foreign unlock, orphan lock;
 *  - workloads: lost / duplicate appends against the final read of each list;
 *    lost / duplicate increments against the final counter value;
 *  - liveness: give-ups, holder crash with no later acquisition, wait times;
 *  - linearizability of every key (WGL with memoisation, partitioned by key).
 */
#ifndef LOCKYARD_RUNNER_CHECK_H
#define LOCKYARD_RUNNER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

enum violation_kind {
    V_MUTEX_BELIEVED,
    V_MUTEX_EFFECTIVE,
    V_LOST_UPDATE,
    V_DUPLICATE_UPDATE,
    V_FOREIGN_UNLOCK,
    V_ORPHAN_LOCK,
    V_LIVENESS,
    V_NONLINEARIZABLE,
    V_KINDS
};

#define VIOLATION_EVENTS_MAX 8
#define VIOLATIONS_PER_KIND_MAX 16

struct violation {
    int kind;
    int64_t time_us;
    uint32_t events[VIOLATION_EVENTS_MAX]; /* indices into the history: the minimal set */
    size_t nevents;
    char msg[256];
};

struct check_stats {
    size_t ops, ok, fail, info;
    size_t cs_count;                                        /* critical sections entered */
    int64_t lat_p50_us, lat_p90_us, lat_p99_us, lat_max_us; /* of completed requests */
    int64_t wait_max_us; /* longest wait for the critical section */
    int64_t recovery_us; /* holder crash to next acquisition; -1 none */
    size_t starved;      /* clients that never entered while others did */
    size_t processes;
    size_t wgl_keys, wgl_ok, wgl_illegal, wgl_unknown;
};

struct check_opts {
    const char *model;       /* "s3" (default), "register", "lock", "counter", "none" */
    int orphan_lock;         /* 1: report orphan locks (default) */
    size_t wgl_memory_bytes; /* cache cap per key; 0 = 256 MiB */
};

#define CHECK_WHY_MAX 240

struct check_result {
    struct violation *v;
    size_t n, cap;
    uint32_t found;   /* bit per violation_kind: proven by the evidence */
    uint32_t unknown; /* bit per kind: the evidence cannot decide (why[kind] says why) */
    char why[V_KINDS][CHECK_WHY_MAX];
    int order; /* enum check_order: how commits were ordered */
    size_t per_kind[V_KINDS];
    struct check_stats stats;
};

enum check_order { ORDER_NONE, ORDER_JOURNAL, ORDER_REALTIME };

void check_opts_defaults(struct check_opts *o);
/** Marks kind as undecided, with the reason (the first reason given is kept). */
void check_unknown(struct check_result *r, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** The verdict: "ok" (found == expect and nothing undecided could change that), "mismatch"
 *  (proven different), "unknown" (the evidence cannot tell). */
const char *check_verdict(const struct check_result *r, uint32_t expect);
void check_result_init(struct check_result *r);
void check_result_cleanup(struct check_result *r);
const char *violation_name(int kind);
/** @return kind or -1 */
int violation_parse(const char *name);

/** Runs every checker. The history must be paired. @return 0 or LY_ENOMEM */
int check_all(const struct history *h, const struct check_opts *o,
              struct check_result *r) LY_WARN_UNUSED;

/** Names every violation's operations by their invoke's history index (deduplicated). */
void check_number_ops(const struct history *h, struct check_result *r);

/* The individual checkers (each appends to r). */
int check_mutex_believed(const struct history *h, struct check_result *r) LY_WARN_UNUSED;
int check_ownership(const struct history *h, int orphan, struct check_result *r) LY_WARN_UNUSED;

/* check_order.c: ownership when the commit order is not known (no journal, or entries lost):
 * only what holds in every commit order consistent with real time is reported. */
struct own_item {
    int64_t call, ret; /* ret = HIST_TIME_END when the outcome never came */
    int64_t seq;       /* journal commit sequence, -1 unknown */
    uint32_t process;
    uint8_t role;  /* ROLE_LOCK, ROLE_UNLOCK, ROLE_FORCE_UNLOCK, ROLE_RESOURCE */
    uint8_t maybe; /* applied unknown */
    uint32_t ev;   /* completion index */
};
int check_ownership_realtime(const struct history *h, struct own_item *items, size_t n, int orphan,
                             const char *why, struct check_result *r) LY_WARN_UNUSED;
int check_lists(const struct history *h, struct check_result *r) LY_WARN_UNUSED;
int check_liveness(const struct history *h, struct check_result *r) LY_WARN_UNUSED;
int check_stats(const struct history *h, struct check_result *r) LY_WARN_UNUSED;
int check_linearizable(const struct history *h, const char *model, size_t memory_bytes,
                       struct check_result *r) LY_WARN_UNUSED;

/** Adds a violation (at most VIOLATIONS_PER_KIND_MAX kept per kind). */
int check_add(struct check_result *r, int kind, int64_t time_us, const uint32_t *events,
              size_t nevents, const char *fmt, ...)
    __attribute__((format(printf, 6, 7))) LY_WARN_UNUSED;

/* ---- WGL on plain operations (used by check_linearizable and the tests) ---- */

enum wgl_kind {
    W_READ,
    W_WRITE,
    W_CAS,
    W_ACQUIRE,
    W_RELEASE,
    W_ADD,
    W_S3_GET,
    W_S3_PUT,
    W_S3_DELETE
};
enum wgl_model { WM_REGISTER, WM_LOCK, WM_COUNTER, WM_S3 };

struct wgl_op {
    int64_t call, ret; /* ret = HIST_TIME_END for an unknown outcome */
    uint8_t kind;      /* enum wgl_kind */
    uint8_t cond;      /* S3: enum hev_cond */
    uint8_t out_known; /* reads: 1 when out is the observed value */
    uint8_t unknown;   /* outcome unknown (info): conditions may fail silently */
    int64_t a, b;      /* write value / cas old,new / add delta / owner / cond value */
    int64_t out;       /* read result */
    uint32_t ev;       /* history index of the invoke, for reports */
};

enum wgl_verdict { WGL_OK, WGL_ILLEGAL, WGL_UNKNOWN };

struct wgl_result {
    int verdict;
    size_t stuck; /* ILLEGAL: index of the op that could not be linearized */
    size_t depth; /* longest linearized prefix */
};

/** One model transition. @return 1 when op may take effect in state (next set), else 0 */
int wgl_step(int model, int64_t state, const struct wgl_op *op, int64_t *next);
/** Checks one partition. @return 0 or LY_ENOMEM (verdict UNKNOWN when over memory_bytes) */
int wgl_check(int model, const struct wgl_op *ops, size_t n, size_t memory_bytes,
              struct wgl_result *out) LY_WARN_UNUSED;

#endif
