/*
 * explore_cli.c - `lockyard explore SCENARIO`: options, the overrides that
 * keep the model small, the summary (text or --json), the counterexample as
 * numbered requests and as a paste-ready `script:`, the replay file and the
 * HTML report of the counterexample.
 */
#include "lockyard/runner.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "report.h"

struct xcli {
    int clients, iterations, preemptions, faults, max_steps, json;
    int64_t max_schedules, seconds, pause_ms;
    const char *kinds, *save, *report;
    char path[1024];
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lockyard explore [options] SCENARIO\n"
               "  every schedule of the clients' requests within the bound, each checked\n"
               "  --clients N           override the number of clients (default: the scenario's)\n"
               "  --iterations M        override the iterations per client\n"
               "  --preemptions K       at most K preemptions per schedule (default 2)\n"
               "  --faults F            at most F faults per schedule (default 1)\n"
               "  --fault-kinds LIST    lost_ack,fail,conflict,pause,crash (default: from the\n"
               "                        scenario's fault rules and events)\n"
               "  --pause-ms MS         length of a pause without one in the scenario (1000)\n"
               "  --max-schedules N     stop after N schedules (default 100000)\n"
               "  --seconds S           stop after S seconds (default 600)\n"
               "  --max-steps N         choice points per schedule (default 400)\n"
               "  --save FILE.yaml      write the scenario with the counterexample's script\n"
               "  --report FILE.html    the HTML report of the counterexample\n"
               "  --json                one JSON document\n");
}

static int num(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || !*s || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse(struct xcli *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"clients", 1, 0, 'c'},       {"iterations", 1, 0, 'i'},  {"preemptions", 1, 0, 'p'},
        {"faults", 1, 0, 'f'},        {"fault-kinds", 1, 0, 'k'}, {"pause-ms", 1, 0, 'P'},
        {"max-schedules", 1, 0, 'm'}, {"seconds", 1, 0, 'S'},     {"max-steps", 1, 0, 'd'},
        {"save", 1, 0, 's'},          {"report", 1, 0, 'R'},      {"json", 0, 0, 'j'},
        {"quiet", 0, 0, 'q'},         {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    int c;
    int64_t v = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        const char *a = optarg;
        int bad = 0;
        switch (c) {
        case 'c':
            bad = num(a, 1, 26, &v);
            o->clients = (int)v;
            break;
        case 'i':
            bad = num(a, 1, 1000, &v);
            o->iterations = (int)v;
            break;
        case 'p':
            bad = num(a, 0, 1000, &v);
            o->preemptions = (int)v;
            break;
        case 'f':
            bad = num(a, 0, 1000, &v);
            o->faults = (int)v;
            break;
        case 'k': o->kinds = a; break;
        case 'P': bad = num(a, 1, 86400000, &o->pause_ms); break;
        case 'm': bad = num(a, 1, INT64_MAX, &o->max_schedules); break;
        case 'S': bad = num(a, 1, 86400 * 30, &o->seconds); break;
        case 'd':
            bad = num(a, 1, 1000000, &v);
            o->max_steps = (int)v;
            break;
        case 's': o->save = a; break;
        case 'R': o->report = a; break;
        case 'j': o->json = 1; break;
        case 'q': break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
        if (bad)
            return -1;
    }
    return optind == argc - 1 ? 0 : -1;
}

static int resolve(const char *arg, char *out, size_t size)
{
    const char *d = getenv("LOCKYARD_SCENARIOS");
    if (access(arg, R_OK) == 0) {
        snprintf(out, size, "%s", arg);
        return 0;
    }
    snprintf(out, size, "%s/%s.yaml", d && *d ? d : "scenarios", arg);
    return access(out, R_OK);
}

/* --clients / --iterations, after explore_prepare removed the scripted parts. */
static int override(struct scenario *sc, const struct xcli *o, char *err, size_t esize)
{
    if (o->clients) {
        for (size_t i = 0; i < sc->nclients; i++)
            if (sc->clients[i].prog.n) {
                snprintf(err, esize, "--clients: the scenario gives its clients own programs");
                return LY_EINVAL;
            }
        struct sc_client *cs = calloc((size_t)o->clients, sizeof *cs);
        for (int i = 0; cs && i < o->clients; i++) {
            char name[4] = {(char)('A' + i), 0, 0, 0};
            cs[i].name = strdup(name);
            if (i < (int)sc->nclients)
                cs[i].iterations = sc->clients[i].iterations;
        }
        if (!cs)
            return LY_ENOMEM;
        for (size_t i = 0; i < sc->nclients; i++)
            free(sc->clients[i].name);
        free(sc->clients);
        sc->clients = cs;
        sc->nclients = (size_t)o->clients;
        size_t keep = 0; /* clock events of clients that are gone */
        for (size_t i = 0; i < sc->nevents; i++)
            if (sc->events[i].client < o->clients)
                sc->events[keep++] = sc->events[i];
        sc->nevents = keep;
    }
    if (o->iterations) {
        sc->iterations = o->iterations;
        for (size_t i = 0; i < sc->nclients; i++)
            sc->clients[i].iterations = 0;
    }
    return 0;
}

/* The paste-ready block: clients, iterations, the schedule and what it shows. */
static void script_block(FILE *f, const struct scenario *sc, const struct xcli *o,
                         const struct xoutcome *best)
{
    char kinds[256];
    report_kinds(best->found, kinds, sizeof kinds);
    if (o->clients)
        fprintf(f, "clients: %d\n", o->clients);
    if (o->iterations)
        fprintf(f, "iterations: %d\n", o->iterations);
    fprintf(f, "script:\n  - schedule: [");
    size_t col = 16, n = 0;
    const char *p = best->choices;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (col + len > 90) {
            fprintf(f, "\n      ");
            col = 6;
        }
        int quote = memchr(p, ':', len) != NULL;
        fprintf(f, "%s%s%.*s%s", n++ ? ", " : "", quote ? "\"" : "", (int)len, p,
                quote ? "\"" : "");
        col += len + 2 + 2 * (size_t)quote;
        p += len;
        p += *p == ' ';
    }
    fprintf(f, "]\nexpect: %s\n", kinds);
    (void)sc;
}

static int replaced(const struct xcli *o, const char *line)
{
    return !strncmp(line, "script:", 7) || !strncmp(line, "expect:", 7) ||
           (o->clients && !strncmp(line, "clients:", 8)) ||
           (o->iterations && !strncmp(line, "iterations:", 11));
}

/* The scenario file with its script and expect (and overridden sizes) replaced by the block. */
static int save_replay(const struct xcli *o, const struct scenario *sc, const struct xoutcome *best)
{
    FILE *in = fopen(o->path, "r"), *out = in ? fopen(o->save, "w") : NULL;
    char line[4096];
    int skip = 0;
    while (out && fgets(line, sizeof line, in)) {
        if (line[0] != ' ' && line[0] != '-' && line[0] != '\n' && line[0] != '\t')
            skip = replaced(o, line);
        if (!skip)
            fputs(line, out);
    }
    if (out)
        script_block(out, sc, o, best);
    int rc = in && out ? 0 : LY_EIO;
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = LY_EIO;
    return rc;
}

static int max_iterations(const struct scenario *sc)
{
    int it = sc->iterations;
    for (size_t i = 0; i < sc->nclients; i++)
        if (sc->clients[i].iterations > it)
            it = sc->clients[i].iterations;
    return it;
}

static void bound_text(const struct xcli *o, const struct scenario *sc, const struct xconfig *x,
                       char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "clients %zu, iterations %d, preemptions %d, faults %d",
                                sc->nclients, max_iterations(sc), o->preemptions,
                                x->nspecs ? o->faults : 0);
    for (size_t i = 0, first = 1; o->faults && i < x->nspecs && n < size; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= x->specs[j].kind == x->specs[i].kind;
        if (!dup)
            n += (size_t)snprintf(out + n, size - n, "%s%s", first ? " (" : ", ",
                                  xfault_name(x->specs[i].kind));
        first = first && dup;
    }
    if (o->faults && x->nspecs && n < size)
        snprintf(out + n, size - n, ")");
}

/* The properties no schedule violated. */
static void print_clean(const struct xsearch_stats *st, const char *bound)
{
    char list[512];
    size_t n = 0;
    list[0] = '\0';
    for (int k = 0; k < V_KINDS && n < sizeof list; k++)
        if (!(st->found >> k & 1))
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                                  violation_name(k));
    printf("no schedule within bound (%s) shows %s\n", bound, n ? list : "-");
}

static void print_found(const struct xsearch_stats *st, uint32_t expect)
{
    char exp[256];
    report_kinds(expect, exp, sizeof exp);
    for (int k = 0; k < V_KINDS; k++)
        if (st->found >> k & 1)
            printf("  %-17s in %" PRId64 " schedules%s\n", violation_name(k), st->found_in[k],
                   expect >> k & 1 ? " (expected)" : "");
    printf("  expected: %s\n", exp);
}

static void print_text(const struct xcli *o, const struct scenario *sc, const struct xconfig *x,
                       const struct xsearch_stats *st)
{
    char bound[256], what[64];
    bound_text(o, sc, x, bound, sizeof bound);
    printf("explored %" PRId64 " schedules (%" PRId64 " transitions pruned by sleep sets, %" PRId64
           " redundant runs stopped), %" PRId64 " distinct histories, %.1f s, %.0f schedules/s\n",
           st->schedules, st->pruned, st->blocked, st->distinct, st->seconds,
           st->seconds > 0 ? (double)(st->schedules + st->blocked) / st->seconds : 0.0);
    if (!st->exhaustive)
        printf("bound reached: not exhaustive (--max-schedules / --seconds)\n");
    if (st->truncated)
        printf("%" PRId64 " schedules were cut at --max-steps %d\n", st->truncated, o->max_steps);
    if (st->errors)
        printf("%" PRId64 " schedules failed to run: %s\n", st->errors, st->first_error);
    if (!st->found)
        printf("%s %" PRId64 " schedules within bound (%s) satisfy mutual exclusion, no lost "
               "update, linearizability\n",
               st->exhaustive ? "all" : "the", st->schedules, bound);
    else
        print_clean(st, bound);
    if (st->found)
        print_found(st, sc->expect);
    if (!st->best.choices)
        return;
    report_kinds(st->best.found, what, sizeof what);
    printf("\n%s (%zu requests, %d preemptions, %d faults): %s\n",
           st->best.found & ~sc->expect ? "shortest counterexample"
                                        : "shortest schedule showing "
                                          "the expected violations",
           st->best.requests, st->best.preemptions, st->best.faults, what);
    fputs(st->best.transcript ? st->best.transcript : "", stdout);
    printf("\nscript for %s (replaces its script: and expect:):\n\n", o->path);
    script_block(stdout, sc, o, &st->best);
    if (o->save)
        printf("\nreplay: lockyard run %s\n", o->save);
    else
        printf("\nreplay: lockyard run COPY.yaml  (a copy of %s with the lines above; "
               "--save COPY.yaml writes it)\n",
               o->path);
}

static json_t *kinds_json(uint32_t bits)
{
    json_t *a = json_array();
    for (int k = 0; a && k < V_KINDS; k++)
        if (bits >> k & 1)
            json_array_append_new(a, json_string(violation_name(k)));
    return a;
}

static void print_json(const struct xcli *o, const struct scenario *sc,
                       const struct xsearch_stats *st, int ok)
{
    json_t *doc = json_pack(
        "{ss ss s{sI sI sI sI} sI sI sI sI sf sb sI sI so so ss}", "name", sc->name, "scenario",
        o->path, "bound", "clients", (json_int_t)sc->nclients, "iterations",
        (json_int_t)max_iterations(sc), "preemptions", (json_int_t)o->preemptions, "faults",
        (json_int_t)o->faults, "schedules", (json_int_t)st->schedules, "pruned",
        (json_int_t)st->pruned, "redundant_runs", (json_int_t)st->blocked, "distinct_histories",
        (json_int_t)st->distinct, "seconds", st->seconds, "exhaustive", st->exhaustive, "truncated",
        (json_int_t)st->truncated, "errors", (json_int_t)st->errors, "found", kinds_json(st->found),
        "expected", kinds_json(sc->expect), "status", ok ? "ok" : "mismatch");
    if (doc && st->errors)
        json_object_set_new(doc, "error", json_string(st->first_error));
    if (doc && st->best.choices) {
        char *script = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&script, &len);
        if (m) {
            script_block(m, sc, o, &st->best);
            fclose(m);
        }
        json_object_set_new(
            doc, "counterexample",
            json_pack("{sI sI sI so ss ss ss*}", "requests", (json_int_t)st->best.requests,
                      "preemptions", (json_int_t)st->best.preemptions, "faults",
                      (json_int_t)st->best.faults, "found", kinds_json(st->best.found), "schedule",
                      st->best.choices, "transcript",
                      st->best.transcript ? st->best.transcript : "", "script", script));
        free(script);
    }
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(doc);
}

/* Runs the counterexample once more and writes its HTML report. */
static int write_report(const struct xcli *o, struct scenario *sc, const struct xconfig *x,
                        const struct xsearch_stats *st)
{
    struct run_opts ro;
    struct run *r = NULL;
    struct check_result res;
    struct check_opts co;
    memset(&ro, 0, sizeof ro);
    ro.target = x->target;
    ro.self_exe = x->self_exe;
    ro.quiet = 1;
    free(sc->schedule);
    sc->schedule = strdup(st->best.choices);
    check_result_init(&res);
    check_opts_defaults(&co);
    co.orphan_lock = sc->orphan_check;
    int rc = sc->schedule ? explore_replay(sc, &ro, &r) : LY_ENOMEM;
    if (!rc)
        rc = check_all(&r->h, &co, &res);
    FILE *f = rc ? NULL : fopen(o->report, "w");
    char replay[1200];
    snprintf(replay, sizeof replay, "lockyard run %s", o->save ? o->save : o->path);
    struct report_info ri = {sc->name,
                             sc->description,
                             sc->protocol_name,
                             sc->seed,
                             replay,
                             st->best.found,
                             NULL,
                             NULL,
                             0,
                             NULL,
                             sc->path,
                             NULL};
    if (!rc)
        rc = f ? report_html(f, &ri, &r->h, &res) : LY_EIO;
    if (f && fclose(f))
        rc = LY_EIO;
    check_result_cleanup(&res);
    run_free(r);
    return rc;
}

static int explore_loaded(struct xcli *o, struct scenario *sc, const char *self)
{
    struct xconfig x;
    struct xsearch_stats st;
    struct xsearch_opts so = {o->preemptions, o->max_schedules, o->seconds};
    char err[512] = "", url[128];
    memset(&x, 0, sizeof x);
    x.sc = sc;
    x.self_exe = self;
    x.faults_max = o->faults;
    x.max_steps = o->max_steps;
    int rc = explore_prepare(&x, o->kinds, o->pause_ms, err, sizeof err);
    if (!rc)
        rc = override(sc, o, err, sizeof err);
    int pid = rc ? -1 : explore_server_start(self, url, sizeof url, err, sizeof err);
    if (rc || pid < 0) {
        fprintf(stderr, "lockyard: %s\n", err[0] ? err : ly_err_str(rc));
        return 2;
    }
    x.target = url;
    if (!o->json)
        printf("== explore %s: %s\n", sc->name, o->path);
    fflush(stdout);
    rc = explore_search(&x, &so, sc->expect, &st);
    int ok = !rc && !st.errors && st.found == sc->expect;
    if (o->json)
        print_json(o, sc, &st, ok);
    else
        print_text(o, sc, &x, &st);
    if (!rc && o->save && st.best.choices && save_replay(o, sc, &st.best))
        fprintf(stderr, "lockyard: cannot write %s\n", o->save);
    if (!rc && o->report && st.best.choices && write_report(o, sc, &x, &st))
        fprintf(stderr, "lockyard: cannot write the report %s\n", o->report);
    if (!o->json)
        printf("%s: found %s\n", ok ? "OK" : "MISMATCH", st.found ? "violations above" : "none");
    xsearch_stats_cleanup(&st);
    explore_server_stop(pid);
    return ok ? 0 : 1;
}

int runner_cmd_explore(int argc, char **argv)
{
    struct xcli o;
    struct scenario *sc = NULL;
    char self[1024], err[512] = "";
    memset(&o, 0, sizeof o);
    o.preemptions = 2;
    o.faults = 1;
    o.max_steps = 400;
    o.max_schedules = 100000;
    o.seconds = 600;
    if (parse(&o, argc, argv)) {
        usage(stderr);
        return 2;
    }
    if (resolve(argv[optind], o.path, sizeof o.path)) {
        fprintf(stderr, "lockyard: %s: no such file or scenario\n", argv[optind]);
        return 2;
    }
    if (scenario_load_file(o.path, &sc, err, sizeof err)) {
        fprintf(stderr, "lockyard: %s\n", err);
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    int rc = explore_loaded(&o, sc, self);
    scenario_free(sc);
    fflush(stdout);
    return rc;
}
