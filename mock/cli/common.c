/*
 * common.c - what every command shares: option-error messages that name the option, where the
 * server is, and one blocking call to its admin API over lockyard's own client.
 */
#include "cli.h"

#include "lockyard/client.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    opterr = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (c == ':')
        fprintf(stderr, "lockyard %s: option '%s' needs a value\n", cmd, arg);
    else if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') && optopt)
        fprintf(stderr, "lockyard %s: option '%.*s' takes no value\n", cmd, (int)strcspn(arg, "="),
                arg);
    else if (optopt && strncmp(arg, "--", 2) != 0)
        fprintf(stderr, "lockyard %s: unknown option '-%c'\n", cmd, optopt);
    else
        fprintf(stderr, "lockyard %s: unknown option '%s'\n", cmd, arg);
    fprintf(stderr, "lockyard %s --help lists the options\n", cmd);
    return '?';
}

int cli_bad_value(const char *cmd, const char *name, const char *value, const char *want)
{
    fprintf(stderr, "lockyard %s: bad value '%s' for --%s: %s\n", cmd, value ? value : "", name,
            want);
    return -1;
}

const char *cli_server_url(const char *cmd, const char *flag)
{
    char host[256];
    int port, tls;
    const char *env = getenv("LOCKYARD_URL");
    const char *url = flag ? flag : env && *env ? env : "http://127.0.0.1:4566";
    if (ly_client_parse_url(url, host, sizeof host, &port, &tls) == 0)
        return url;
    if (flag)
        cli_bad_value(cmd, "server", url, "want http[s]://HOST[:PORT]");
    else
        fprintf(stderr, "lockyard %s: bad LOCKYARD_URL '%s': want http[s]://HOST[:PORT]\n", cmd,
                url);
    return NULL;
}

int cli_admin_call(const char *cmd, const char *url, const char *method, const char *path,
                   const char *body, int timeout_ms, struct cli_answer *out)
{
    char host[256];
    int port, tls;
    memset(out, 0, sizeof *out);
    if (ly_client_parse_url(url, host, sizeof host, &port, &tls) != 0) {
        fprintf(stderr, "lockyard %s: bad server URL '%s': want http[s]://HOST[:PORT]\n", cmd, url);
        return -1;
    }
    /* Signed with the AWS_* keys (a server under --auth sigv4 asks for a signed admin request)
     * and carrying LOCKYARD_ADMIN_TOKEN when it is set (--admin-token). */
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *region = getenv("AWS_REGION"), *token = getenv("LOCKYARD_ADMIN_TOKEN");
    struct ly_client_opts co = {host,
                                port,
                                region && *region ? region : "us-east-1",
                                akid && *akid ? akid : "test",
                                secret && *secret ? secret : "test",
                                getenv("AWS_SESSION_TOKEN"),
                                timeout_ms,
                                tls,
                                NULL};
    struct event_base *base = event_base_new();
    struct ly_client *client = NULL;
    struct ly_client_conn *conn = NULL;
    struct ly_client_result r;
    struct ly_client_req req;
    memset(&r, 0, sizeof r);
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = path;
    req.body = body ? body : "";
    req.body_len = body ? strlen(body) : 0;
    req.service = "s3";
    if (token && *token && ly_client_req_header(&req, "x-lockyard-admin-token", token))
        return -1;
    int rc =
        base && ly_client_new(base, &co, &client) == 0 && ly_client_conn_new(client, &conn) == 0 &&
                (!body || ly_client_req_header(&req, "Content-Type", "application/json") == 0) &&
                ly_client_call(conn, &req, (int64_t)time(NULL), &r) == 0
            ? 0
            : -1;
    if (!rc && r.status == 0) {
        fprintf(stderr,
                "lockyard %s: no lockyard answering at %s (start one with `lockyard "
                "serve`, or name it with --server URL or LOCKYARD_URL)\n",
                cmd, url);
        rc = -1;
    }
    if (!rc) {
        out->status = r.status;
        out->body = r.body;
        r.body = NULL;
    }
    ly_client_result_cleanup(&r);
    ly_client_conn_free(conn);
    ly_client_free(client);
    if (base)
        event_base_free(base);
    return rc;
}
