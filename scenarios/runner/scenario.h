/*
 * scenario.h - a scenario as loaded from YAML: the protocol as a program of
 * steps (built-in protocols are programs too, see protocols.c), the clients,
 * the run length, server fault rules, client events, the interleaving script
 * and the expected verdict.
 *
 * Ownership: scenario_free releases everything; strings are heap copies.
 * Errors name the file line and the field ("line 12: steps[3].s3: ...").
 */
#ifndef LOCKYARD_RUNNER_SCENARIO_H
#define LOCKYARD_RUNNER_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/err.h"

#define SC_ON_MAX 8
#define SC_SAVE_MAX 8
#define SC_SET_MAX 8
#define SC_PARAMS_MAX 32
#define SC_CLIENTS_MAX 10000
#define SC_STEPS_MAX 256

enum sc_kind {
    ST_LABEL,
    ST_S3,
    ST_DDB,
    ST_APPEND,
    ST_SLEEP,
    ST_GOTO,
    ST_IF,
    ST_SET,
    ST_CS_ENTER,
    ST_CS_EXIT,
    ST_GIVE_UP,
    ST_DONE,
    ST_READ_LIST
};

struct sc_branch {
    int status; /* HTTP status; 0 with code = match the AWS code; -1 = default */
    char *code;
    char *label;
    int target; /* resolved step index */
};

struct sc_kv {
    char *name;
    char *value;
};

struct sc_step {
    int kind;
    int line;
    char *label; /* ST_LABEL name, ST_GOTO target */
    int target;  /* ST_GOTO, ST_IF then */
    char *else_label;
    int else_target; /* -1 = fall through */
    /* requests */
    char *op; /* PutObject, GetItem, … */
    char *bucket, *key, *body, *if_match, *if_none_match;
    char *table, *request;  /* DynamoDB: the JSON request body template */
    int role;               /* enum hev_role; append: resource unless role: none */
    int retries;            /* SDK-like retries on 5xx / no answer */
    int fence;              /* ST_APPEND: 1 = If-Match the ETag read (CAS) */
    char *element;          /* ST_APPEND: the element appended; ST_S3: logical append to list */
    char *list;             /* ST_S3 with element: the list (a versioned log "prefix/") */
    char *copy_source;      /* CopyObject: the source key (same bucket) */
    char *upload_id, *part; /* UploadPart / CompleteMultipartUpload: ?uploadId= and partNumber= */
    int trust_status;       /* 1: a 200 whose body is an <Error> counts as success (a bug) */
    struct sc_kv save[SC_SAVE_MAX];
    size_t nsave;
    struct sc_branch on[SC_ON_MAX];
    size_t non;
    /* sleep: min..max ms (templates); if: expression; set: assignments */
    char *sleep_ms;
    char *expr;
    struct sc_kv set[SC_SET_MAX];
    size_t nset;
};

struct sc_program {
    struct sc_step *steps;
    size_t n;
};

enum sc_event_kind { EV_PAUSE, EV_CRASH, EV_CLOCK };

struct sc_event {
    int kind;
    int client;        /* index */
    char *at;          /* label */
    int times;         /* the nth time the label is reached (1) */
    int64_t ms;        /* pause length */
    int64_t offset_ms; /* clock */
    double rate;
    int line;
};

struct sc_gate {
    int client;
    char *before; /* label the client is about to pass */
    int times;
    int wait_client; /* -1: none */
    char *wait_label;
    int wait_times;
    char *release;  /* fault rule name to release, or NULL */
    int64_t max_ms; /* give up waiting after this long (0 = wait) */
    int line;
};

struct sc_fault {
    char *name; /* for release */
    char *json; /* the rule as JSON, as the admin API takes it */
    int line;
};

struct sc_client {
    char *name;
    struct sc_program prog; /* own program, or n == 0 to run the protocol */
    int iterations;         /* 0 = the scenario's */
};

struct scenario {
    char *path;
    char *name;
    char *description;
    char *target;        /* NULL = embedded server */
    char *protocol_name; /* built-in name or "custom" */
    struct sc_kv params[SC_PARAMS_MAX];
    size_t nparams;
    struct sc_program prog;
    struct sc_client *clients;
    size_t nclients;
    int iterations;  /* per client (default 1) */
    int64_t seconds; /* time limit (default 30) */
    uint64_t seed;
    int seed_set;
    char *bucket;
    char *table;
    char **lists; /* keys read at the end as append lists */
    size_t nlists;
    struct sc_fault *faults;
    size_t nfaults;
    struct sc_event *events;
    size_t nevents;
    struct sc_gate *gates;
    size_t ngates;
    uint32_t expect;         /* bit per violation kind; 0 = pass */
    int orphan_check;        /* checks.orphan_lock (default 1) */
    int needs_faults;        /* set when any fault rule or mode is used */
    int requires_stale_read; /* requires: [stale_read] - probed on the target first */
    char *schedule;          /* script: - schedule: [A, B, "A:lost_ack", ...] joined by spaces;
                             NULL = none (see explore.h) */
};

/** Loads a scenario file. @return 0; LY_EINVAL with err filled; LY_ENOMEM; LY_ENOENT */
int scenario_load_file(const char *path, struct scenario **out, char *err,
                       size_t err_size) LY_WARN_UNUSED;
/** Loads from text (name used in errors). */
int scenario_load_text(const char *text, size_t len, const char *name, struct scenario **out,
                       char *err, size_t err_size) LY_WARN_UNUSED;
void scenario_free(struct scenario *s);

/** Index of a label step in prog, or -1. */
int sc_program_label(const struct sc_program *p, const char *label);

/** A parameter of the scenario (after protocol defaults), or NULL. */
const char *scenario_param(const struct scenario *s, const char *name);

/** The YAML text of a built-in protocol (steps + params), or NULL. */
const char *protocol_text(const char *name);
/** Built-in protocol names, NULL-terminated, and one line each. */
extern const char *const protocol_names[];
const char *protocol_summary(const char *name);

#endif
