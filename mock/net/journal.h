/*
 * journal.h - the request journal (private to mock/net): a bounded ring of what every request
 * did, in the order the server applied them, for the admin API and the scenario runner.
 */
#ifndef LOCKYARD_JOURNAL_H
#define LOCKYARD_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_TEXT_MAX 256
#define JOURNAL_CONDS_MAX 8

/* The names of the preconditions the journal keeps. */
enum journal_cond {
    JC_IF_MATCH,
    JC_IF_NONE_MATCH,
    JC_IF_MODIFIED_SINCE,
    JC_IF_UNMODIFIED_SINCE,
    JC_COPY_IF_MATCH,
    JC_COPY_IF_NONE_MATCH, /* S3 headers */
    JC_CONDITION_EXPRESSION,
    JC_EXPECTED, /* DynamoDB (Expected's value is JSON text) */
    JC_COUNT_
};

struct journal_entry {
    uint64_t seq;             /* assigned by journal_add: 1, 2, … in apply order */
    int64_t start_ms, end_ms; /* server clock: arrival, answer (or drop) */
    char request_id[20];
    char client[64];
    char op_id[64]; /* the x-lockyard-op header (the runner's request id) or "" */
    char service[16];
    char op[48];
    char bucket[64];
    char key[JOURNAL_TEXT_MAX]; /* S3 key, or DynamoDB Key/Item JSON (truncated) */
    char table[64];
    uint8_t ncond; /* the preconditions sent: names and where their values are */
    struct {
        uint8_t name;
        uint16_t off, len;
    } cond[JOURNAL_CONDS_MAX];
    char cond_text[JOURNAL_TEXT_MAX]; /* their values one after another (rendered to JSON
                                         only when the journal is read) */
    int status;                       /* 0 = no answer (dropped) */
    char code[64];                    /* AWS error code or "" */
    int applied;                      /* the request changed state */
    uint64_t store_seq;               /* not used yet: 0 */
    char fault_id[24];                /* "" when no fault fired */
    char fault[24];                   /* action name */
    int pending;                      /* seq reserved at commit, not answered yet */
};

/** The first size - 1 bytes of v's compact, key-sorted JSON text (NUL-terminated), without
 * rendering long strings past what the prefix needs. */
void journal_json_prefix(const json_t *v, char *out, size_t size);

/** Records a precondition of e (value of len bytes); one that no longer fits the entry's
 *  cond_text is left out whole rather than cut. */
void journal_cond_add(struct journal_entry *e, enum journal_cond name, const char *value,
                      size_t len);
/** The header or field name of a journal_cond ("If-Match", "ConditionExpression", ...). */
const char *journal_cond_name(enum journal_cond name);

struct journal;

struct journal *journal_new(size_t capacity);
void journal_free(struct journal *j);
void journal_clear(struct journal *j);
/** Copies e in with the next sequence number; the oldest entry goes when full. */
uint64_t journal_add(struct journal *j, const struct journal_entry *e);
/**
 * Takes the next sequence number for a request at its commit; the slot stays pending (readers
 * stop before it) until journal_put fills it in.
 */
uint64_t journal_reserve(struct journal *j);
/** Fills in the slot reserved for e->seq (ignored when it is gone), or adds e when seq is 0. */
void journal_put(struct journal *j, const struct journal_entry *e);
size_t journal_count(const struct journal *j);
/**
 * {"requests":[…entries with seq > since, at most limit…],"next":N,"dropped":M,"head":H}:
 * next is the cursor for the following page, head the newest sequence number taken (a reader
 * that starts at head sees only later requests).
 */
json_t *journal_since(const struct journal *j, uint64_t since, size_t limit);

/**
 * Requests in flight that the journal will list without anyone's help (arrived, delayed, or
 * applied and not answered yet; not those parked by a hold), counted by the prefix of their op
 * id up to its last '.' (`lockyard run` sends RUNID.N). open counts one and returns its slot,
 * which close takes back.
 */
size_t journal_inflight_open(struct journal *j, const char *op_id);
void journal_inflight_close(struct journal *j, size_t slot);
/** How many of them have an op id that starts with prefix ("" = all). */
size_t journal_inflight(const struct journal *j, const char *prefix);

#endif
