/* main.c - lockyard entry point: subcommands and option parsing only. */
#include "lockyard/net.h"
#include "lockyard/runner.h"

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
            "       lockyard check HISTORY [--model register|lock|counter|s3]\n"
            "       lockyard scenarios\n"
            "       lockyard version\n"
            "serve options:\n"
            "  --listen HOST:PORT        listen address (default 127.0.0.1:4566; port 0 = any)\n"
            "  --tls-listen HOST:PORT    serve HTTPS too (self-signed localhost certificate unless\n"
            "                            --tls-cert FILE --tls-key FILE are given)\n"
            "  --data DIR                data directory (default ./lockyard-data)\n"
            "  --memory                  temporary store, deleted at exit\n"
            "  --durability fsync|none   fsync before every acknowledgement (default fsync)\n"
            "  --region NAME             region (default us-east-1)\n"
            "  --auth any|sigv4          any: accept every key (default); sigv4: verify signatures\n"
            "  --credentials AKID:SECRET a key pair for --auth sigv4 (repeatable; default test:test)\n"
            "  --max-object-bytes N      largest object body accepted (default 536870912)\n"
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

static int parse_serve(int argc, char **argv, struct server_opts *o)
{
    static char listen_host[256], tls_host[256];
    static const struct option longopts[] = {
        {"listen", required_argument, 0, 'l'}, {"data", required_argument, 0, 'd'},
        {"memory", no_argument, 0, 'm'}, {"durability", required_argument, 0, 'D'},
        {"region", required_argument, 0, 'r'}, {"max-object-bytes", required_argument, 0, 'M'},
        {"log-level", required_argument, 0, 'L'}, {"quiet", no_argument, 0, 'q'},
        {"tls-listen", required_argument, 0, 't'}, {"tls-cert", required_argument, 0, 'c'},
        {"tls-key", required_argument, 0, 'k'},
        {"auth", required_argument, 0, 'A'}, {"credentials", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (parse_hostport(optarg, listen_host, sizeof listen_host, &o->listen_host,
                               &o->listen_port)) {
                fprintf(stderr, "lockyard: --listen wants HOST:PORT, got '%s'\n", optarg);
                return -1;
            }
            break;
        case 't':
            if (parse_hostport(optarg, tls_host, sizeof tls_host, &o->tls_host, &o->tls_port)) {
                fprintf(stderr, "lockyard: --tls-listen wants HOST:PORT, got '%s'\n", optarg);
                return -1;
            }
            break;
        case 'c': o->tls_cert = optarg; break;
        case 'k': o->tls_key = optarg; break;
        case 'd': o->data_dir = optarg; break;
        case 'm': o->memory = 1; break;
        case 'D':
            if (strcmp(optarg, "fsync") == 0 || strcmp(optarg, "group") == 0)
                o->durability = STORE_DURABILITY_FSYNC;
            else if (strcmp(optarg, "none") == 0)
                o->durability = STORE_DURABILITY_NONE;
            else {
                fprintf(stderr, "lockyard: --durability wants fsync|group|none\n");
                return -1;
            }
            break;
        case 'r': o->region = optarg; break;
        case 'A':
            if (strcmp(optarg, "any") == 0)
                o->auth = SERVER_AUTH_ANY;
            else if (strcmp(optarg, "sigv4") == 0)
                o->auth = SERVER_AUTH_SIGV4;
            else {
                fprintf(stderr, "lockyard: --auth wants any|sigv4\n");
                return -1;
            }
            break;
        case 'C':
            if (add_credentials(optarg, o))
                return -1;
            break;
        case 'M':
            o->object_bytes_max = strtoull(optarg, &end, 10);
            if (*end || o->object_bytes_max == 0) {
                fprintf(stderr, "lockyard: --max-object-bytes wants a positive number\n");
                return -1;
            }
            break;
        case 'L':
            o->log_level = strcmp(optarg, "debug") == 0 ? 2 : strcmp(optarg, "info") == 0 ? 1 : 0;
            break;
        case 'q': o->quiet = 1; o->log_level = -1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
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
        struct server_opts o;
        server_opts_defaults(&o);
        if (parse_serve(argc - 1, argv + 1, &o))
            return 2;
        return server_run(&o);
    }
    if (strcmp(argv[1], "run") == 0)
        return runner_cmd_run(argc - 1, argv + 1);
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
