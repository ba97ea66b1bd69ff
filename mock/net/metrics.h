/*
 * metrics.h - request counters and latency histograms (private to mock/net), exposed in the
 * Prometheus text format by GET /_lockyard/metrics.
 */
#ifndef LOCKYARD_METRICS_H
#define LOCKYARD_METRICS_H

#include <stdint.h>

#include "lockyard/buf.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/** Counts one answered request (status 0 = dropped) and its latency. */
void metrics_request(struct metrics *m, const char *service, const char *op, int status,
                     int64_t latency_ms);
void metrics_fault(struct metrics *m, const char *action);
/** Appends the exposition text. */
int metrics_render(const struct metrics *m, uint64_t store_bytes, uint64_t journal_entries,
                   struct ly_buf *out) LY_WARN_UNUSED;

#endif
