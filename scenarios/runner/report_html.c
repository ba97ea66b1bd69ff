/*
 * report_html.c - one self-contained HTML file: verdict, violations, an SVG
 * timeline (one lane per client; requests as bars coloured by outcome;
 * critical sections, pauses, crashes and faults marked; the first
 * violation's minimal set of operations outlined in red) and statistics.
 * No scripts, fonts or other files: tooltips are SVG <title> elements.
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LANES_MAX 64
#define BARS_MAX 20000
#define WIDTH 1200
#define LEFT 110
#define LANE_H 34

struct svg {
    FILE *f;
    const struct history *h;
    int64_t t0, t1;
    uint32_t lane_of[LANES_MAX];
    size_t nlanes;
    const struct violation *first;
};

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

static double xpos(const struct svg *s, int64_t t)
{
    if (t == HIST_TIME_END || t > s->t1)
        t = s->t1;
    double span = (double)(s->t1 - s->t0);
    return LEFT + (span > 0 ? (double)(t - s->t0) / span : 0) * (WIDTH - LEFT - 20);
}

static int lane(const struct svg *s, uint32_t process)
{
    for (size_t i = 0; i < s->nlanes; i++)
        if (s->lane_of[i] == process)
            return (int)i;
    return -1;
}

static int in_first(const struct svg *s, size_t ev)
{
    if (!s->first)
        return 0;
    const struct hev *e = &s->h->ev[ev];
    for (size_t i = 0; i < s->first->nevents; i++) {
        uint32_t v = s->first->events[i];
        if (v == ev || (e->pair != UINT32_MAX && v == e->pair))
            return 1;
    }
    return 0;
}

static void collect_lanes(struct svg *s)
{
    const struct history *h = s->h;
    s->t0 = h->n ? h->ev[0].time_us : 0;
    s->t1 = s->t0 + 1;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        if (e->time_us < s->t0)
            s->t0 = e->time_us;
        if (e->time_us > s->t1 && e->time_us != HIST_TIME_END)
            s->t1 = e->time_us;
        if (lane(s, e->process) < 0 && s->nlanes < LANES_MAX)
            s->lane_of[s->nlanes++] = e->process;
    }
}

static void draw_bands(const struct svg *s)
{
    const struct history *h = s->h;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        int l = lane(s, e->process);
        int enter = !strcmp(e->f, "cs_enter"), pause = !strcmp(e->f, "pause");
        if (l < 0 || (!enter && !pause))
            continue;
        int64_t end = s->t1;
        for (size_t j = i + 1; j < h->n; j++)
            if (h->ev[j].process == e->process &&
                (enter ? (!strcmp(h->ev[j].f, "cs_exit") || !strcmp(h->ev[j].f, "crash"))
                       : !strcmp(h->ev[j].f, "resume"))) {
                end = h->ev[j].time_us;
                break;
            }
        double x0 = xpos(s, e->time_us), x1 = xpos(s, end);
        fprintf(s->f, "<rect class=\"%s%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                      "<title>%s %s</title></rect>\n",
                enter ? "cs" : "pause", in_first(s, i) ? " hl" : "", x0, 30 + l * LANE_H + (enter ? 2 : 26),
                x1 - x0 > 1 ? x1 - x0 : 1, enter ? LANE_H - 4 : 5,
                history_str(h, e->process), enter ? "inside the critical section" : "paused");
    }
}

static const char *bar_class(const struct hev *done)
{
    if (done->type == HEV_OK)
        return "ok";
    if (done->type == HEV_FAIL)
        return "fail";
    return done->applied == 1 ? "infoapplied" : "info";
}

static void draw_bar(const struct svg *s, size_t i, int l)
{
    const struct history *h = s->h;
    const struct hev *e = &h->ev[i], *d = &h->ev[e->pair];
    double x0 = xpos(s, e->time_us), x1 = xpos(s, d->time_us);
    int nested = !strcmp(e->f, "append"), hl = in_first(s, i);
    int y = 30 + l * LANE_H + (nested ? 4 : 9);
    fprintf(s->f, "<rect class=\"%s%s%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\">",
            bar_class(d), hl ? " hl" : "", d->note ? " faulted" : "", x0, y,
            x1 - x0 > 2 ? x1 - x0 : 2, nested ? 3 : 16);
    fprintf(s->f, "<title>#%zu %s %s ", i, history_str(h, e->process), e->f);
    esc(s->f, history_str(h, e->key));
    if (e->cond)
        fprintf(s->f, " [%s]", e->cond == COND_INM ? "If-None-Match: *" : "If-Match");
    fprintf(s->f, " → %s %d", hev_type_name(d->type), d->status);
    if (d->code) {
        fputc(' ', s->f);
        esc(s->f, history_str(h, d->code));
    }
    if (d->note) {
        fputs("; ", s->f);
        esc(s->f, history_str(h, d->note));
    }
    if (e->val && (nested || !strcmp(e->f, "read"))) {
        fputs(" value ", s->f);
        esc(s->f, history_str(h, (uint32_t)e->val));
    }
    fprintf(s->f, "; %.1f ms</title></rect>\n", (double)(d->time_us - e->time_us) / 1000.0);
    if (!nested && x1 - x0 > 60) {
        const char *k = history_str(h, e->key), *slash = strrchr(k, '/');
        fprintf(s->f, "<text class=\"bl\" x=\"%.1f\" y=\"%d\">%.3s%s ", x0 + 3, y + 12,
                e->f, e->cond == COND_INM ? "*" : e->cond == COND_IM ? "=" : "");
        esc(s->f, slash ? slash + 1 : k);
        fprintf(s->f, " %d</text>\n", d->status);
    }
    if (d->note && x1 - x0 >= 0)
        fprintf(s->f, "<path class=\"fault\" d=\"M%.1f %d l5 -8 l5 8 z\"><title>", x1 - 5, y);
    if (d->note) {
        esc(s->f, history_str(h, d->note));
        fputs("</title></path>\n", s->f);
    }
}

static void draw_ops(const struct svg *s)
{
    const struct history *h = s->h;
    size_t bars = 0;
    for (size_t i = 0; i < h->n && bars < BARS_MAX; i++) {
        const struct hev *e = &h->ev[i];
        int l = lane(s, e->process);
        if (l < 0)
            continue;
        if (e->type == HEV_INVOKE && e->pair != UINT32_MAX) {
            draw_bar(s, i, l);
            bars++;
        } else if (!strcmp(e->f, "crash") || !strcmp(e->f, "give_up")) {
            fprintf(s->f, "<text class=\"mark\" x=\"%.1f\" y=\"%d\">%s<title>%s %s</title></text>\n",
                    xpos(s, e->time_us) - 5, 30 + l * LANE_H + 22,
                    e->f[0] == 'c' ? "&#x2716;" : "!", history_str(h, e->process), e->f);
        }
    }
    if (bars == BARS_MAX)
        fprintf(s->f, "<text x=\"%d\" y=\"20\" class=\"note\">(first %d operations drawn)</text>\n",
                LEFT, BARS_MAX);
}

static void draw_axis(const struct svg *s, int height)
{
    double span_ms = (double)(s->t1 - s->t0) / 1000.0;
    double step = 0.01; /* 0.01, 0.02, 0.05, 0.1, ... ms */
    for (int k = 0; span_ms / step > 12; k++)
        step *= k % 3 == 1 ? 2.5 : 2;
    for (double t = 0; t <= span_ms; t += step) {
        double x = xpos(s, s->t0 + (int64_t)(t * 1000));
        fprintf(s->f, "<line class=\"tick\" x1=\"%.1f\" y1=\"24\" x2=\"%.1f\" y2=\"%d\"/>"
                      "<text class=\"axis\" x=\"%.1f\" y=\"18\">%g ms</text>\n",
                x, x, height - 4, x + 2, t);
    }
    for (size_t l = 0; l < s->nlanes; l++)
        fprintf(s->f, "<text class=\"lane\" x=\"8\" y=\"%zu\">%s</text>"
                      "<line class=\"sep\" x1=\"0\" x2=\"%d\" y1=\"%zu\" y2=\"%zu\"/>\n",
                30 + l * LANE_H + 21, history_str(s->h, s->lane_of[l]), WIDTH,
                30 + (l + 1) * LANE_H, 30 + (l + 1) * LANE_H);
    if (s->first)
        fprintf(s->f, "<line class=\"vline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"24\" y2=\"%d\">"
                      "<title>first violation</title></line>\n",
                xpos(s, s->first->time_us), xpos(s, s->first->time_us), height - 4);
}

static void write_svg(FILE *f, const struct history *h, const struct check_result *r)
{
    struct svg s;
    memset(&s, 0, sizeof s);
    s.f = f;
    s.h = h;
    s.first = r->n ? &r->v[0] : NULL;
    collect_lanes(&s);
    int height = 40 + (int)s.nlanes * LANE_H;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline\">\n",
            WIDTH, height, WIDTH, height);
    draw_axis(&s, height);
    draw_bands(&s);
    draw_ops(&s);
    fputs("</svg>\n", f);
}

static const char *const style =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}code{background:#f3f3f3;padding:1px 4px}"
    ".verdict{font-weight:bold;padding:2px 8px;border-radius:4px;color:#fff}"
    ".good{background:#2e7d32}.bad{background:#c62828}.pending{background:#777}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;"
    "text-align:left}.tl{overflow-x:auto;border:1px solid #ddd;margin:12px 0}"
    "svg text{font:11px system-ui,sans-serif}.lane{font-weight:bold}.axis{fill:#777}"
    ".tick{stroke:#eee}.sep{stroke:#ddd}.cs{fill:#ffe082;opacity:.55}.pause{fill:#90caf9}"
    ".ok{fill:#43a047}.fail{fill:#fb8c00}.info{fill:#9e9e9e}.infoapplied{fill:#7e57c2}"
    ".hl{stroke:#d50000;stroke-width:3}.fault{fill:#d50000}.mark{fill:#b71c1c;font-size:15px}"
    ".vline{stroke:#d50000;stroke-dasharray:4 3}.note{fill:#777}.bl{fill:#fff;font-size:10px;pointer-events:none}"
    ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;"
    "vertical-align:middle}li.first{font-weight:bold}";

static void write_stats(FILE *f, const struct check_result *r)
{
    const struct check_stats *s = &r->stats;
    fprintf(f, "<h2>Statistics</h2><table><tr><th>requests</th><th>ok</th><th>fail "
               "(conditions, conflicts)</th><th>info (unknown)</th><th>p50</th><th>p90</th>"
               "<th>p99</th><th>max</th></tr><tr><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
               "<td>%.2f ms</td><td>%.2f ms</td><td>%.2f ms</td><td>%.2f ms</td></tr></table>\n",
            s->ops, s->ok, s->fail, s->info, s->lat_p50_us / 1000.0, s->lat_p90_us / 1000.0,
            s->lat_p99_us / 1000.0, s->lat_max_us / 1000.0);
    fprintf(f, "<table><tr><th>clients</th><th>critical sections</th><th>longest wait</th>"
               "<th>recovery after a holder crash</th><th>starved clients</th>"
               "<th>keys linearizable</th></tr><tr><td>%zu</td><td>%zu</td><td>%.1f ms</td>"
               "<td>%s</td><td>%zu</td><td>%zu of %zu%s</td></tr></table>\n",
            s->processes, s->cs_count, s->wait_max_us / 1000.0,
            s->recovery_us < 0 ? "-" : "see text", s->starved, s->wgl_ok, s->wgl_keys,
            s->wgl_unknown ? " (some unknown)" : "");
}

int report_html(FILE *f, const struct report_info *ri, const struct history *h,
                const struct check_result *r)
{
    char found[256], expect[256];
    report_kinds(r->found, found, sizeof found);
    report_kinds(ri->expect, expect, sizeof expect);
    int good = report_matches(ri, r);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    esc(f, ri->name);
    fprintf(f, " - lockyard run</title><style>%s</style></head><body>\n<h1>", style);
    esc(f, ri->name);
    fprintf(f, " <span class=\"verdict %s\">%s</span></h1>\n", good ? "good" : "bad",
            good ? "as expected" : "unexpected");
    if (ri->description) {
        fputs("<p>", f);
        esc(f, ri->description);
        fputs("</p>\n", f);
    }
    fprintf(f, "<p>Found <b>%s</b>; expected <b>%s</b>. Protocol <code>", found, expect);
    esc(f, ri->protocol ? ri->protocol : "?");
    fprintf(f, "</code>, seed %" PRIu64 ". Replay: <code>", ri->seed);
    esc(f, ri->replay ? ri->replay : "");
    fputs("</code></p>\n<h2>Violations</h2>\n<ol>\n", f);
    for (size_t i = 0; i < r->n; i++) {
        fprintf(f, "<li%s><b>%s</b>: ", i == 0 ? " class=\"first\"" : "", violation_name(r->v[i].kind));
        esc(f, r->v[i].msg);
        fprintf(f, " (at %.1f ms; operations", (double)r->v[i].time_us / 1000.0);
        for (size_t e = 0; e < r->v[i].nevents; e++)
            fprintf(f, " #%u", r->v[i].events[e]);
        fputs(")</li>\n", f);
    }
    if (!r->n)
        fputs("<li>none</li>\n", f);
    fputs("</ol>\n<h2>Timeline</h2>\n<p class=\"legend\"><span class=\"b\" style=\"background:#43a047\">"
          "</span>ok<span style=\"background:#fb8c00\"></span>fail (not applied)"
          "<span style=\"background:#9e9e9e\"></span>unknown outcome<span style=\"background:#7e57c2\">"
          "</span>unknown, applied (journal)<span style=\"background:#ffe082\"></span>critical section"
          "<span style=\"background:#90caf9\"></span>paused<span style=\"background:#fff;"
          "border:3px solid #d50000\"></span>first violation &#x25B2; fault &#x2716; crash "
          "! gave up</p>\n<div class=\"tl\">\n", f);
    write_svg(f, h, r);
    fputs("</div>\n", f);
    write_stats(f, r);
    fputs("<p class=\"note\">Hover a bar for the request, its answer and any injected fault. "
          "Thin bars above a request are the logical append it belongs to.</p>\n</body></html>\n", f);
    return ferror(f) ? LY_EIO : 0;
}
