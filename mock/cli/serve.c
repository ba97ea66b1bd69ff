/*
 * serve.c - `lockyard serve`: options, LOCKYARD_LISTEN, the YAML config file (errors name the
 * line), then server_run.
 */
#include "cli.h"

#include "lockyard/net.h"
#include "lockyard/yaml_json.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULTS_MAX 64
#define CONFIG_NUMBERS_MAX 16
#define CONFIG_BYTES_MAX (1u << 20)

/* Options for hostile input and exhausted resources (docs/security.md). */
enum {
    OPT_ADMIN_TOKEN = 0x100,
    OPT_ADMIN_LISTEN,
    OPT_MAX_CONNECTIONS,
    OPT_MAX_INFLIGHT,
    OPT_IDLE_TIMEOUT,
    OPT_HEADER_TIMEOUT,
    OPT_MIN_BODY_RATE,
};

static void serve_usage(FILE *f)
{
    fprintf(
        f,
        "usage: lockyard serve [options]\n"
        "  --listen HOST:PORT        listen address (default 127.0.0.1:4566, or\n"
        "                            $LOCKYARD_LISTEN; port 0 = any free port)\n"
        "  --tls-listen HOST:PORT    serve HTTPS too (self-signed localhost certificate unless\n"
        "                            --tls-cert FILE --tls-key FILE are given)\n"
        "  --data DIR                data directory (default ./lockyard-data)\n"
        "  --memory                  temporary store, deleted at exit\n"
        "  --durability group|fsync|none  what an acknowledged write survives (default group:\n"
        "                            a sync thread flushes writes in batches; answers wait\n"
        "                            for the flush that covers them)\n"
        "  --region NAME             region (default us-east-1)\n"
        "  --auth any|sigv4          any: accept every key (default); sigv4: verify signatures\n"
        "  --credentials AKID:SECRET a key pair for --auth sigv4 (repeatable; default test:test)\n"
        "  --max-object-bytes N      largest object body accepted (default 536870912)\n"
        "  --min-part-bytes N        multipart: smallest part but the last (default 5 MiB)\n"
        "  --max-part-bytes N        multipart: largest part (default 5 GiB, at most the\n"
        "                            largest object)\n"
        "  --fault RULE              a fault rule as key=value,... (repeatable; see\n"
        "                            docs/faults.md and `lockyard fault --help`)\n"
        "  --config FILE             YAML with the same settings and a 'faults' list\n"
        "  --journal-entries N       request journal size (default 10000)\n"
        "  --admin-token TOKEN       required for the admin API (header x-lockyard-admin-token\n"
        "                            or Authorization: Bearer); under --auth sigv4 a signed\n"
        "                            request from a configured key is accepted too\n"
        "  --admin-listen HOST:PORT  serve the admin API on this address only\n"
        "  --max-connections N       open connections at once (default: from the fd limit)\n"
        "  --max-inflight-bytes N    request bodies being received at once (default 1 GiB)\n"
        "  --idle-timeout-ms N       close keep-alive connections idle that long (120000)\n"
        "  --header-timeout-ms N     time for a request's headers to arrive (default 20000)\n"
        "  --min-body-rate N         bytes/s a request body must average (default 1024)\n"
        "  --log-level error|info|debug  info and debug log one line per request\n"
        "                            (default error)\n"
        "  --log-format text|json    request log lines as text (default) or JSON objects\n"
        "  --quiet                   no log output\n"
        "  -h, --help                this text\n");
}

static const struct option serve_opts[] = {
    {"listen", required_argument, 0, 'l'},
    {"data", required_argument, 0, 'd'},
    {"memory", no_argument, 0, 'm'},
    {"durability", required_argument, 0, 'D'},
    {"region", required_argument, 0, 'r'},
    {"max-object-bytes", required_argument, 0, 'M'},
    {"min-part-bytes", required_argument, 0, 'p'},
    {"max-part-bytes", required_argument, 0, 'P'},
    {"log-level", required_argument, 0, 'L'},
    {"log-format", required_argument, 0, 'O'},
    {"quiet", no_argument, 0, 'q'},
    {"tls-listen", required_argument, 0, 't'},
    {"tls-cert", required_argument, 0, 'c'},
    {"tls-key", required_argument, 0, 'k'},
    {"auth", required_argument, 0, 'A'},
    {"credentials", required_argument, 0, 'C'},
    {"fault", required_argument, 0, 'F'},
    {"config", required_argument, 0, 'f'},
    {"journal-entries", required_argument, 0, 'J'},
    {"admin-token", required_argument, 0, OPT_ADMIN_TOKEN},
    {"admin-listen", required_argument, 0, OPT_ADMIN_LISTEN},
    {"max-connections", required_argument, 0, OPT_MAX_CONNECTIONS},
    {"max-inflight-bytes", required_argument, 0, OPT_MAX_INFLIGHT},
    {"idle-timeout-ms", required_argument, 0, OPT_IDLE_TIMEOUT},
    {"header-timeout-ms", required_argument, 0, OPT_HEADER_TIMEOUT},
    {"min-body-rate", required_argument, 0, OPT_MIN_BODY_RATE},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

struct cli {
    struct server_opts *o;
    char listen_host[256], tls_host[256], admin_host[256];
    struct fault_rule faults[FAULTS_MAX];
    json_t *config; /* kept for the life of the process: options point into it */
    char numbers[CONFIG_NUMBERS_MAX][32]; /* numeric config values as option text */
    size_t nnumbers;
    char where[320]; /* "config FILE line N: " while a config setting is applied */
};

__attribute__((format(printf, 2, 3))) static int fail(struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lockyard serve: %s", cli->where);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static const char *opt_name(int c)
{
    for (const struct option *opt = serve_opts; opt->name; opt++)
        if (opt->val == c)
            return opt->name;
    return "?";
}

static int bad(struct cli *cli, int c, const char *v, const char *want)
{
    return fail(cli, "bad value '%s' for --%s: %s", v ? v : "", opt_name(c), want);
}

static int parse_hostport(const char *v, char *host, size_t host_size, const char **host_out,
                          int *port_out)
{
    const char *colon = strrchr(v, ':');
    if (!colon)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || !colon[1] || port < 0 || port > 65535 || colon == v)
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

static int add_credentials(struct cli *cli, char *v)
{
    struct server_opts *o = cli->o;
    char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1])
        return bad(cli, 'C', v, "want AKID:SECRET");
    if (o->ncredentials == SERVER_CREDENTIALS_MAX)
        return bad(cli, 'C', v, "too many key pairs (at most 16)");
    *colon = '\0';
    o->credentials[o->ncredentials].access_key = v;
    o->credentials[o->ncredentials].secret = colon + 1;
    o->ncredentials++;
    return 0;
}

static int add_fault_rule(struct cli *cli, const json_t *j, const char *text)
{
    char err[256];
    struct server_opts *o = cli->o;
    if (o->nfaults == FAULTS_MAX)
        return fail(cli, "at most %d fault rules at start", FAULTS_MAX);
    struct fault_rule *r = &cli->faults[o->nfaults];
    int rc = j ? fault_rule_from_json(j, r, err, sizeof err)
               : fault_rule_from_text(text, r, err, sizeof err);
    if (rc && text)
        return fail(cli, "bad fault rule '%s': %s", text, err);
    if (rc)
        return fail(cli, "bad fault rule: %s", err);
    o->faults = cli->faults;
    o->nfaults++;
    return 0;
}

static int load_config(struct cli *cli, const char *path);

/* The numeric options: --max-object-bytes, --journal-entries, --min/max-part-bytes. */
static int apply_number(struct cli *cli, int c, const char *v)
{
    struct server_opts *o = cli->o;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-')
        return bad(cli, c, v, "want a whole number");
    if ((c == 'M' || c == 'J' || c == 'P') && n == 0)
        return bad(cli, c, v, "must be at least 1");
    switch (c) {
    case 'M': o->object_bytes_max = n; break;
    case 'J': o->journal_entries = (size_t)n; break;
    case 'p': o->part_bytes_min = n; break;
    default: o->part_bytes_max = n; break;
    }
    return 0;
}

/* An option whose value is one word of a list: the index, or -1 after the message. */
static int one_of(struct cli *cli, int c, const char *v, const char *const *words, const char *want)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(v, words[i]) == 0)
            return i;
    return bad(cli, c, v, want);
}

static int apply_choice(struct cli *cli, int c, const char *v)
{
    static const char *const durability[] = {"group", "fsync", "none", NULL};
    static const char *const auth[] = {"any", "sigv4", NULL};
    static const char *const level[] = {"error", "info", "debug", NULL};
    static const char *const format[] = {"text", "json", NULL};
    static const enum store_durability dur[] = {STORE_DURABILITY_GROUP, STORE_DURABILITY_FSYNC,
                                                STORE_DURABILITY_NONE};
    struct server_opts *o = cli->o;
    int i;
    switch (c) {
    case 'D':
        if ((i = one_of(cli, c, v, durability, "want group, fsync or none")) < 0)
            return -1;
        o->durability = dur[i];
        return 0;
    case 'A':
        if ((i = one_of(cli, c, v, auth, "want any or sigv4")) < 0)
            return -1;
        o->auth = i ? SERVER_AUTH_SIGV4 : SERVER_AUTH_ANY;
        return 0;
    case 'L':
        if ((i = one_of(cli, c, v, level, "want error, info or debug")) < 0)
            return -1;
        o->log_level = o->quiet ? -1 : i;
        return 0;
    default:
        if ((i = one_of(cli, c, v, format, "want text or json")) < 0)
            return -1;
        o->log_json = i;
        return 0;
    }
}

/* The options of docs/security.md: the admin token and address, connection and body limits. */
static int apply_limit_option(struct cli *cli, int c, char *v)
{
    struct server_opts *o = cli->o;
    char *end;
    if (c == OPT_ADMIN_TOKEN) {
        o->admin_token = v;
        return *v ? 0 : bad(cli, c, v, "want a non-empty token");
    }
    if (c == OPT_ADMIN_LISTEN)
        return parse_hostport(v, cli->admin_host, sizeof cli->admin_host, &o->admin_host,
                              &o->admin_port) == 0
                   ? 0
                   : bad(cli, c, v, "want HOST:PORT (port 0-65535)");
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-')
        return bad(cli, c, v, "want a whole number");
    if (n == 0 && c != OPT_MIN_BODY_RATE)
        return bad(cli, c, v, "must be at least 1");
    switch (c) {
    case OPT_MAX_CONNECTIONS: o->max_connections = n; return 0;
    case OPT_MAX_INFLIGHT: o->max_inflight_bytes = n; return 0;
    case OPT_IDLE_TIMEOUT: o->idle_timeout_ms = n; return 0;
    case OPT_HEADER_TIMEOUT: o->header_timeout_ms = n; return 0;
    default: o->min_body_rate = n; return 0;
    }
}

static int apply_option(struct cli *cli, int c, char *v)
{
    struct server_opts *o = cli->o;
    switch (c) {
    case 'l':
        if (parse_hostport(v, cli->listen_host, sizeof cli->listen_host, &o->listen_host,
                           &o->listen_port) == 0)
            return 0;
        return bad(cli, c, v, "want HOST:PORT (port 0-65535)");
    case 't':
        if (parse_hostport(v, cli->tls_host, sizeof cli->tls_host, &o->tls_host, &o->tls_port) == 0)
            return 0;
        return bad(cli, c, v, "want HOST:PORT (port 0-65535)");
    case 'c': o->tls_cert = v; return 0;
    case 'k': o->tls_key = v; return 0;
    case 'd': o->data_dir = v; return 0;
    case 'm': o->memory = 1; return 0;
    case 'r':
        if (!*v)
            return bad(cli, c, v, "want a region name");
        o->region = v;
        return 0;
    case 'C': return add_credentials(cli, v);
    case 'F': return add_fault_rule(cli, NULL, v);
    case 'f': return load_config(cli, v);
    case 'M':
    case 'J':
    case 'p':
    case 'P': return apply_number(cli, c, v);
    case 'q':
        o->quiet = 1;
        o->log_level = -1;
        return 0;
    case 'h': serve_usage(stdout); exit(0);
    default: return c >= OPT_ADMIN_TOKEN ? apply_limit_option(cli, c, v) : apply_choice(cli, c, v);
    }
}

/* The 1-based line where KEY: starts a line at the given indentation or deeper, or 0. */
static int config_line(const char *text, const char *key, int nth_item)
{
    int line = 1, found = 0, items = -1;
    size_t klen = strlen(key);
    for (const char *p = text; *p; line++) {
        const char *s = p + strspn(p, " ");
        if (!found && strncmp(s, key, klen) == 0 && s[klen + strspn(s + klen, " ")] == ':') {
            found = line;
            if (nth_item < 0)
                return line;
        } else if (found && s[0] == '-' && (s[1] == ' ' || s[1] == '\n') && ++items == nth_item) {
            return line;
        }
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return found;
}

static void where(struct cli *cli, const char *path, const char *text, const char *key, int item)
{
    int line = config_line(text, key, item);
    if (line)
        snprintf(cli->where, sizeof cli->where, "config %s line %d: ", path, line);
    else
        snprintf(cli->where, sizeof cli->where, "config %s: ", path);
}

/* One config key: the long option of the same name (dashes or underscores), "faults" or
 * "credentials" (lists). */
static int config_key(struct cli *cli, const char *path, const char *text, const char *key,
                      json_t *v)
{
    where(cli, path, text, key, -1);
    if (strcmp(key, "faults") == 0 || strcmp(key, "credentials") == 0) {
        size_t i;
        json_t *item;
        if (!json_is_array(v))
            return fail(cli, "'%s' must be a list", key);
        json_array_foreach (v, i, item) {
            where(cli, path, text, key, (int)i);
            if (key[0] == 'f'           ? add_fault_rule(cli, item, NULL)
                : !json_is_string(item) ? fail(cli, "each of '%s' must be AKID:SECRET", key)
                                        : add_credentials(cli, (char *)json_string_value(item)))
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
        if (opt->has_arg == no_argument) {
            if (!json_is_boolean(v))
                return fail(cli, "'%s' must be true or false", key);
            return json_is_true(v) ? apply_option(cli, opt->val, NULL) : 0;
        }
        if (json_is_integer(v) && cli->nnumbers < CONFIG_NUMBERS_MAX) {
            char *num = cli->numbers[cli->nnumbers++];
            snprintf(num, sizeof cli->numbers[0], "%lld", (long long)json_integer_value(v));
            return apply_option(cli, opt->val, num);
        }
        if (!json_is_string(v))
            return fail(cli, "'%s' must be text", key);
        return apply_option(cli, opt->val, (char *)json_string_value(v));
    }
    return fail(cli, "unknown setting '%s' (the settings are serve's long options)", key);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = malloc(CONFIG_BYTES_MAX + 1);
    size_t n = text ? fread(text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
    fclose(f);
    if (!text || n > CONFIG_BYTES_MAX) {
        errno = text ? EFBIG : ENOMEM;
        free(text);
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

static int load_config(struct cli *cli, const char *path)
{
    char err[256];
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "lockyard serve: cannot read config %s: %s\n", path, strerror(errno));
        return -1;
    }
    json_t *doc = yaml_to_json(text, len, err, sizeof err);
    if (!doc || !json_is_object(doc)) {
        fprintf(stderr, "lockyard serve: config %s: %s\n", path,
                doc ? "line 1: must be a mapping of settings" : err);
        json_decref(doc);
        free(text);
        return -1;
    }
    json_decref(cli->config);
    cli->config = doc;
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach (doc, key, v) {
        if ((rc = config_key(cli, path, text, key, v)) != 0)
            break;
    }
    cli->where[0] = '\0';
    free(text);
    return rc;
}

static int parse_serve(int argc, char **argv, struct cli *cli)
{
    int c;
    const char *env = getenv("LOCKYARD_LISTEN");
    optind = 1;
    if (env && *env && apply_option(cli, 'l', (char *)env)) {
        fprintf(stderr, "lockyard serve: (from LOCKYARD_LISTEN)\n");
        return -1;
    }
    while ((c = cli_getopt("serve", argc, argv, ":h", serve_opts)) != -1) {
        if (c == '?' || apply_option(cli, c, optarg))
            return -1;
    }
    struct server_opts *o = cli->o;
    if (o->auth == SERVER_AUTH_SIGV4 && o->ncredentials == 0) {
        o->credentials[0].access_key = "test";
        o->credentials[0].secret = "test";
        o->ncredentials = 1;
    }
    if (optind < argc) {
        fprintf(stderr,
                "lockyard serve: unexpected argument '%s' (lockyard serve --help lists "
                "the options)\n",
                argv[optind]);
        return -1;
    }
    if (!!o->tls_cert != !!o->tls_key) {
        fprintf(stderr, "lockyard serve: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return 0;
}

int cli_cmd_serve(int argc, char **argv)
{
    static struct cli cli; /* static: options point into it for the whole run */
    struct server_opts o;
    server_opts_defaults(&o);
    cli.o = &o;
    int rc = parse_serve(argc, argv, &cli) ? 2 : server_run(&o);
    json_decref(cli.config);
    cli.config = NULL;
    return rc;
}
