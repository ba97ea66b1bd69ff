/* main.c - lockyard entry point: subcommands and option parsing only. */
#include "lockyard/net.h"
#include "lockyard/runner.h"
#include "lockyard/yaml_json.h"

#include <jansson.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCKYARD_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lockyard serve [options]\n"
            "       lockyard run [options] SCENARIO...   (lockyard run --help)\n"
            "       lockyard explore [options] SCENARIO  (every schedule within a bound)\n"
            "       lockyard check HISTORY [--model register|lock|counter|s3]\n"
            "       lockyard scenarios\n"
            "       lockyard probe http://HOST:PORT      (conditional semantics vs AWS)\n"
            "       lockyard version\n"
            "serve options:\n"
            "  --listen HOST:PORT        listen address (default 127.0.0.1:4566; port 0 = any)\n"
            "  --tls-listen HOST:PORT    serve HTTPS too (self-signed localhost certificate unless\n"
            "                            --tls-cert FILE --tls-key FILE are given)\n"
            "  --data DIR                data directory (default ./lockyard-data)\n"
            "  --memory                  temporary store, deleted at exit\n"
            "  --durability group|fsync|none  what an acknowledged write survives (default group:\n"
            "                            one fsync for the writes that arrived together)\n"
            "  --region NAME             region (default us-east-1)\n"
            "  --auth any|sigv4          any: accept every key (default); sigv4: verify signatures\n"
            "  --credentials AKID:SECRET a key pair for --auth sigv4 (repeatable; default test:test)\n"
            "  --max-object-bytes N      largest object body accepted (default 536870912)\n"
            "  --min-part-bytes N        multipart: smallest part but the last (default 5 MiB)\n"
            "  --max-part-bytes N        multipart: largest part (default 5 GiB, at most the\n"
            "                            largest object)\n"
            "  --fault RULE              a fault rule as key=value,… (repeatable; docs/faults.md)\n"
            "  --config FILE             YAML with the same settings and a 'faults' list\n"
            "  --journal-entries N       request journal size (default 10000)\n"
            "  --log-level error|info|debug\n"
            "  --quiet                   no log output\n");
}

static int parse_hostport(const char *v, char *host, size_t host_size, const char **host_out,
                          int *port_out)
{
    const char *colon = strrchr(v, ':');
    if (!colon)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon == v)
        return -1;
    size_t n = (size_t)(colon - v);
    if (n >= host_size)
        return -1;
    memcpy(host, v, n);
    host[n] = '\0';
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    *host_out = host;
    *port_out = (int)port;
    return 0;
}

static int add_credentials(char *v, struct server_opts *o)
{
    char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1] || o->ncredentials == SERVER_CREDENTIALS_MAX) {
        fprintf(stderr, "lockyard: --credentials wants AKID:SECRET (at most %d)\n",
                SERVER_CREDENTIALS_MAX);
        return -1;
    }
    *colon = '\0';
    o->credentials[o->ncredentials].access_key = v;
    o->credentials[o->ncredentials].secret = colon + 1;
    o->ncredentials++;
    return 0;
}

#define FAULTS_MAX 64
#define CONFIG_NUMBERS_MAX 16

static const struct option serve_opts[] = {
    {"listen", required_argument, 0, 'l'}, {"data", required_argument, 0, 'd'},
    {"memory", no_argument, 0, 'm'}, {"durability", required_argument, 0, 'D'},
    {"region", required_argument, 0, 'r'}, {"max-object-bytes", required_argument, 0, 'M'},
    {"min-part-bytes", required_argument, 0, 'p'}, {"max-part-bytes", required_argument, 0, 'P'},
    {"log-level", required_argument, 0, 'L'}, {"quiet", no_argument, 0, 'q'},
    {"tls-listen", required_argument, 0, 't'}, {"tls-cert", required_argument, 0, 'c'},
    {"tls-key", required_argument, 0, 'k'},
    {"auth", required_argument, 0, 'A'}, {"credentials", required_argument, 0, 'C'},
    {"fault", required_argument, 0, 'F'}, {"config", required_argument, 0, 'f'},
    {"journal-entries", required_argument, 0, 'J'},
    {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
};

struct cli {
    struct server_opts *o;
    char listen_host[256], tls_host[256];
    struct fault_rule faults[FAULTS_MAX];
    json_t *config;  /* kept for the life of the process: options point into it */
    char numbers[CONFIG_NUMBERS_MAX][32]; /* numeric config values as option text */
    size_t nnumbers;
};

static int add_fault_rule(struct cli *cli, const json_t *j, const char *text)
{
    char err[256];
    struct server_opts *o = cli->o;
    if (o->nfaults == FAULTS_MAX) {
        fprintf(stderr, "lockyard: at most %d fault rules at start\n", FAULTS_MAX);
        return -1;
    }
    struct fault_rule *r = &cli->faults[o->nfaults];
    int rc = j ? fault_rule_from_json(j, r, err, sizeof err)
               : fault_rule_from_text(text, r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "lockyard: bad fault rule: %s\n", err);
        return -1;
    }
    o->faults = cli->faults;
    o->nfaults++;
    return 0;
}

static int load_config(struct cli *cli, const char *path);

/* The numeric options: --max-object-bytes, --journal-entries, --min/max-part-bytes. */
static int apply_number(struct server_opts *o, int c, const char *v)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || *v == '-' || ((c == 'M' || c == 'J' || c == 'P') && n == 0))
        return -1;
    switch (c) {
    case 'M': o->object_bytes_max = n; break;
    case 'J': o->journal_entries = (size_t)n; break;
    case 'p': o->part_bytes_min = n; break;
    default: o->part_bytes_max = n; break;
    }
    return 0;
}

static int apply_option(struct cli *cli, int c, char *v)
{
    struct server_opts *o = cli->o;
    switch (c) {
    case 'l':
        if (parse_hostport(v, cli->listen_host, sizeof cli->listen_host, &o->listen_host,
                           &o->listen_port) == 0)
            return 0;
        fprintf(stderr, "lockyard: --listen wants HOST:PORT, got '%s'\n", v);
        return -1;
    case 't':
        if (parse_hostport(v, cli->tls_host, sizeof cli->tls_host, &o->tls_host, &o->tls_port) == 0)
            return 0;
        fprintf(stderr, "lockyard: --tls-listen wants HOST:PORT, got '%s'\n", v);
        return -1;
    case 'c': o->tls_cert = v; return 0;
    case 'k': o->tls_key = v; return 0;
    case 'd': o->data_dir = v; return 0;
    case 'm': o->memory = 1; return 0;
    case 'D':
        if (strcmp(v, "fsync") == 0)
            o->durability = STORE_DURABILITY_FSYNC;
        else if (strcmp(v, "group") == 0)
            o->durability = STORE_DURABILITY_GROUP;
        else if (strcmp(v, "none") == 0)
            o->durability = STORE_DURABILITY_NONE;
        else
            break;
        return 0;
    case 'r': o->region = v; return 0;
    case 'A':
        if (strcmp(v, "any") == 0)
            o->auth = SERVER_AUTH_ANY;
        else if (strcmp(v, "sigv4") == 0)
            o->auth = SERVER_AUTH_SIGV4;
        else
            break;
        return 0;
    case 'C': return add_credentials(v, o);
    case 'F': return add_fault_rule(cli, NULL, v);
    case 'f': return load_config(cli, v);
    case 'M':
    case 'J':
    case 'p':
    case 'P':
        if (apply_number(o, c, v) == 0)
            return 0;
        break;
    case 'L':
        o->log_level = strcmp(v, "debug") == 0 ? 2 : strcmp(v, "info") == 0 ? 1 : 0;
        return 0;
    case 'q': o->quiet = 1; o->log_level = -1; return 0;
    case 'h': usage(stdout); exit(0);
    default: break;
    }
    for (const struct option *opt = serve_opts; opt->name; opt++)
        if (opt->val == c)
            fprintf(stderr, "lockyard: bad value '%s' for --%s\n", v ? v : "", opt->name);
    return -1;
}

/* One config key: the long option of the same name (dashes or underscores), or "faults". */
static int config_key(struct cli *cli, const char *key, json_t *v)
{
    if (strcmp(key, "faults") == 0 || strcmp(key, "credentials") == 0) {
        size_t i;
        json_t *item;
        if (!json_is_array(v))
            goto bad;
        json_array_foreach(v, i, item) {
            if (key[0] == 'f' ? add_fault_rule(cli, item, NULL)
                              : (!json_is_string(item) ||
                                 add_credentials((char *)json_string_value(item), cli->o)))
                return -1;
        }
        return 0;
    }
    char name[64];
    snprintf(name, sizeof name, "%s", key);
    for (char *p = name; *p; p++)
        *p = *p == '_' ? '-' : *p;
    for (const struct option *opt = serve_opts; opt->name; opt++) {
        if (strcmp(opt->name, name) != 0 || opt->val == 'f' || opt->val == 'h')
            continue;
        if (opt->has_arg == no_argument)
            return json_is_true(v) ? apply_option(cli, opt->val, NULL) : 0;
        if (json_is_integer(v) && cli->nnumbers < CONFIG_NUMBERS_MAX) {
            char *num = cli->numbers[cli->nnumbers++];
            snprintf(num, sizeof cli->numbers[0], "%lld", (long long)json_integer_value(v));
            return apply_option(cli, opt->val, num);
        }
        if (!json_is_string(v))
            goto bad;
        return apply_option(cli, opt->val, (char *)json_string_value(v));
    }
    fprintf(stderr, "lockyard: config: unknown setting '%s'\n", key);
    return -1;
bad:
    fprintf(stderr, "lockyard: config: bad value for '%s'\n", key);
    return -1;
}

static int load_config(struct cli *cli, const char *path)
{
    char err[256];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lockyard: cannot read config %s\n", path);
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && len + n < (1u << 20)) {
        char *t = realloc(text, cap = len + n + 1);
        if (!t)
            break;
        text = t;
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    json_t *doc = text ? yaml_to_json(text, len, err, sizeof err) : NULL;
    free(text);
    (void)cap;
    if (!doc || !json_is_object(doc)) {
        fprintf(stderr, "lockyard: config %s: %s\n", path, doc ? "must be a mapping" : err);
        json_decref(doc);
        return -1;
    }
    json_decref(cli->config);
    cli->config = doc;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        if (config_key(cli, key, v))
            return -1;
    }
    return 0;
}

static int parse_serve(int argc, char **argv, struct cli *cli)
{
    int c;
    while ((c = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
        if (c == '?' || apply_option(cli, c, optarg)) {
            if (c == '?')
                usage(stderr);
            return -1;
        }
    }
    struct server_opts *o = cli->o;
    if (o->auth == SERVER_AUTH_SIGV4 && o->ncredentials == 0) {
        o->credentials[0].access_key = "test";
        o->credentials[0].secret = "test";
        o->ncredentials = 1;
    }
    if (optind < argc) {
        fprintf(stderr, "lockyard: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("lockyard %s\n", LOCKYARD_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0) {
        static struct cli cli; /* static: options point into it for the whole run */
        struct server_opts o;
        server_opts_defaults(&o);
        cli.o = &o;
        int rc = parse_serve(argc - 1, argv + 1, &cli) ? 2 : server_run(&o);
        json_decref(cli.config);
        return rc;
    }
    if (strcmp(argv[1], "run") == 0)
        return runner_cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "explore") == 0)
        return runner_cmd_explore(argc - 1, argv + 1);
    if (strcmp(argv[1], "probe") == 0)
        return runner_cmd_probe(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return runner_cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "scenarios") == 0)
        return runner_cmd_scenarios(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "lockyard: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
