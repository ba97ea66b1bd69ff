/*
 * report.h - what a run shows: a text summary, a JSON document for
 * machines, and one self-contained HTML file with an SVG timeline.
 */
#ifndef LOCKYARD_RUNNER_REPORT_H
#define LOCKYARD_RUNNER_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "history.h"

struct report_info {
    const char *name;
    const char *description;
    const char *protocol;
    uint64_t seed;
    const char *replay;         /* the exact command that replays the run */
    uint32_t expect;            /* bit per violation kind; 0 = pass */
    const char *pending;        /* non-NULL: the scenario could not run */
    const char *error;          /* non-NULL: the run failed */
    int64_t wall_ms;
    json_t *faults;             /* borrowed: [{rule, line, action, where, reason}] or NULL */
};

/** 1 when the verdict equals the expectation (and nothing undecided could change that). */
int report_matches(const struct report_info *ri, const struct check_result *r);
/** "ok", "mismatch", "unknown", "pending" or "error". */
const char *report_status(const struct report_info *ri, const struct check_result *r);
/** Writes the text summary of one scenario. */
void report_text(FILE *f, const struct report_info *ri, const struct history *h,
                 const struct check_result *r);
/** The JSON object of one scenario (new reference, NULL on OOM). */
json_t *report_json(const struct report_info *ri, const struct check_result *r);
/** Writes the HTML report. @return 0, LY_EIO, LY_ENOMEM */
int report_html(FILE *f, const struct report_info *ri, const struct history *h,
                const struct check_result *r) LY_WARN_UNUSED;
/** "[a, b]" or "pass" for a violation bit set. */
void report_kinds(uint32_t bits, char *out, size_t size);

#endif
