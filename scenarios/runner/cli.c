/*
 * cli.c - `lockyard run`, `lockyard check` and `lockyard scenarios`: option
 * parsing, finding scenario files, and wiring run → checkers → reports.
 */
#include "lockyard/runner.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "explore.h"
#include "report.h"

struct cli {
    struct run_opts ro;
    const char *history_path;
    const char *report_path;
    int json;
    int interrupted;
    json_t *all;
};

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: lockyard run [options] SCENARIO...\n"
            "  SCENARIO                a file, or a name from `lockyard scenarios`\n"
            "  --seed N                the seed of everything random (default: the scenario's)\n"
            "  --target URL            run against http[s]://HOST[:PORT] (AWS_ACCESS_KEY_ID,\n"
            "                          AWS_SECRET_ACCESS_KEY, AWS_REGION from the environment)\n"
            "                          instead of an embedded `lockyard serve --memory`\n"
            "  --history FILE          write the history as JSON lines\n"
            "  --report FILE.html      write the HTML report (timeline, violations, statistics)\n"
            "  --clients N             override the number of clients (simple scenarios)\n"
            "  --seconds N             override the time limit\n"
            "  --client-faults         apply the scenario's fault rules in the runner, even on a\n"
            "                          lockyard target (they always are on other stores)\n"
            "  --no-admin              treat a lockyard target as a plain S3/DynamoDB store: no\n"
            "                          journal, no server fault rules (implies --client-faults)\n"
            "  --reset-target          empty a lockyard --target first (POST /_lockyard/reset)\n"
            "  --keep                  leave the run's bucket and table on the --target\n"
            "  --json                  print one JSON document instead of the text summary\n"
            "  --quiet                 no progress line\n");
}

static const char *scenario_dir(void)
{
    const char *d = getenv("LOCKYARD_SCENARIOS");
    return d && *d ? d : "scenarios";
}

static int resolve_path(const char *arg, char *out, size_t size)
{
    if (access(arg, R_OK) == 0) {
        snprintf(out, size, "%s", arg);
        return 0;
    }
    snprintf(out, size, "%s/%s.yaml", scenario_dir(), arg);
    return access(out, R_OK) == 0 ? 0 : -1;
}

/* FILE.html + name → FILE-name.html when several scenarios share one option. */
static void per_scenario_path(const char *base, const char *name, int many, char *out, size_t size)
{
    const char *dot = strrchr(base, '.');
    if (!many || !dot)
        snprintf(out, size, "%s", base);
    else
        snprintf(out, size, "%.*s-%s%s", (int)(dot - base), base, name, dot);
}

static int override_clients(struct scenario *sc, int n)
{
    if (sc->nevents || sc->ngates)
        return -1;
    for (size_t i = 0; i < sc->nclients; i++)
        if (sc->clients[i].prog.n)
            return -1;
    struct sc_client *cs = calloc((size_t)n, sizeof *cs);
    if (!cs)
        return -1;
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, n <= 26 ? "%c" : "c%d", n <= 26 ? 'A' + i : i + 1);
        cs[i].name = strdup(name);
    }
    for (size_t i = 0; i < sc->nclients; i++)
        free(sc->clients[i].name);
    free(sc->clients);
    sc->clients = cs;
    sc->nclients = (size_t)n;
    return 0;
}

static int write_outputs(struct cli *cli, const struct run *r, const struct report_info *ri,
                         const struct check_result *res, int many)
{
    char path[1024];
    int rc = 0;
    if (cli->history_path && r->h.n) {
        per_scenario_path(cli->history_path, ri->name, many, path, sizeof path);
        FILE *f = fopen(path, "w");
        rc = f ? history_write_jsonl(&r->h, f) : LY_EIO;
        if (f && fclose(f))
            rc = LY_EIO;
        if (rc)
            fprintf(stderr, "lockyard: cannot write %s\n", path);
    }
    if (cli->report_path && r->h.n) {
        per_scenario_path(cli->report_path, ri->name, many, path, sizeof path);
        FILE *f = fopen(path, "w");
        int hrc = f ? report_html(f, ri, &r->h, res) : LY_EIO;
        if (f && fclose(f))
            hrc = LY_EIO;
        if (hrc)
            fprintf(stderr, "lockyard: cannot write %s\n", path);
        rc = rc ? rc : hrc;
    }
    return rc;
}

/* Where each fault rule acted, for the report and --json. */
static json_t *faults_json(const struct scenario *sc, const struct run *r)
{
    if (!r || !r->rfaults)
        return NULL;
    json_t *a = json_array();
    static const char *const where[] = {"server", "client", "pending"};
    for (size_t i = 0; a && i < sc->nfaults; i++) {
        const struct run_fault *f = &r->rfaults[i];
        json_t *o = json_pack("{sI sI ss ss}", "rule", (json_int_t)(i + 1), "line",
                              (json_int_t)sc->faults[i].line, "action",
                              fault_action_name(f->rule.action), "where", where[f->where]);
        if (o && f->where == RF_PENDING)
            json_object_set_new(o, "reason", json_string(f->why));
        json_array_append_new(a, o);
    }
    return a;
}

/* The command that replays this run: the seed and every override. */
static void replay_command(const struct cli *cli, const struct scenario *sc, uint64_t seed,
                           char *out, size_t size)
{
    const struct run_opts *o = &cli->ro;
    size_t n = (size_t)snprintf(out, size, "lockyard run %s --seed %" PRIu64, sc->path, seed);
    if (o->target && n < size)
        n += (size_t)snprintf(out + n, size - n, " --target %s", o->target);
    if (o->clients_override && n < size)
        n += (size_t)snprintf(out + n, size - n, " --clients %d", o->clients_override);
    if (o->seconds_override && n < size)
        n += (size_t)snprintf(out + n, size - n, " --seconds %" PRId64, o->seconds_override);
    const char *flags[] = {o->client_faults ? " --client-faults" : "",
                           o->no_admin ? " --no-admin" : "",
                           o->reset_target ? " --reset-target" : "", o->keep ? " --keep" : ""};
    for (size_t i = 0; i < 4 && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s", flags[i]);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(struct cli *cli, struct scenario *sc, int many)
{
    struct run *r = NULL;
    struct check_result res;
    struct check_opts co;
    char replay[1200];
    uint64_t seed = cli->ro.seed_set ? cli->ro.seed : sc->seed;
    int64_t t0 = wall_ms();
    replay_command(cli, sc, seed, replay, sizeof replay);
    if (!cli->json)
        printf("== %s: seed %" PRIu64 "; replay: %s\n", sc->name, seed, replay);
    fflush(stdout);
    check_result_init(&res);
    check_opts_defaults(&co);
    co.orphan_lock = sc->orphan_check;
    int rc = sc->schedule ? explore_replay(sc, &cli->ro, &r) : run_scenario(sc, &cli->ro, &r);
    struct report_info ri = {sc->name,
                             sc->description,
                             sc->protocol_name,
                             seed,
                             replay,
                             sc->expect,
                             NULL,
                             NULL,
                             0,
                             faults_json(sc, r),
                             sc->path,
                             r ? journal_summary(r) : NULL};
    if (r && r->pending[0])
        ri.pending = r->pending;
    else if (rc || !r)
        ri.error = r && r->error[0] ? r->error : ly_err_str(rc);
    else if ((rc = check_all(&r->h, &co, &res)))
        ri.error = ly_err_str(rc);
    ri.wall_ms = wall_ms() - t0;
    if (r && !ri.pending)
        write_outputs(cli, r, &ri, &res, many);
    if (cli->json)
        json_array_append_new(cli->all, report_json(&ri, &res));
    else
        report_text(stdout, &ri, r ? &r->h : NULL, &res);
    int ok = report_matches(&ri, &res);
    if (r && r->interrupted)
        cli->interrupted = 1;
    json_decref(ri.faults);
    json_decref(ri.journal);
    check_result_cleanup(&res);
    run_free(r);
    fflush(stdout);
    return ok;
}

/* A bad value: says which option and what it wants. @return -1 */
static int bad_value(const char *opt, const char *v, const char *want)
{
    fprintf(stderr, "lockyard run: bad value '%s' for --%s: %s\n", v, opt, want);
    return -1;
}

/* A whole number in [lo, hi] into *out, else the message. */
static int whole(const char *opt, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) {
        char want[96];
        snprintf(want, sizeof want, "want a whole number from %lld to %lld", lo, hi);
        return bad_value(opt, v, want);
    }
    *out = n;
    return 0;
}

static int parse_run(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seed", required_argument, 0, 's'},    {"target", required_argument, 0, 't'},
        {"history", required_argument, 0, 'H'}, {"report", required_argument, 0, 'R'},
        {"clients", required_argument, 0, 'c'}, {"seconds", required_argument, 0, 'S'},
        {"json", no_argument, 0, 'j'},          {"quiet", no_argument, 0, 'q'},
        {"client-faults", no_argument, 0, 'F'}, {"no-admin", no_argument, 0, 'N'},
        {"reset-target", no_argument, 0, 'X'},  {"keep", no_argument, 0, 'K'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
    long long n;
    char host[256];
    int port, tls;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (whole("seed", optarg, 0, INT64_MAX, &n))
                return -1;
            cli->ro.seed = (uint64_t)n;
            cli->ro.seed_set = 1;
            break;
        case 't':
            if (ly_client_parse_url(optarg, host, sizeof host, &port, &tls))
                return bad_value("target", optarg,
                                 "want http://HOST[:PORT] or https://HOST[:PORT]");
            cli->ro.target = optarg;
            break;
        case 'H': cli->history_path = optarg; break;
        case 'R': cli->report_path = optarg; break;
        case 'c':
            if (whole("clients", optarg, 1, SC_CLIENTS_MAX, &n))
                return -1;
            cli->ro.clients_override = (int)n;
            break;
        case 'S':
            if (whole("seconds", optarg, 1, 86400, &n))
                return -1;
            cli->ro.seconds_override = n;
            break;
        case 'j': cli->json = 1; break;
        case 'q': cli->ro.quiet = 1; break;
        case 'F': cli->ro.client_faults = 1; break;
        case 'N': cli->ro.no_admin = cli->ro.client_faults = 1; break;
        case 'X': cli->ro.reset_target = 1; break;
        case 'K': cli->ro.keep = 1; break;
        case 'h': run_usage(stdout); exit(0);
        default: return -1; /* getopt named the unknown option */
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "lockyard run: no scenario given\n");
        return -1;
    }
    return 0;
}

int runner_cmd_run(int argc, char **argv)
{
    struct cli cli;
    char self[1024], path[1024], err[512];
    memset(&cli, 0, sizeof cli);
    if (parse_run(&cli, argc, argv)) {
        run_usage(stderr);
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    cli.ro.self_exe = self;
    cli.ro.progress = !cli.ro.quiet && !cli.json && isatty(2);
    cli.all = json_array();
    int all_ok = 1, many = argc - optind > 1, first = optind;
    for (int i = first; i < argc && !cli.interrupted; i++) {
        struct scenario *sc = NULL;
        int rc = resolve_path(argv[i], path, sizeof path)
                     ? LY_ENOENT
                     : scenario_load_file(path, &sc, err, sizeof err);
        if (rc == LY_ENOENT && !err[0])
            snprintf(err, sizeof err, "%s: no such file or scenario", argv[i]);
        if (rc) {
            fprintf(stderr, "lockyard: %s\n", err);
            all_ok = 0;
            continue;
        }
        if (cli.ro.clients_override && override_clients(sc, cli.ro.clients_override))
            fprintf(stderr, "lockyard: %s: --clients ignored (the scenario scripts its clients)\n",
                    sc->name);
        if (cli.ro.seconds_override)
            sc->seconds = cli.ro.seconds_override;
        all_ok &= run_one(&cli, sc, many);
        scenario_free(sc);
        err[0] = '\0';
    }
    if (cli.json) {
        json_t *doc = json_pack("{so sb}", "scenarios", cli.all, "ok", all_ok);
        char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(doc);
    } else {
        json_decref(cli.all);
    }
    return cli.interrupted ? 130 : all_ok ? 0 : 1;
}
