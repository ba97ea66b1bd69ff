/*
 * env.c - `lockyard env`: the environment every AWS SDK and CLI reads (AWS_ENDPOINT_URL and the
 * per-service forms, keys, region, CA bundle) for a running server, as sh/fish/JSON, so that
 * `eval "$(lockyard env)"` points unmodified clients at lockyard.
 */
#include "cli.h"

#include "lockyard/client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENV_VARS_MAX 12

static void env_usage(FILE *f)
{
    fprintf(f, "usage: lockyard env [options]      eval \"$(lockyard env)\"\n"
               "  --server URL              the running server (default $LOCKYARD_URL or\n"
               "                            http://127.0.0.1:4566)\n"
               "  --shell sh|fish|json      output form (default sh: export NAME='value')\n"
               "  --tls                     the server's HTTPS endpoint and AWS_CA_BUNDLE /\n"
               "                            NODE_EXTRA_CA_CERTS for its certificate (serve\n"
               "                            --tls-listen)\n"
               "  --credentials AKID:SECRET keys to print (default test:test; serve --auth sigv4\n"
               "                            --credentials must list them)\n"
               "  -h, --help                this text\n"
               "Prints AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB,\n"
               "AWS_ENDPOINT_URL_STS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,\n"
               "AWS_DEFAULT_REGION (and AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS with --tls).\n");
}

struct env_var {
    const char *name;
    char value[4200];
};

static void print_sh(const struct env_var *v, size_t n, int fish)
{
    for (size_t i = 0; i < n; i++) {
        printf(fish ? "set -gx %s '" : "export %s='", v[i].name);
        for (const char *p = v[i].value; *p; p++) {
            if (*p == '\'')
                fputs(fish ? "\\'" : "'\\''", stdout);
            else if (*p == '\\' && fish)
                fputs("\\\\", stdout);
            else
                putchar(*p);
        }
        puts(fish ? "';" : "'");
    }
}

static void print_json(const struct env_var *v, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, v[i].name, json_string(v[i].value));
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(o);
}

static void add(struct env_var *v, size_t *n, const char *name, const char *value)
{
    v[*n].name = name;
    snprintf(v[*n].value, sizeof v[*n].value, "%s", value);
    (*n)++;
}

/* Fills the variables from the server's health answer; -1 after a message. */
static int collect(const char *url, int tls, const char *creds, struct env_var *v, size_t *n)
{
    struct cli_answer a;
    if (cli_admin_call("env", url, "GET", "/_lockyard/health", NULL, 5000, &a))
        return -1;
    json_t *h = a.status == 200 ? json_loads(a.body, 0, NULL) : NULL;
    free(a.body);
    const char *region = json_string_value(json_object_get(h, "region"));
    if (!region) {
        fprintf(stderr, "lockyard env: %s answered /_lockyard/health with %d: not lockyard?\n", url,
                a.status);
        json_decref(h);
        return -1;
    }
    char host[256], endpoint[320];
    int port, is_tls;
    if (ly_client_parse_url(url, host, sizeof host, &port, &is_tls) != 0) {
        json_decref(h);
        return -1;
    }
    const char *bracket = strchr(host, ':') ? "[" : "";
    snprintf(endpoint, sizeof endpoint, "%s://%s%s%s:%d", is_tls ? "https" : "http", bracket, host,
             *bracket ? "]" : "", port);
    const char *cert = json_string_value(json_object_get(h, "certificate"));
    json_int_t tls_port = json_integer_value(json_object_get(h, "https_port"));
    if (tls && !is_tls) {
        if (!cert || tls_port <= 0) {
            fprintf(stderr,
                    "lockyard env: the server at %s serves no HTTPS (start it with "
                    "--tls-listen HOST:PORT)\n",
                    url);
            json_decref(h);
            return -1;
        }
        snprintf(endpoint, sizeof endpoint, "https://%s%s%s:%d", bracket, host, *bracket ? "]" : "",
                 (int)tls_port);
    }
    const char *colon = strchr(creds, ':');
    char akid[256];
    snprintf(akid, sizeof akid, "%.*s", (int)(colon - creds), creds);
    add(v, n, "AWS_ENDPOINT_URL", endpoint);
    add(v, n, "AWS_ENDPOINT_URL_S3", endpoint);
    add(v, n, "AWS_ENDPOINT_URL_DYNAMODB", endpoint);
    add(v, n, "AWS_ENDPOINT_URL_STS", endpoint);
    add(v, n, "AWS_ACCESS_KEY_ID", akid);
    add(v, n, "AWS_SECRET_ACCESS_KEY", colon + 1);
    add(v, n, "AWS_REGION", region);
    add(v, n, "AWS_DEFAULT_REGION", region);
    if (tls && cert) {
        add(v, n, "AWS_CA_BUNDLE", cert);
        add(v, n, "NODE_EXTRA_CA_CERTS", cert);
    }
    json_decref(h);
    return 0;
}

int cli_cmd_env(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, 0, 's'}, {"shell", required_argument, 0, 'S'},
        {"tls", no_argument, 0, 't'},          {"credentials", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *server = NULL, *shell = "sh", *creds = "test:test";
    int c, tls = 0;
    optind = 1;
    while ((c = cli_getopt("env", argc, argv, ":h", opts)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 'S': shell = optarg; break;
        case 't': tls = 1; break;
        case 'C': creds = optarg; break;
        case 'h': env_usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lockyard env: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (strcmp(shell, "sh") && strcmp(shell, "bash") && strcmp(shell, "zsh") &&
        strcmp(shell, "fish") && strcmp(shell, "json"))
        return cli_bad_value("env", "shell", shell, "want sh, fish or json"), 2;
    const char *colon = strchr(creds, ':');
    if (!colon || colon == creds || !colon[1] || colon - creds >= 256)
        return cli_bad_value("env", "credentials", creds, "want AKID:SECRET"), 2;
    const char *url = cli_server_url("env", server);
    if (!url)
        return 2;
    struct env_var *v = calloc(ENV_VARS_MAX, sizeof *v);
    size_t n = 0;
    int rc = v ? collect(url, tls, creds, v, &n) : -1;
    if (!rc && strcmp(shell, "json") == 0)
        print_json(v, n);
    else if (!rc)
        print_sh(v, n, strcmp(shell, "fish") == 0);
    free(v);
    return rc ? 1 : 0;
}
