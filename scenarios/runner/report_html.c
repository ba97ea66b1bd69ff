/*
 * report_html.c - one self-contained HTML file (no fonts, scripts or styles
 * from elsewhere): the scenario's name and badge, its story (the header
 * comment of the scenario file), the checks with their status, the
 * violations, the sequence view (drawn by the embedded script from the
 * embedded JSON data) and the statistics. The text parts need no script.
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Paragraphs of the story: blank comment lines separate them; the first line is its title. */
static void write_story(FILE *f, const char *path)
{
    char *story = report_story(path);
    if (!story)
        return;
    fputs("<section class=\"story\">\n<p class=\"title\">", f);
    char *line = story, *next;
    int open = 1, first = 1;
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line) {
            if (open)
                fputs("</p>\n", f);
            open = 0;
            continue;
        }
        if (!open)
            fputs("<p>", f);
        else if (!first)
            fputc(' ', f);
        open = 1;
        first = 0;
        esc(f, line);
    }
    if (open)
        fputs("</p>\n", f);
    fputs("</section>\n", f);
    free(story);
}

static void write_checks(FILE *f, const struct check_result *r)
{
    static const char *const names[] = {"pass", "fail", "unknown"};
    struct report_check rows[V_KINDS];
    size_t n = report_checks(r, rows, V_KINDS);
    fputs("<h2>Checks</h2>\n<table id=\"checks\"><tr><th>check</th><th>result</th></tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr class=\"%s\"><td>%s</td><td class=\"%s\">%s", names[rows[i].status],
                rows[i].name, names[rows[i].status], names[rows[i].status]);
        if (rows[i].reason[0]) {
            fputs(": ", f);
            esc(f, rows[i].reason);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void write_violations(FILE *f, const struct check_result *r)
{
    fputs("<h2>Violations</h2>\n<ol id=\"violations\">\n", f);
    for (size_t i = 0; i < r->n; i++) {
        fprintf(f, "<li data-v=\"%zu\"><b>%s</b>: ", i, violation_name(r->v[i].kind));
        esc(f, r->v[i].msg);
        fprintf(f, " (at %.1f ms; operation%s", (double)r->v[i].time_us / 1000.0,
                r->v[i].nevents == 1 ? "" : "s");
        for (size_t e = 0; e < r->v[i].nevents; e++)
            fprintf(f, " #%u", r->v[i].events[e]);
        fputs(")</li>\n", f);
    }
    if (!r->n)
        fputs("<li>none</li>\n", f);
    fputs("</ol>\n", f);
}

static const char *const legend =
    "<p class=\"legend\"><span class=\"sw\" style=\"background:#43a047\"></span>ok"
    "<span class=\"sw\" style=\"background:#fb8c00\"></span>failed (not applied)"
    "<span class=\"sw\" style=\"background:#9e9e9e\"></span>no answer / unknown"
    "<span class=\"sw\" style=\"background:#7e57c2\"></span>error answer but applied (journal)"
    "<span class=\"sw\" style=\"background:#ffe082\"></span>critical section"
    "<span class=\"sw\" style=\"background:#64b5f6\"></span>paused"
    "<br>Solid arrow: the request, from its send time to its commit point on the server lane "
    "(a dot; large = it changed state; order from the server's journal). Dashed arrow: the answer. "
    "&#x2716; on an answer: it never arrived. &#x25B2; on the server lane: an injected fault. "
    "Labels read <code>#number operation key condition &#x2192; answer</code>; the number is the "
    "<code>index</code> of the history file and of <code>--json</code>.</p>\n";

static void write_view(FILE *f)
{
    fputs("<h2>Sequence</h2>\n<div class=\"toolbar\"><button id=\"zfirst\">first violation</button>"
          "<button id=\"zfit\">whole run</button><button id=\"zin\">zoom in</button>"
          "<button id=\"zout\">zoom out</button><span class=\"hint\">wheel: zoom, drag: pan, "
          "click a violation or an arrow to select it, hover for details</span></div>\n"
          "<div id=\"seq\"></div>\n<div id=\"detail\"></div>\n",
          f);
    fputs(legend, f);
}

static void write_stats(FILE *f, const struct check_result *r)
{
    const struct check_stats *s = &r->stats;
    fprintf(f,
            "<h2>Statistics</h2><table><tr><th>requests</th><th>ok</th><th>fail "
            "(conditions, conflicts)</th><th>info (unknown)</th><th>p50</th><th>p90</th>"
            "<th>p99</th><th>max</th></tr><tr><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
            "<td>%.2f ms</td><td>%.2f ms</td><td>%.2f ms</td><td>%.2f ms</td></tr></table>\n",
            s->ops, s->ok, s->fail, s->info, s->lat_p50_us / 1000.0, s->lat_p90_us / 1000.0,
            s->lat_p99_us / 1000.0, s->lat_max_us / 1000.0);
    fprintf(f,
            "<table><tr><th>clients</th><th>critical sections</th><th>longest wait</th>"
            "<th>starved clients</th><th>keys linearizable</th></tr><tr><td>%zu</td>"
            "<td>%zu</td><td>%.1f ms</td><td>%zu</td><td>%zu of %zu%s</td></tr></table>\n",
            s->processes, s->cs_count, s->wait_max_us / 1000.0, s->starved, s->wgl_ok, s->wgl_keys,
            s->wgl_unknown ? " (some unknown)" : "");
}

/* The data for the script; "</" is written as "<\/" so no string can end the element. */
static int write_data(FILE *f, const struct report_info *ri, const struct history *h,
                      const struct check_result *r)
{
    json_t *doc = report_data(ri, h, r);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return LY_ENOMEM;
    fputs("<script type=\"application/json\" id=\"lockyard-data\">", f);
    for (const char *p = text; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            fputc('<', f), fputc('\\', f);
        else
            fputc(*p, f);
    }
    fputs("</script>\n", f);
    free(text);
    return 0;
}

/* How commits were ordered, and where each fault rule acted. */
static void write_evidence(FILE *f, const struct report_info *ri, const struct check_result *r)
{
    if (r->order)
        fprintf(f, "<p id=\"order\">Commit order: %s.</p>\n",
                r->order == ORDER_JOURNAL
                    ? "from the server's journal (exact)"
                    : "real time only (no complete journal): a violation is reported only when it "
                      "holds in every order consistent with it; the rest is <i>unknown</i>");
    json_int_t dropped = json_integer_value(json_object_get(ri->journal, "dropped"));
    json_int_t unlisted = json_integer_value(json_object_get(ri->journal, "unlisted"));
    if (dropped || unlisted) {
        fprintf(f,
                "<p id=\"journal\">The journal lost %lld entries and never listed %lld of "
                "this run's requests (",
                (long long)dropped, (long long)unlisted);
        esc(f, json_string_value(json_object_get(ri->journal, "unlisted_sample")));
        fputs(").</p>\n", f);
    }
    json_int_t pauses = json_integer_value(json_object_get(ri->journal, "pauses"));
    if (pauses)
        fprintf(f,
                "<p id=\"journal-pauses\">Clients paused %lld times (%lld ms in all) so that "
                "the journal reader kept up with the server's ring.</p>\n",
                (long long)pauses,
                (long long)json_integer_value(json_object_get(ri->journal, "paused_ms")));
    if (!json_array_size(ri->faults))
        return;
    fputs("<ul id=\"faults\">\n", f);
    char line[512];
    for (size_t i = 0; i < json_array_size(ri->faults); i++) {
        fputs("<li>", f);
        esc(f, report_fault_line(json_array_get(ri->faults, i), line, sizeof line));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void write_head(FILE *f, const struct report_info *ri, const struct check_result *r)
{
    char found[256], expect[256];
    const char *cls, *badge = report_badge(ri, r, &cls);
    report_kinds(r->found, found, sizeof found);
    report_kinds(ri->expect, expect, sizeof expect);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
    esc(f, ri->name);
    fprintf(f, " - lockyard run</title><style>%s</style></head><body>\n<h1>", report_css);
    esc(f, ri->name);
    fprintf(f, " <span class=\"badge %s\" id=\"badge\">%s</span></h1>\n", cls, badge);
    if (ri->description) {
        fputs("<p class=\"desc\">", f);
        esc(f, ri->description);
        fputs("</p>\n", f);
    }
    write_story(f, ri->source);
    fprintf(f, "<p>Found <b>%s</b>; the scenario expects <b>%s</b>. Protocol <code>", found,
            expect);
    esc(f, ri->protocol ? ri->protocol : "?");
    fprintf(f, "</code>, seed %" PRIu64 ". Replay: <code>", ri->seed);
    esc(f, ri->replay ? ri->replay : "");
    fputs("</code></p>\n", f);
    write_evidence(f, ri, r);
    if (ri->pending || ri->error) {
        fputs("<p><b>", f);
        esc(f, ri->pending ? ri->pending : ri->error);
        fputs("</b></p>\n", f);
    }
}

int report_html(FILE *f, const struct report_info *ri, const struct history *h,
                const struct check_result *r)
{
    write_head(f, ri, r);
    write_checks(f, r);
    write_violations(f, r);
    write_view(f);
    write_stats(f, r);
    int rc = write_data(f, ri, h, r);
    fprintf(f, "<script>%s</script>\n</body></html>\n", report_js);
    if (rc)
        return rc;
    return ferror(f) ? LY_EIO : 0;
}
