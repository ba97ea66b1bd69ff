/*
 * server.c - event loop, listener, limits, signals and clean shutdown.
 */
#include "net_internal.h"
#include "lockyard/check.h"
#include "guard.h"
#include "journal.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <event2/util.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Above the guard's own caps, which answer first: a head (48 KiB) and, for a chunked body, its
 * trailers (16 KiB), which the guard passes on as header lines of the head (body.h). */
#define HEADERS_BYTES_MAX (96 * 1024)
#define TIMEOUT_SECS 120
#define FDS_RESERVED 64 /* for the store, listeners, logs, certificates */
#define CONNECTIONS_DEFAULT_MAX 8192

void server_opts_defaults(struct server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen_host = "127.0.0.1";
    o->listen_port = 4566;
    o->data_dir = "./lockyard-data";
    o->durability = STORE_DURABILITY_GROUP;
    o->region = "us-east-1";
    o->object_bytes_max = 512ull << 20;
    o->map_bytes = 64ull << 30;
    o->journal_entries = 10000;
    o->max_inflight_bytes = 1ull << 30;
    o->idle_timeout_ms = 120000;
    o->header_timeout_ms = 20000;
    o->min_body_rate = 1024;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    struct server *srv = arg;
    event_base_loopexit(srv->base, NULL);
}

/* Accepted connections inherit TCP_NODELAY from the listener on Linux: answers written in
 * several pieces (TLS records, head then body) must not wait for the peer's delayed ACK. */
static void set_nodelay(struct evhttp_bound_socket *h)
{
    int one = 1;
    setsockopt(evhttp_bound_socket_get_fd(h), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int bound_port(struct evhttp_bound_socket *h)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Raises the soft file-descriptor limit to the hard one; the connection cap leaves room under
 * it for everything that is not a connection. */
static size_t connections_max(const struct server_opts *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return o->max_connections ? (size_t)o->max_connections : 256;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (o->max_connections)
        return (size_t)o->max_connections;
    uint64_t fds = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (uint64_t)rl.rlim_cur;
    uint64_t reserve = fds / 2 < FDS_RESERVED ? fds / 2 : FDS_RESERVED;
    uint64_t n = fds - reserve;
    return (size_t)(n > CONNECTIONS_DEFAULT_MAX ? CONNECTIONS_DEFAULT_MAX : n ? n : 1);
}

/* libevent's own warnings: none with --quiet. */
static int log_quiet;
static void on_libevent_log(int severity, const char *msg)
{
    if (!log_quiet && severity >= EVENT_LOG_WARN)
        fprintf(stderr, "lockyard: libevent: %s\n", msg);
}

static int server_setup(struct server *srv)
{
    struct store_opts so = {srv->opts.memory ? NULL : srv->opts.data_dir, srv->opts.durability,
                            (size_t)srv->opts.map_bytes};
    if (store_open(&so, &srv->store) != 0)
        return -1;
    srv->s3_config.region = srv->opts.region;
    srv->s3_config.object_bytes_max = srv->opts.object_bytes_max;
    srv->s3_config.part_bytes_min = srv->opts.part_bytes_min;
    srv->s3_config.part_bytes_max = srv->opts.part_bytes_max;
    srv->s3.store = srv->store;
    srv->s3.config = &srv->s3_config;
    srv->s3.policies = s3_policy_cache_new(); /* NULL (no memory): policies parsed per request */
    srv->journal = journal_new(srv->opts.journal_entries);
    srv->metrics = metrics_new();
    if (!srv->journal || !srv->metrics)
        return -1;
    for (size_t i = 0; i < srv->opts.nfaults; i++) {
        char id[24];
        if (net_fault_add(srv, &srv->opts.faults[i], id, sizeof id) != 0)
            return -1;
    }
    srv->ddb_config.region = srv->opts.region;
    srv->ddb_config.account_id = "000000000000";
    srv->ddb.store = srv->store;
    srv->ddb.config = &srv->ddb_config;
    srv->base = event_base_new();
    srv->guard = srv->base ? guard_new(srv, connections_max(&srv->opts)) : NULL;
    srv->http = srv->guard ? evhttp_new(srv->base) : NULL;
    if (!srv->http || net_pipeline_durable_init(srv) != 0)
        return -1;
    net_http_configure(srv, srv->http);
    guard_attach(srv->guard, srv->http, NULL);
    if (!srv->opts.tls_host)
        return 0;
    if (net_tls_setup(srv, store_dir(srv->store)) != 0)
        return -1;
    net_http_configure(srv, srv->https);
    guard_attach(srv->guard, srv->https, srv->ssl_ctx);
    return 0;
}

void net_http_configure(struct server *srv, struct evhttp *http)
{
    evhttp_set_max_headers_size(http, HEADERS_BYTES_MAX);
    /* The HTTP layer's hard cap leaves room for aws-chunked framing; S3 answers EntityTooLarge. */
    /* The guard answers EntityTooLarge at object_bytes_max + 1/8 + 1 MiB; evhttp's cap is a
     * backstop above it. */
    evhttp_set_max_body_size(http, (ev_ssize_t)(srv->opts.object_bytes_max +
                                                srv->opts.object_bytes_max / 8 + (2 << 20)));
    uint64_t idle_s = srv->opts.idle_timeout_ms / 1000 + 1; /* the guard closes idle ones */
    evhttp_set_timeout(http, idle_s > TIMEOUT_SECS ? (int)idle_s : TIMEOUT_SECS);
    evhttp_set_default_content_type(http, NULL);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                         EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_PATCH);
    evhttp_set_gencb(http, net_http_request, srv);
}

/* Binds http to host:port and prints "<what>://host:port<suffix>" with the bound port. */
/* @return the bound port, or -1 (with the OS's reason on stderr) */
static int listen_on(struct server *srv, struct evhttp *http, const char *host, int port,
                     const char *what, const char *suffix)
{
    struct evhttp_bound_socket *h = evhttp_bind_socket_with_handle(http, host, (ev_uint16_t)port);
    if (!h) {
        fprintf(stderr, "lockyard: cannot listen on %s:%d: %s\n", host, port,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    if (guard_listener(srv->guard, evhttp_bound_socket_get_listener(h)) != 0) {
        fprintf(stderr, "lockyard: cannot listen on %s:%d: out of memory\n", host, port);
        return -1;
    }
    set_nodelay(h);
    printf("%s://%s:%d%s\n", what, host, bound_port(h), suffix);
    return bound_port(h);
}

static int listen_all(struct server *srv)
{
    const struct server_opts *o = &srv->opts;
    if (listen_on(srv, srv->http, o->listen_host, o->listen_port, "lockyard listening on http",
                  "") < 0)
        return -1;
    if (srv->https && (srv->https_port = listen_on(srv, srv->https, o->tls_host, o->tls_port,
                                                   "lockyard listening on https", "")) < 0)
        return -1;
    if (!o->admin_host)
        return 0;
    srv->admin_http = evhttp_new(srv->base);
    if (!srv->admin_http)
        return -1;
    net_http_configure(srv, srv->admin_http);
    guard_attach(srv->guard, srv->admin_http, NULL);
    evhttp_set_gencb(srv->admin_http, net_http_admin_request, srv);
    return listen_on(srv, srv->admin_http, o->admin_host, o->admin_port,
                     "lockyard admin API on http", "/_lockyard/") < 0
               ? -1
               : 0;
}

int server_run(const struct server_opts *opts)
{
    struct server *srv = calloc(1, sizeof *srv);
    struct event *sigint = NULL, *sigterm = NULL;
    int status = 1;
    if (!srv)
        return 1;
    srv->opts = *opts;
    srv->id_seed = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    signal(SIGPIPE, SIG_IGN);
    log_quiet = opts->quiet;
    event_set_log_callback(on_libevent_log);
    if (server_setup(srv) != 0) {
        fprintf(stderr, "lockyard: cannot start the server\n");
        goto out;
    }
    if (listen_all(srv) != 0)
        goto out;
    sigint = evsignal_new(srv->base, SIGINT, on_signal, srv);
    sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv);
    if (!sigint || !sigterm || event_add(sigint, NULL) || event_add(sigterm, NULL))
        goto out;
    if (net_ttl_start(srv) != 0)
        goto out;
    fflush(stdout);
    event_base_dispatch(srv->base);
    status = 0;
out:
    if (sigint)
        event_free(sigint);
    if (sigterm)
        event_free(sigterm);
    net_ttl_stop(srv);
    guard_stop(srv->guard); /* before the listeners and connections go */
    if (srv->http)
        evhttp_free(srv->http);
    if (srv->https)
        evhttp_free(srv->https);
    if (srv->admin_http)
        evhttp_free(srv->admin_http);
    net_pipeline_free(srv); /* held requests at shutdown are dropped unanswered */
    SSL_CTX_free(srv->ssl_ctx);
    if (srv->base)
        event_base_free(srv->base);
    guard_free(srv->guard);
    if (srv->opts.memory && srv->store)
        net_tls_remove_generated(srv, store_dir(srv->store));
    ddb_ctx_cleanup(&srv->ddb);
    s3_policy_cache_free(srv->s3.policies);
    store_close(srv->store);
    free(srv);
    return status;
}
