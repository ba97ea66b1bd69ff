/*
 * client.c - keep-alive HTTP client on libevent's evhttp with SigV4 signing.
 * One struct ly_client per endpoint, one ly_client_conn per simulated user.
 */
#include "lockyard/client.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ly_client {
    struct event_base *base;
    char host[256];
    char hostport[300];
    int port;
    char region[SIGV4_REGION_MAX + 1];
    char access_key[SIGV4_ACCESS_KEY_MAX + 1];
    char secret_key[256];
    char *session_token;
    int timeout_ms;
    SSL_CTX *ssl_ctx; /* NULL for plain HTTP */
};

struct call {
    struct ly_client_conn *conn;
    ly_client_cb cb;
    void *arg;
    struct call *prev, *next;
};

struct ly_client_conn {
    struct ly_client *c;
    struct evhttp_connection *evcon;
    struct call *calls; /* in flight, so conn_free can release them */
    int closed;         /* the peer closed it: a TLS connection is rebuilt before the next use */
};

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* A verifying TLS context: the given bundle, else AWS_CA_BUNDLE / SSL_CERT_FILE, else the
 * system store. */
static int tls_context(struct ly_client *c, const char *ca_file)
{
    const char *bundle = ca_file ? ca_file : getenv("AWS_CA_BUNDLE");
    c->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ssl_ctx || !SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION))
        return -1;
    SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
    if (bundle && *bundle)
        return SSL_CTX_load_verify_locations(c->ssl_ctx, bundle, NULL) == 1 ? 0 : -1;
    return SSL_CTX_set_default_verify_paths(c->ssl_ctx) == 1 ? 0 : -1;
}

int ly_client_parse_url(const char *url, char *host, size_t host_size, int *port, int *tls)
{
    const char *h;
    if (strncmp(url, "http://", 7) == 0) {
        h = url + 7;
        *tls = 0;
        *port = 80;
    } else if (strncmp(url, "https://", 8) == 0) {
        h = url + 8;
        *tls = 1;
        *port = 443;
    } else {
        return LY_EINVAL;
    }
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    if (n == 0 || n >= host_size || (h[0] == '[' && h[n - 1] != ']'))
        return LY_EINVAL;
    if (h[0] == '[')
        snprintf(host, host_size, "%.*s", (int)(n - 2), h + 1);
    else
        snprintf(host, host_size, "%.*s", (int)n, h);
    if (h[n] == ':') {
        char *end;
        long p = strtol(h + n + 1, &end, 10);
        if ((*end && *end != '/') || p <= 0 || p > 65535)
            return LY_EINVAL;
        *port = (int)p;
    } else if (h[n] && h[n] != '/') {
        return LY_EINVAL;
    }
    return 0;
}

int ly_client_new(struct event_base *base, const struct ly_client_opts *o, struct ly_client **out)
{
    *out = NULL;
    if (!base || !o->host || !o->host[0] || o->port <= 0)
        return LY_EINVAL;
    struct ly_client *c = calloc(1, sizeof *c);
    if (!c)
        return LY_ENOMEM;
    c->base = base;
    copy_str(c->host, sizeof c->host, o->host);
    snprintf(c->hostport, sizeof c->hostport, "%s:%d", o->host, o->port);
    c->port = o->port;
    copy_str(c->region, sizeof c->region, o->region ? o->region : "us-east-1");
    copy_str(c->access_key, sizeof c->access_key, o->access_key ? o->access_key : "test");
    copy_str(c->secret_key, sizeof c->secret_key, o->secret_key ? o->secret_key : "test");
    if (o->session_token && !(c->session_token = strdup(o->session_token))) {
        free(c);
        return LY_ENOMEM;
    }
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    if (o->tls && tls_context(c, o->ca_file) != 0) {
        ly_client_free(c);
        return LY_EINVAL;
    }
    *out = c;
    return 0;
}

void ly_client_free(struct ly_client *c)
{
    if (!c)
        return;
    free(c->session_token);
    SSL_CTX_free(c->ssl_ctx);
    free(c);
}

/* An HTTPS connection: SNI and host-name verification on a fresh SSL object. */
static struct evhttp_connection *tls_connection(struct ly_client *c)
{
    SSL *ssl = SSL_new(c->ssl_ctx);
    if (!ssl)
        return NULL;
    SSL_set_tlsext_host_name(ssl, c->host);
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    /* an IP literal is checked against the certificate's IP names, a name against DNS names */
    if (!X509_VERIFY_PARAM_set1_ip_asc(vp, c->host) &&
        !X509_VERIFY_PARAM_set1_host(vp, c->host, 0)) {
        SSL_free(ssl);
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    struct evhttp_connection *evcon =
        evhttp_connection_base_bufferevent_new(c->base, NULL, bev, c->host, (ev_uint16_t)c->port);
    if (!evcon)
        bufferevent_free(bev);
    return evcon;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct ly_client_conn *conn = arg;
    (void)evcon;
    conn->closed = 1;
}

/* A new evhttp connection for conn. libevent 2.1's evhttp reconnects a plain connection by
 * itself, but not a TLS one (the SSL object of a closed connection cannot be reused), so a
 * TLS connection the peer closed is replaced by a fresh one with a fresh SSL session. */
static int conn_open(struct ly_client_conn *conn)
{
    struct ly_client *c = conn->c;
    struct evhttp_connection *evcon =
        c->ssl_ctx ? tls_connection(c)
                   : evhttp_connection_base_new(c->base, NULL, c->host, (ev_uint16_t)c->port);
    if (!evcon)
        return LY_ENOMEM;
    if (conn->evcon)
        evhttp_connection_free(conn->evcon);
    conn->evcon = evcon;
    conn->closed = 0;
    struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
    evhttp_connection_set_timeout_tv(evcon, &tv);
    evhttp_connection_set_retries(evcon, 0);
    evhttp_connection_set_closecb(evcon, on_close, conn);
    return 0;
}

int ly_client_conn_new(struct ly_client *c, struct ly_client_conn **out)
{
    struct ly_client_conn *conn = calloc(1, sizeof *conn);
    *out = NULL;
    if (!conn)
        return LY_ENOMEM;
    conn->c = c;
    if (conn_open(conn)) {
        free(conn);
        return LY_ENOMEM;
    }
    *out = conn;
    return 0;
}

/* Requests go out in pieces (TLS records, head then body): no waiting for a delayed ACK. */
static void set_nodelay(struct ly_client_conn *conn)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn->evcon);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void call_unlink(struct call *k)
{
    if (k->prev)
        k->prev->next = k->next;
    else
        k->conn->calls = k->next;
    if (k->next)
        k->next->prev = k->prev;
}

void ly_client_conn_free(struct ly_client_conn *conn)
{
    if (!conn)
        return;
    evhttp_connection_free(conn->evcon);
    while (conn->calls) {
        struct call *k = conn->calls;
        call_unlink(k);
        free(k);
    }
    free(conn);
}

int ly_client_req_header(struct ly_client_req *req, const char *name, const char *value)
{
    if (req->headers_count >= LY_CLIENT_HEADERS_MAX)
        return LY_ETOOBIG;
    req->headers[req->headers_count].name = name;
    req->headers[req->headers_count].value = value;
    req->headers_count++;
    return 0;
}

int ly_client_encode_key(const char *key, struct ly_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || strchr("-_.~/", *p);
        char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        int rc = keep ? ly_buf_add(out, p, 1) : ly_buf_add(out, esc, 3);
        if (rc)
            return rc;
    }
    return ly_buf_add(out, "", 0);
}

const char *ly_client_resp_header(const struct ly_client_resp *resp, const char *name)
{
    struct evhttp_request *r = (struct evhttp_request *)resp->priv_;
    if (r)
        return evhttp_find_header(evhttp_request_get_input_headers(r), name);
    for (size_t i = 0; i < resp->headers_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

/* Copies src to *s, moves *s past its NUL, returns the copy. */
static const char *put_str(char **s, const char *src)
{
    size_t n = strlen(src) + 1;
    char *copy = memcpy(*s, src, n);
    *s += n;
    return copy;
}

int ly_client_resp_copy_headers(const struct ly_client_resp *resp, struct ly_http_header **out,
                                size_t *count)
{
    struct evhttp_request *r = (struct evhttp_request *)resp->priv_;
    struct evkeyvalq *q = r ? evhttp_request_get_input_headers(r) : NULL;
    size_t n = 0, bytes = 0;
    struct evkeyval *kv;
    if (q)
        for (kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
            n++;
            bytes += strlen(kv->key) + strlen(kv->value) + 2;
        }
    for (size_t i = 0; !q && i < resp->headers_count; i++, n++)
        bytes += strlen(resp->headers[i].name) + strlen(resp->headers[i].value) + 2;
    struct ly_http_header *h = malloc(n * sizeof *h + bytes + 1);
    if (!h)
        return LY_ENOMEM;
    char *s = (char *)(h + n);
    size_t i = 0;
    if (q)
        for (kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
            h[i].name = put_str(&s, kv->key);
            h[i++].value = put_str(&s, kv->value);
        }
    for (; !q && i < n; i++) {
        h[i].name = put_str(&s, resp->headers[i].name);
        h[i].value = put_str(&s, resp->headers[i].value);
    }
    *out = h;
    *count = n;
    return 0;
}

static void on_response(struct evhttp_request *r, void *arg)
{
    struct call *k = arg;
    struct ly_client_resp resp = {0, LY_EIO, "", 0, NULL, NULL, 0};
    char *body = NULL;
    if (r && evhttp_request_get_response_code(r) > 0) {
        struct evbuffer *in = evhttp_request_get_input_buffer(r);
        size_t n = evbuffer_get_length(in);
        body = malloc(n + 1);
        if (body && n <= LY_CLIENT_BODY_MAX) {
            evbuffer_remove(in, body, n);
            body[n] = '\0';
            resp.status = evhttp_request_get_response_code(r);
            resp.err = 0;
            resp.body = body;
            resp.body_len = n;
            resp.priv_ = r;
        }
    }
    call_unlink(k);
    k->cb(&resp, k->arg);
    free(body);
    free(k);
}

static int sign_into(struct ly_client *c, const struct ly_client_req *req, int64_t now_s,
                     struct sigv4_signed *sig, const char **payload_hash, char *hash_buf)
{
    struct sigv4_header hs[LY_CLIENT_HEADERS_MAX + 1];
    size_t n = 0;
    hs[n].name = "Host";
    hs[n++].value = c->hostport;
    for (size_t i = 0; i < req->headers_count; i++)
        hs[n++] = (struct sigv4_header){req->headers[i].name, req->headers[i].value};
    int rc = sigv4_sha256_hex(req->body ? req->body : "", req->body_len, hash_buf);
    if (rc)
        return rc;
    *payload_hash = hash_buf;
    struct sigv4_request sr = {req->method, req->path, req->query, hs, n, hash_buf};
    struct sigv4_credentials cred = {c->access_key, c->secret_key, c->session_token};
    return sigv4_sign(&sr, &cred, c->region, req->service, now_s, sig, NULL);
}

static enum evhttp_cmd_type method_of(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return EVHTTP_REQ_GET;
    if (strcmp(m, "HEAD") == 0)
        return EVHTTP_REQ_HEAD;
    if (strcmp(m, "PUT") == 0)
        return EVHTTP_REQ_PUT;
    if (strcmp(m, "POST") == 0)
        return EVHTTP_REQ_POST;
    if (strcmp(m, "DELETE") == 0)
        return EVHTTP_REQ_DELETE;
    return 0;
}

static int fill_request(struct ly_client *c, struct evhttp_request *r,
                        const struct ly_client_req *req, int64_t now_s)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r);
    struct sigv4_signed sig;
    char hash[SIGV4_SIG_HEX_SIZE];
    const char *payload_hash = NULL;
    int rc = 0;
    if (req->service && (rc = sign_into(c, req, now_s, &sig, &payload_hash, hash)))
        return rc;
    rc |= evhttp_add_header(h, "Host", c->hostport);
    for (size_t i = 0; i < req->headers_count; i++)
        rc |= evhttp_add_header(h, req->headers[i].name, req->headers[i].value);
    if (req->service) {
        rc |= evhttp_add_header(h, "Authorization", sig.authorization);
        rc |= evhttp_add_header(h, "X-Amz-Date", sig.amz_date);
        if (strcmp(req->service, "s3") == 0)
            rc |= evhttp_add_header(h, "X-Amz-Content-Sha256", sig.content_sha256);
        if (c->session_token)
            rc |= evhttp_add_header(h, "X-Amz-Security-Token", c->session_token);
    }
    if (req->body_len)
        rc |= evbuffer_add(evhttp_request_get_output_buffer(r), req->body, req->body_len);
    else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0)
        rc |= evhttp_add_header(h, "Content-Length", "0");
    return rc ? LY_ENOMEM : 0;
}

int ly_client_send(struct ly_client_conn *conn, const struct ly_client_req *req, int64_t now_s,
                   ly_client_cb cb, void *arg)
{
    enum evhttp_cmd_type m = req->method ? method_of(req->method) : 0;
    if (!m || !req->path || req->path[0] != '/')
        return LY_EINVAL;
    struct ly_buf uri;
    ly_buf_init(&uri, 64 * 1024);
    struct call *k = calloc(1, sizeof *k);
    struct evhttp_request *r = k ? evhttp_request_new(on_response, k) : NULL;
    int rc = r ? 0 : LY_ENOMEM;
    if (!rc)
        rc = ly_buf_adds(&uri, req->path);
    if (!rc && req->query && req->query[0])
        rc = ly_buf_addf(&uri, "?%s", req->query);
    if (!rc)
        rc = fill_request(conn->c, r, req, now_s);
    if (!rc && conn->closed && conn->c->ssl_ctx && !conn->calls)
        rc = conn_open(conn); /* nothing was written on it: a fresh TLS connection */
    if (!rc) {
        k->conn = conn;
        k->cb = cb;
        k->arg = arg;
        k->next = conn->calls;
        if (conn->calls)
            conn->calls->prev = k;
        conn->calls = k;
        if (evhttp_make_request(conn->evcon, r, m, uri.data) != 0) {
            call_unlink(k); /* libevent freed r */
            r = NULL;
            rc = LY_EIO;
        } else {
            r = NULL;
            k = NULL;
            set_nodelay(conn);
        }
    }
    if (r)
        evhttp_request_free(r);
    free(k);
    ly_buf_cleanup(&uri);
    return rc;
}

struct sync_call {
    struct ly_client_result *out;
    int done;
    int rc;
};

static void on_sync(const struct ly_client_resp *resp, void *arg)
{
    struct sync_call *s = arg;
    s->done = 1;
    s->out->status = resp->status;
    s->out->body = malloc(resp->body_len + 1);
    if (!s->out->body) {
        s->rc = LY_ENOMEM;
        return;
    }
    memcpy(s->out->body, resp->body, resp->body_len);
    s->out->body[resp->body_len] = '\0';
    s->out->body_len = resp->body_len;
    const char *etag = ly_client_resp_header(resp, "ETag");
    copy_str(s->out->etag, sizeof s->out->etag, etag);
}

int ly_client_call(struct ly_client_conn *conn, const struct ly_client_req *req, int64_t now_s,
                   struct ly_client_result *out)
{
    struct sync_call s = {out, 0, 0};
    memset(out, 0, sizeof *out);
    int rc = ly_client_send(conn, req, now_s, on_sync, &s);
    if (rc)
        return rc;
    while (!s.done)
        if (event_base_loop(conn->c->base, EVLOOP_ONCE) < 0)
            return LY_EIO;
    if (!s.rc && !out->body)
        s.rc = LY_ENOMEM;
    return s.rc;
}

void ly_client_result_cleanup(struct ly_client_result *r)
{
    free(r->body);
    r->body = NULL;
}
