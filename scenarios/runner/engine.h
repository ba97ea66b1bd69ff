/*
 * engine.h - runs a scenario: N clients on one libevent loop, each a small
 * interpreter of the protocol's steps, talking to the target through
 * lockyard's client module and recording a history.
 *
 * Everything lives in one struct run (no globals); one seed drives every
 * random choice (per-client generators are derived from it).
 */
#ifndef LOCKYARD_RUNNER_ENGINE_H
#define LOCKYARD_RUNNER_ENGINE_H

#include <stdint.h>
#include <sys/types.h>

#include "check.h"
#include "history.h"
#include "lockyard/buf.h"
#include "lockyard/client.h"
#include "scenario.h"

#define RC_VARS_MAX 48
#define RC_VAR_BYTES_MAX (64 * 1024)

enum rc_state { RS_READY, RS_WAIT, RS_SLEEP, RS_GATED, RS_PAUSED, RS_CRASHED, RS_DONE };

struct rc_var {
    char name[32];
    char *value;
};

struct run;

struct rclient {
    struct run *run;
    int idx;
    uint32_t name_id;            /* interned in the history */
    const struct sc_program *prog;
    struct ly_client_conn *conn;
    struct event *timer;
    int state;
    int pc, iter, iterations;
    int64_t steps_this_iter;
    uint64_t rng;
    struct rc_var vars[RC_VARS_MAX];
    size_t nvars;
    int *arrivals;               /* per step index: times the label was reached */
    int end_count;
    int gate;                    /* index of the gate holding the client, or -1 */
    int label_pc;                /* label step already counted (gates re-check it), or -1 */
    int resume_pc;               /* after a pause */
    int64_t clock_offset_ms;
    double clock_rate;
    int in_cs;
    /* the request in flight */
    int attempt;
    uint32_t invoke_ev;
    int64_t sent_us;
    struct ly_buf body;
    char list_etag[128];         /* read_list: ETag of the list read (for fence: etag) */
    char *list_text;             /* read_list: the JSON array read, or NULL for absent */
    int64_t req_count;           /* requests sent (journal matching) */
    int64_t *req_ev;             /* completion event of each request, by request number */
    size_t req_ev_cap;
};

/*
 * A scheduler that serialises the clients (lockyard explore, `script: - schedule:`).
 * NULL in run_opts: the clients run freely on the event loop.
 */
struct run_sched {
    void *arg;
    /** A client is about to build a request (first try or retry): 1 holds it there. */
    int (*hold)(void *arg, struct rclient *c);
    /** Sends the built request in place of ly_client_send (the answer goes to engine_on_answer). */
    int (*send)(void *arg, struct rclient *c, const struct ly_client_req *req);
    /** A client waits delay_us (sleep, retry backoff): 1 when the scheduler wakes it. */
    int (*sleep)(void *arg, struct rclient *c, int64_t delay_us);
    /** Logical milliseconds since the start, in place of the monotonic clock for {{now_ms}}. */
    int64_t (*now_ms)(void *arg);
};

struct run_opts {
    const char *target;          /* NULL: embedded server */
    const char *self_exe;        /* path of this binary, to start the embedded server */
    uint64_t seed;
    int seed_set;
    int clients_override;        /* 0: the scenario's */
    int64_t seconds_override;
    int progress;                /* show progress on stderr (a TTY) */
    int quiet;
    const struct run_sched *sched; /* NULL: free-running clients */
};

struct run {
    struct scenario *sc;
    const struct run_opts *opts;
    struct event_base *base;
    struct ly_client *http;
    struct ly_client_conn *admin;
    struct rclient *clients;
    size_t nclients;
    struct history h;
    int64_t t0_us;               /* monotonic start */
    int64_t wall0_ms;            /* wall clock at start, for {{now_ms}} */
    uint64_t seed;
    int64_t deadline_us;
    size_t live;                 /* clients not done or crashed */
    pid_t server_pid;
    char host[256];
    int port;
    int tls;              /* --target https:// */
    int is_lockyard;             /* the target answers /_lockyard/health */
    int journal_ok;
    int64_t journal_start;       /* the journal's last sequence number before the clients ran */
    char **fault_ids;            /* per scenario fault, the server's id */
    char pending[160];           /* why the scenario could not run, or "" */
    char error[256];
    struct event *progress_ev;
    struct event *deadline_ev;
    int64_t beliefs_overlap;     /* live count for the progress line */
    size_t in_cs;                /* clients inside the critical section now */
    uint8_t *gate_done;          /* per script entry */
    uint8_t *event_done;         /* per client event */
};

int64_t run_now_us(const struct run *r);

/* engine_vm.c */
int rclient_start(struct rclient *c);
void rclient_schedule(struct rclient *c, int64_t delay_us);
void rclient_resume(struct rclient *c);
const char *rclient_var(const struct rclient *c, const char *name);
int rclient_set(struct rclient *c, const char *name, const char *value, size_t len) LY_WARN_UNUSED;
/** Expands {{name}} placeholders. @return 0, LY_EINVAL (unknown name, in err), LY_ETOOBIG */
int rclient_expand(struct rclient *c, const char *tpl, struct ly_buf *out) LY_WARN_UNUSED;
uint64_t rclient_rand(struct rclient *c);
int64_t rclient_now_ms(const struct rclient *c);
int run_mark(struct run *r, struct rclient *c, const char *f, const char *note) LY_WARN_UNUSED;
void run_client_finished(struct run *r, struct rclient *c);
void run_fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* engine_req.c: requests of a step; the answer continues the interpreter */
int rclient_request(struct rclient *c, const struct sc_step *st) LY_WARN_UNUSED;
int rclient_read_list(struct rclient *c, const struct sc_step *st) LY_WARN_UNUSED;
/* engine_answer.c: the ly_client callback of every step request (arg: the rclient) */
void engine_on_answer(const struct ly_client_resp *resp, void *arg);

/* engine_run.c */
int run_scenario(struct scenario *sc, const struct run_opts *opts, struct run **out) LY_WARN_UNUSED;
void run_free(struct run *r);
/* engine_setup.c: before and after the clients run */
int run_setup(struct run *r) LY_WARN_UNUSED;
int run_finish(struct run *r) LY_WARN_UNUSED;
/** Admin POST without waiting (release of a held request). */
void run_admin_post(struct run *r, const char *path, const char *json);

#endif
