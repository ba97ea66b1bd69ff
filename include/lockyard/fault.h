/*
 * fault.h - fault rules (pure): parsing and validation from JSON or "key=value,…" text, and
 * matching a request's facts against a rule. Executing an action is net's job.
 *
 * A rule = matcher + action (docs/faults.md, docs/architecture.md):
 *   {"match": {"service":"s3","op":"PutObject","bucket":"tf","key":"*.tflock","table":"locks",
 *              "client":"A","conditional":true,"nth":1,"every":2,"probability":0.5,"seed":7,
 *              "count":1,"after_ms":0,"before_ms":60000},
 *    "action": {"type":"fail_after","status":500,"code":"InternalError","ms":100,
 *               "until":{…a matcher…}}}
 * Globs support '*' and '?'. nth counts matching requests from 1 (fires on the nth only);
 * every fires on every nth-multiple; probability uses a PRNG seeded by seed; count caps how
 * often the rule fires in all; after_ms/before_ms bound the time since the rule was added.
 */
#ifndef LOCKYARD_FAULT_H
#define LOCKYARD_FAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lockyard/err.h"

enum fault_action {
    FAULT_DELAY,             /* wait ms before applying */
    FAULT_DELAY_AFTER,       /* apply, wait ms before answering */
    FAULT_FAIL,              /* answer status/code, apply nothing */
    FAULT_FAIL_AFTER,        /* apply, then answer status/code (the lost acknowledgement) */
    FAULT_DROP,              /* close the connection, apply nothing */
    FAULT_DROP_AFTER,        /* apply, then close the connection without an answer */
    FAULT_CONFLICT,          /* 409 ConditionalRequestConflict, apply nothing */
    FAULT_HOLD,              /* park before applying until released (or until / ms) */
    FAULT_STALE_READ,        /* reads answer from the state ms ago */
    FAULT_THROTTLE,          /* 503 SlowDown / ThrottlingException, apply nothing */
    FAULT_IGNORE_CONDITIONS, /* mode: preconditions are accepted without evaluation */
    FAULT_ETAG_RANDOM,       /* mode: ETags are random instead of the body's MD5 */
    FAULT_ERROR_IN_200,      /* 200 OK with an <Error> body (CompleteMultipartUpload, CopyObject,
                             UploadPartCopy only), applied or not as `applied` says */
    FAULT_ACTION_COUNT_
};

#define FAULT_TEXT_MAX 128

struct fault_match {
    char service[16]; /* "" = any; "s3", "dynamodb", "sts" */
    char op[64];
    char bucket[FAULT_TEXT_MAX]; /* globs */
    char key[FAULT_TEXT_MAX];
    char table[FAULT_TEXT_MAX];
    char client[FAULT_TEXT_MAX];
    int conditional;            /* -1 any, 0 must have none, 1 must have one */
    uint64_t nth, every, count; /* 0 = not set */
    double probability;         /* 1.0 when not set */
    uint64_t seed;
    int64_t after_ms, before_ms; /* -1 = not set; relative to when the rule was added */
};

struct fault_rule {
    char id[24];
    struct fault_match match;
    enum fault_action action;
    int status; /* fail / fail_after */
    char code[64];
    int64_t ms;  /* delay, delay_after, stale_read, hold timeout (0 = none) */
    int applied; /* error_in_200: 1 = the operation is applied first */
    int has_until;
    struct fault_match until; /* hold: released when a request matching this commits */
    /* state */
    int64_t added_ms;
    uint64_t seen; /* requests that matched the static fields */
    uint64_t fired;
    uint64_t prng;
};

/* What is known of a request when rules are matched. */
struct fault_facts {
    const char *service, *op, *bucket, *key, *table, *client;
    int conditional;
    int64_t now_ms;
};

const char *fault_action_name(enum fault_action a);

/**
 * Parses one rule from JSON. On error returns LY_EINVAL and writes a message naming the bad
 * field into err (err_size bytes). id is assigned by the caller.
 */
int fault_rule_from_json(const json_t *j, struct fault_rule *out, char *err,
                         size_t err_size) LY_WARN_UNUSED;
/** Parses "service=s3,op=PutObject,action=fail_after,status=500,…" (the --fault form). */
int fault_rule_from_text(const char *text, struct fault_rule *out, char *err,
                         size_t err_size) LY_WARN_UNUSED;
/** The rule as JSON (with its id and counters). New reference. */
json_t *fault_rule_to_json(const struct fault_rule *r);

/** 1 when the static fields (service, op, names, client, conditional) match. */
bool fault_match_static(const struct fault_match *m, const struct fault_facts *f);
/**
 * Decides whether r fires for this request: static match, then time window, nth / every /
 * probability and count. Updates r's counters. Modes (ignore_conditions, etag_random) fire on
 * every static match within their count.
 */
bool fault_rule_fires(struct fault_rule *r, const struct fault_facts *f);
/** 1 for the operations AWS may answer 200 with an <Error> body (error_in_200's only ones). */
bool fault_error_in_200_op(const char *op);
/** Glob match with '*' and '?'. */
bool fault_glob(const char *pattern, const char *s);

#endif
