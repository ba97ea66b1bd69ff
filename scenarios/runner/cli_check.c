/*
 * cli_check.c - `lockyard check HISTORY` (the checkers on a recorded history)
 * and `lockyard scenarios` (the library and the built-in protocols).
 */
#include "lockyard/runner.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "scenario.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        char *p = cap < (1u << 30) ? realloc(buf, cap * 2) : NULL;
        if (!p) {
            free(buf);
            buf = NULL;
        }
        buf = p;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void check_usage(FILE *f)
{
    fprintf(f, "usage: lockyard check HISTORY.jsonl [options]\n"
               "  --model register|lock|counter|s3  what the history's values mean (default "
               "register)\n"
               "  --report FILE.html        write the HTML report\n"
               "  --json                    print one JSON document instead of the summary\n"
               "  -h, --help                this text\n");
}

/* Options of `lockyard check`; -1 after a message (a usage error). */
static int parse_check(int argc, char **argv, struct check_opts *co, const char **report, int *json)
{
    static const struct option longopts[] = {{"model", required_argument, 0, 'm'},
                                             {"report", required_argument, 0, 'R'},
                                             {"json", no_argument, 0, 'j'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'm')
            co->model = optarg;
        else if (c == 'R')
            *report = optarg;
        else if (c == 'j')
            *json = 1;
        else if (c == 'h')
            check_usage(stdout), exit(0);
        else
            return -1; /* getopt named the option */
    }
    if (strcmp(co->model, "register") && strcmp(co->model, "lock") &&
        strcmp(co->model, "counter") && strcmp(co->model, "s3")) {
        fprintf(stderr,
                "lockyard check: bad value '%s' for --model: want register, lock, "
                "counter or s3\n",
                co->model);
        return -1;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lockyard check: %s\n",
                optind < argc ? "one HISTORY file only" : "no HISTORY file given");
        return -1;
    }
    return 0;
}

int runner_cmd_check(int argc, char **argv)
{
    struct check_opts co;
    const char *report = NULL;
    int json = 0;
    check_opts_defaults(&co);
    if (parse_check(argc, argv, &co, &report, &json)) {
        check_usage(stderr);
        return 2;
    }
    size_t len = 0;
    char *text = read_all(argv[optind], &len), err[256] = "";
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    int rc = text ? history_parse_jsonl(&h, text, len, err, sizeof err) : LY_ENOENT;
    free(text);
    if (!rc)
        rc = check_all(&h, &co, &r);
    struct report_info ri = {argv[optind], NULL, co.model, 0,    "",   0,
                             NULL,         NULL, 0,        NULL, NULL, NULL};
    if (rc) {
        fprintf(stderr, "lockyard: %s: %s\n", argv[optind], err[0] ? err : ly_err_str(rc));
    } else if (json) {
        json_t *o = report_json(&ri, &r);
        char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        char found[256];
        report_kinds(r.found, found, sizeof found);
        printf("%s: %zu events, model %s: %s\n", argv[optind], h.n, co.model, found);
        for (size_t i = 0; i < r.n; i++)
            printf("  %-16s %s\n", violation_name(r.v[i].kind), r.v[i].msg);
        for (int k = 0; k < V_KINDS; k++)
            if ((r.unknown & ~r.found) >> k & 1)
                printf("  %-16s unknown: %s\n", violation_name(k), r.why[k]);
        printf("  keys checked %zu: %zu linearizable, %zu not, %zu unknown\n", r.stats.wgl_keys,
               r.stats.wgl_ok, r.stats.wgl_illegal, r.stats.wgl_unknown);
    }
    if (!rc && report) {
        FILE *f = fopen(report, "w");
        if (!f || report_html(f, &ri, &h, &r))
            fprintf(stderr, "lockyard: cannot write %s\n", report);
        if (f)
            fclose(f);
    }
    int status = rc ? 2 : r.found ? 1 : 0;
    check_result_cleanup(&r);
    history_cleanup(&h);
    return status;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int runner_cmd_scenarios(int argc, char **argv)
{
    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        if (!help)
            fprintf(stderr, "lockyard scenarios: takes no options or arguments ('%s')\n", argv[1]);
        fprintf(help ? stdout : stderr,
                "usage: lockyard scenarios   (the library in "
                "$LOCKYARD_SCENARIOS, else ./scenarios or the installed one)\n");
        return help ? 0 : 2;
    }
    const char *dir = getenv("LOCKYARD_SCENARIOS");
    dir = dir && *dir ? dir : "scenarios";
    DIR *d = opendir(dir);
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n < 512) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"))
            names[n++] = strndup(de->d_name, l - 5);
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    printf("scenarios in %s/ (lockyard run NAME):\n", dir);
    for (size_t i = 0; i < n; i++) {
        char path[1024], err[256];
        struct scenario *sc = NULL;
        char expect[128] = "?";
        snprintf(path, sizeof path, "%s/%s.yaml", dir, names[i]);
        const char *desc = "(does not load: lockyard run shows why)";
        if (!scenario_load_file(path, &sc, err, sizeof err)) {
            report_kinds(sc->expect, expect, sizeof expect);
            desc = sc->description ? sc->description : "";
        }
        printf("  %-34s %-5s %.*s\n", names[i],
               sc && sc->expect ? "FAIL"
               : sc             ? "PASS"
                                : "?",
               (int)strcspn(desc, "\n"), desc);
        scenario_free(sc);
        free(names[i]);
    }
    printf("built-in protocols (protocol: {use: NAME, params: {...}}):\n");
    for (size_t i = 0; protocol_names[i]; i++)
        printf("  %-34s %s\n", protocol_names[i], protocol_summary(protocol_names[i]));
    return 0;
}
