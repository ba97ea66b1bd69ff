/*
 * explore.h - `lockyard explore`: runs a scenario under every distinct
 * schedule of its clients' requests (up to a bound) against the embedded
 * server, checks each history with the checkers, and reports a bounded proof
 * or the shortest violating schedule.
 *
 * A schedule serialises the clients: one request in flight at a time, and a
 * choice point before each one (which client goes next, with which fault).
 * Sleeps and backoffs run on a logical clock that only moves when a waiting
 * client is woken. The choices of one schedule, written as
 * `script: - schedule: [A, B, "A:lost_ack", ...]`, make `lockyard run` replay
 * it deterministically (explore_replay).
 *
 *  explore_sched.c  the scheduler hooks of one run (struct run_sched)
 *  explore_search.c depth-first search with sleep sets and the bounds
 *  explore_cli.c    the command, its output and the replay file
 */
#ifndef LOCKYARD_RUNNER_EXPLORE_H
#define LOCKYARD_RUNNER_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define XKEY_MAX 160

/* Faults the explorer may put on a request (at most --faults per schedule). */
enum xfault { XF_NONE, XF_LOST_ACK, XF_FAIL, XF_CONFLICT, XF_PAUSE, XF_CRASH, XF_KINDS };

/* How a waiting client may be woken. */
enum xwake { XW_NONE, XW_POLL, XW_RETRY, XW_PAUSE, XW_FORCED };

/* Which requests a fault kind may hit (from the scenario's fault rules and events). */
struct xfault_spec {
    int kind;                 /* enum xfault */
    char service[16], op[32]; /* "" = any */
    char key[XKEY_MAX];       /* glob, "" = any */
    int conditional;          /* -1 any, 0 unconditional only, 1 conditional only */
    char label[32];           /* from an event: the first request after this label, "" = any */
    int64_t ms;               /* pause length */
};

/* One enabled transition at a choice point. */
struct xopt {
    int client;
    int fault;          /* enum xfault (requests only) */
    int wake;           /* enum xwake: 0 = the client's held request */
    int cost;           /* preemptions it adds */
    int64_t ms;         /* XF_PAUSE: how long */
    int write;          /* the request may change the store */
    char key[XKEY_MAX]; /* the request's key ("" for a wake) */
};

struct xrun;

/* Decides at each choice point. @return an index into opts; -1 stop (redundant), -2 error */
typedef int (*xchoose_fn)(void *arg, const struct xrun *xr, struct xopt *opts, size_t n);

struct xconfig {
    struct scenario *sc; /* prepared by explore_prepare */
    const char *target;  /* http://HOST:PORT of the server */
    const char *self_exe;
    int faults_max; /* F */
    int max_steps;  /* choice points per schedule */
    struct xfault_spec specs[16];
    size_t nspecs;
    int timed;        /* the protocol reads {{now_ms}}: time orders matter */
    int any_fault;    /* replay: every fault kind on every request */
    int64_t pause_ms; /* default pause length */
};

/* What one schedule did. */
struct xoutcome {
    int pruned;    /* stopped as redundant (sleep set) */
    int truncated; /* --max-steps reached */
    int error;     /* the run failed: msg */
    char msg[256];
    uint32_t found;  /* violation bits */
    size_t requests; /* requests sent */
    int preemptions, faults;
    char *choices;    /* "A B A:lost_ack ..." (heap) */
    char *transcript; /* numbered requests with answers (heap) */
};

void xoutcome_cleanup(struct xoutcome *o);

/** 1 when a and b do not commute (same client, same key with a write, time, wake-ups). */
int xopt_dependent(const struct xopt *a, const struct xopt *b, int timed);

/** Fault name "lost_ack" ... and back (-1 unknown). */
const char *xfault_name(int f);
int xfault_parse(const char *s);

/**
 * Derives the fault kinds from the scenario (fault rules, pause/crash events)
 * or from kinds ("lost_ack,fail,..." overrides), keeps only the fault rules
 * that are store modes (ignore_conditions, etag_random, stale_read), drops the
 * events other than clocks and the gates. @return 0, LY_EINVAL (msg in err)
 */
int explore_prepare(struct xconfig *x, const char *kinds, int64_t pause_ms, char *err,
                    size_t err_size) LY_WARN_UNUSED;

/** Runs and checks one schedule: choose decides every choice point. @return 0 or LY_ENOMEM */
int explore_one(const struct xconfig *x, xchoose_fn choose, void *arg,
                struct xoutcome *out) LY_WARN_UNUSED;

/* One serialised run (explore_sched.c). */
struct xrun *xrun_new(const struct xconfig *x, xchoose_fn choose, void *arg);
void xrun_free(struct xrun *xr);
const struct run_sched *xrun_hooks(struct xrun *xr);
/** Frees what belongs to the run's event loop (call before run_free). */
void xrun_detach(struct xrun *xr);
int xrun_preemptions(const struct xrun *xr);
/** @return preemptions; the flags of how the run ended and the faults used */
int xrun_state(const struct xrun *xr, int *pruned, int *truncated, int *failed, int *faults);
const char *xrun_choices(const struct xrun *xr);
const char *xrun_client_name(const struct xrun *xr, int i);
/** The fault applied to the request whose invoke is ev, or XF_NONE. */
int xrun_fault_of(const struct xrun *xr, uint32_t ev);

/** `lockyard run` of a scenario with `script: - schedule:`. Same contract as run_scenario. */
int explore_replay(struct scenario *sc, const struct run_opts *opts,
                   struct run **out) LY_WARN_UNUSED;

/** Starts `SELF serve --memory` on a free port; url gets http://HOST:PORT. @return pid or -1 */
int explore_server_start(const char *self_exe, char *url, size_t size, char *err, size_t esize);
void explore_server_stop(int pid);

/* ---- the search (explore_search.c) ---- */

struct xsearch_opts {
    int preemptions; /* K */
    int64_t max_schedules;
    int64_t seconds;
};

struct xsearch_stats {
    int64_t schedules, blocked, pruned, truncated, distinct, errors;
    int exhaustive; /* the search finished within its bound */
    double seconds;
    uint32_t found;       /* union of violation bits */
    int64_t found_in[32]; /* schedules showing each kind */
    struct xoutcome best; /* the counterexample (or example) to show; choices NULL if none */
    char first_error[1024];
};

/**
 * Explores every schedule within the bounds. want: violation bits expected by
 * the scenario (the counterexample prefers a schedule outside them).
 * @return 0 or LY_ENOMEM
 */
int explore_search(const struct xconfig *x, const struct xsearch_opts *o, uint32_t want,
                   struct xsearch_stats *st) LY_WARN_UNUSED;
void xsearch_stats_cleanup(struct xsearch_stats *st);

/** The reduction alone, on an abstract transition system (tests/unit/test_explore.c). */
struct xmodel {
    size_t nclients;
    const struct xopt *const *steps; /* per client, its transitions in order */
    const size_t *nsteps;
    /* optional: called with the clients of every complete schedule, in order */
    void (*on_schedule)(void *arg, const int *order, size_t n);
    void *arg;
};
/** Number of complete schedules explored and blocked ones, for a model. @return 0 / LY_ENOMEM */
int explore_model(const struct xmodel *m, int preemptions, int64_t *schedules,
                  int64_t *blocked) LY_WARN_UNUSED;

#endif
