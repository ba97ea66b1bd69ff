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
#include "lockyard/fault.h"
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
    uint32_t name_id; /* interned in the history */
    const struct sc_program *prog;
    struct ly_client_conn *conn;
    struct event *timer;
    int state;
    int pc, iter, iterations;
    int64_t steps_this_iter;
    uint64_t rng;
    struct rc_var vars[RC_VARS_MAX];
    size_t nvars;
    int *arrivals; /* per step index: times the label was reached */
    int end_count;
    int gate;      /* index of the gate holding the client, or -1 */
    int label_pc;  /* label step already counted (gates re-check it), or -1 */
    int resume_pc; /* after a pause */
    int64_t clock_offset_ms;
    double clock_rate;
    int in_cs;
    /* the request in flight */
    int attempt;
    uint32_t invoke_ev;
    int64_t sent_us;
    struct ly_buf body;
    char list_etag[128]; /* read_list: ETag of the list read (for fence: etag) */
    char *list_text;     /* read_list: the JSON array read, or NULL for absent */
    int64_t op;          /* op number of the request in flight */
    int cf_rule;         /* client-side fault rule acting on it, or -1 */
    int cf_held;         /* parked by a client-side hold */
    int jparked;         /* waits for the journal reader to catch up */
    struct event *cf_ev; /* a deferred send or a made-up answer */
    struct cf_saved *cf; /* what cf_ev sends or answers */
};

/* Where a scenario's fault rule acts. */
enum run_fault_where { RF_SERVER, RF_CLIENT, RF_PENDING };

struct run_fault {
    struct fault_rule rule; /* parsed, for client-side matching */
    int where;              /* enum run_fault_where */
    char why[160];          /* RF_PENDING: the reason */
};

/* One request the runner sent (or would have sent), by its op number (the x-lockyard-op id). */
struct run_op {
    uint32_t invoke; /* history index of its invoke */
    int64_t seq;     /* journal commit sequence, -1 until the journal lists it */
    int8_t applied;  /* journal / client-side truth: 1, 0, -1 unknown */
    uint8_t sent;    /* 0: a client-side fault kept it from being sent */
    uint8_t ddb;     /* a DynamoDB request */
    uint32_t note;   /* interned fault text, 0 = none */
    int64_t real_us; /* client-side fault: when the store's real answer came */
    int64_t sent_us; /* client-side delay or hold: when it was sent at last */
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
    const char *target;   /* NULL: embedded server */
    const char *self_exe; /* path of this binary, to start the embedded server */
    uint64_t seed;
    int seed_set;
    int clients_override; /* 0: the scenario's */
    int64_t seconds_override;
    int progress;      /* show progress on stderr (a TTY) */
    int client_faults; /* --client-faults: the runner applies the fault rules */
    int no_admin;      /* --no-admin: treat a lockyard target as a plain store */
    int reset_target;  /* --reset-target: POST /_lockyard/reset first */
    int keep;          /* --keep: leave the run's bucket and table on the target */
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
    int64_t t0_us;    /* monotonic start */
    int64_t wall0_ms; /* wall clock at start, for {{now_ms}} */
    uint64_t seed;
    int64_t deadline_us;
    size_t live; /* clients not done or crashed */
    pid_t server_pid;
    char host[256];
    int port;
    int tls;                 /* --target https:// */
    int is_lockyard;         /* the target answers /_lockyard/health */
    int journal_ok;          /* the target's journal was read for this run */
    char run_id[20];         /* prefix of every op id this run sends */
    int64_t jcursor;         /* journal: the last sequence number read */
    int64_t jdropped;        /* journal entries after the cursor lost from the ring */
    size_t junlisted;        /* sent requests the journal never listed (at the end) */
    char junlisted_ids[200]; /* the first few of them: "RUNID.N status S, ..." */
    int64_t jsettle_ms;      /* how long the end waited for in-flight requests */
    int64_t jinflight;       /* the server's count of ours not journaled yet, -1 unknown */
    int jbusy;               /* a journal page request is in flight */
    int64_t jcapacity;       /* entries the server's journal ring keeps, 0 unknown */
    int64_t jhead;           /* the newest sequence number at the last page */
    size_t jnops_sent;       /* ops made when the page in flight was asked for */
    size_t jnops_seen;       /* ... when the last page answered */
    size_t jparked;          /* clients parked by journal_must_wait */
    int jgate_off;           /* the journal cannot be read: never park again */
    int64_t jpark_since_us;  /* when the current pause began */
    int64_t jpaused_us;      /* time with clients parked, in all */
    int64_t jpauses;         /* how many times clients were parked */
    struct ly_client_conn *jconn;
    struct event *journal_ev;
    struct run_op *ops;
    size_t nops, ops_cap;
    char **fault_ids;            /* per scenario fault, the server's id */
    struct run_fault *rfaults;   /* per scenario fault: where it acts */
    json_t *saved_rules;         /* the target's own fault rules, set aside during the run */
    int own_target;              /* a --target: own names, cleaned up afterwards */
    int made_bucket, made_table; /* created by this run */
    volatile int interrupted;    /* SIGINT / SIGTERM */
    int stopped; /* the clients' loop is over: late answers and timers are ignored */
    struct event *sig_ev[2];
    int client_faults; /* the rules act in the runner (no admin API, or asked) */
    char pending[160]; /* why the scenario could not run, or "" */
    char error[256];
    struct event *progress_ev;
    struct event *deadline_ev;
    int64_t beliefs_overlap; /* live count for the progress line */
    size_t in_cs;            /* clients inside the critical section now */
    uint8_t *gate_done;      /* per script entry */
    uint8_t *event_done;     /* per client event */
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

/* engine_journal.c: the target's request journal, read from a cursor taken at the start */
/** Takes the cursor (the journal's head) and the run id. Blocking; before the clients start. */
int journal_begin(struct run *r) LY_WARN_UNUSED;
/** Starts reading pages every few ms while the clients run. */
int journal_follow(struct run *r) LY_WARN_UNUSED;
/** Blocking: reads until caught up, then gives each completion its seq / applied / fault. */
int journal_end(struct run *r) LY_WARN_UNUSED;
/**
 * Journal back-pressure: 1 when c must not send now because the journal reader is so far
 * behind that the server's ring could drop entries of this run; c is parked and resumed when
 * the reader has caught up. Never parks under a scheduler (explore) or without a journal.
 */
int journal_must_wait(struct rclient *c);
/* What the run learnt from the journal, for the reports: {followed, dropped, unlisted, ...}. */
json_t *journal_summary(const struct run *r);
/** A new op for an invoke. @return the op number, or -1 when out of memory */
int64_t run_op_new(struct run *r, uint32_t invoke);

/* engine_target.c: a --target is left as it was found */
/** The run's own bucket/table names; the target's fault rules set aside. Blocking. */
int target_prepare(struct run *r) LY_WARN_UNUSED;
/** Puts the target's rules back, removes the run's bucket and table (unless --keep). */
void target_restore(struct run *r);

/* engine_fault.c: fault rules applied by the runner itself (stores without lockyard's API) */
/** Decides where each rule acts; RF_PENDING rules make the run pending. @return 0, LY_EINVAL */
int cfault_setup(struct run *r) LY_WARN_UNUSED;
/** Sends req for c (or does what the acting client-side rule says instead). */
int cfault_send(struct rclient *c, const struct ly_client_req *req,
                const struct fault_facts *f) LY_WARN_UNUSED;
/** Releases the requests parked by a client-side hold of rule index `rule` (-1: all). */
void cfault_release(struct run *r, int rule);
void cfault_client_free(struct rclient *c);

/* engine_run.c */
/** Starts `SELF serve --memory --listen 127.0.0.1:0 --durability none` and reads its address.
 *  @return its pid, or -1 (err says why) */
pid_t run_spawn_server(const char *self_exe, char *host, size_t host_size, int *port, char *err,
                       size_t err_size);
int run_scenario(struct scenario *sc, const struct run_opts *opts, struct run **out) LY_WARN_UNUSED;
void run_free(struct run *r);
/* engine_setup.c: before and after the clients run */
int run_setup(struct run *r) LY_WARN_UNUSED;
/** A blocking call on the admin connection (x-lockyard-client: final); amz_target for DynamoDB. */
int run_call(struct run *r, const char *method, const char *path, const char *query,
             const char *service, const char *body, const char *amz_target,
             struct ly_client_result *res) LY_WARN_UNUSED;
int run_finish(struct run *r) LY_WARN_UNUSED;
/** Signs an admin API request with the run's key (a lockyard under --auth sigv4 asks for it)
 *  and adds LOCKYARD_ADMIN_TOKEN when set (a server started with --admin-token). */
int run_admin_auth(struct ly_client_req *req) LY_WARN_UNUSED;
/** Admin POST without waiting (release of a held request). */
void run_admin_post(struct run *r, const char *path, const char *json);

#endif
