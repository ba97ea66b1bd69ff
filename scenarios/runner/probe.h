/*
 * probe.h - shared by probe.c (S3) and probe_ddb.c (DynamoDB): the probe session, one verdict
 * row, and a race of concurrent writers. Private to scenarios/runner.
 */
#ifndef LOCKYARD_PROBE_H
#define LOCKYARD_PROBE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lockyard/client.h"

#define PROBE_RACERS 16
#define PROBE_MEANINGS_MAX 8

struct probe_env {
    struct event_base *base;
    struct ly_client *client;
    struct ly_client_conn *conn;
    char bucket[64];
    char etag[128]; /* ETag of the probe object as last written */
    int passed, failed;
    json_t *rows; /* --json: the rows, else NULL (printed as they come) */
    const char *meanings[PROBE_MEANINGS_MAX]; /* what the failed probes mean for a lock */
    size_t nmeanings;
    const char *skipped; /* a battery not run, and why */
};

int64_t probe_now_s(void);

/** One row: the probe, AWS's answer, the endpoint's; meaning (static text) when it differs. */
void probe_verdict(struct probe_env *e, const char *name, const char *want, const char *got, int ok,
                   const char *meaning);

/** "1×200, 15×412": how many of the answers had each status, successes first. */
void probe_race_row(char *out, size_t n, const int *statuses, size_t count);

/**
 * Sends PROBE_RACERS requests at once (send builds the i-th on connection c) and records one
 * row: ok when exactly one got ok_status and every other lose_status.
 */
int probe_race(struct probe_env *e,
               int (*send)(struct probe_env *e, struct ly_client_conn *c, int i, ly_client_cb cb,
                           void *arg),
               const char *name, const char *want, int ok_status, int lose_status,
               const char *meaning);

/**
 * The DynamoDB battery: creates a table, runs the lock-relevant conditional probes and deletes
 * the table. required: when 0, an endpoint that serves no DynamoDB skips the battery
 * (e->skipped) instead of failing.
 */
void probe_ddb_battery(struct probe_env *e, int required);

#endif
