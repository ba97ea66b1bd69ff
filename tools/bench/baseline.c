/*
 * baseline: the reference servers `make bench` measures lockyard against, in the same run.
 *
 *   baseline null [PORT]
 *       libevent's evhttp answering every request 200; a GET gets a fixed 1 KiB body. The
 *       request ceiling: what one event loop on this machine answers with no work at all.
 *
 *   baseline lmdb DIR [PORT] [sync|writemap]
 *       a bare key-value store over LMDB: the request path (query string cut off) is the key,
 *       the value is the body's MD5 followed by the body.
 *         PUT  one write transaction: with If-None-Match: * it looks the key up first and
 *              answers 412 when it exists; otherwise stores and answers 200 with the ETag.
 *         GET  one read transaction (kept and renewed): 200 with ETag and body, or 404.
 *       Without "sync" the environment is opened MDB_NOSYNC (commit writes, never fsyncs);
 *       with it every write transaction's commit fsyncs before the answer. "writemap" adds
 *       MDB_WRITEMAP to MDB_NOSYNC (pages written in the map, no write system call at commit):
 *       the flags lockyard's --memory store opens with, so the two are compared like for like.
 *
 * One thread, one event loop, 127.0.0.1 only. SIGINT/SIGTERM end it cleanly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <lmdb.h>
#include <openssl/evp.h>

#define MD5_LEN 16

static struct {
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *reader;
    char fixed[1024];
} g;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "baseline: %s: %s\n", what, mdb_strerror(rc));
    exit(1);
}

static void etag_of(const unsigned char *md5, char out[35])
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '"';
    for (int i = 0; i < MD5_LEN; i++) {
        out[1 + 2 * i] = digits[md5[i] >> 4];
        out[2 + 2 * i] = digits[md5[i] & 0xf];
    }
    out[33] = '"';
    out[34] = '\0';
}

static void on_null(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (evhttp_request_get_command(req) == EVHTTP_REQ_GET)
        evbuffer_add_reference(evhttp_request_get_output_buffer(req), g.fixed, sizeof g.fixed,
                               NULL, NULL);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void do_put(struct evhttp_request *req, MDB_val *key)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    const unsigned char *body = n ? evbuffer_pullup(in, -1) : (const unsigned char *)"";
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    unsigned char md5[MD5_LEN];
    unsigned int md5_len = 0;
    EVP_Digest(body, n, md5, &md5_len, EVP_md5(), NULL);

    MDB_txn *txn;
    int rc = mdb_txn_begin(g.env, NULL, 0, &txn);
    if (rc) fail("mdb_txn_begin", rc);
    if (inm && strcmp(inm, "*") == 0) {
        MDB_val old;
        rc = mdb_get(txn, g.dbi, key, &old);
        if (rc == 0) {
            mdb_txn_abort(txn);
            evbuffer_drain(in, n);
            evhttp_send_reply(req, 412, "Precondition Failed", NULL);
            return;
        }
        if (rc != MDB_NOTFOUND) fail("mdb_get", rc);
    }
    MDB_val val = {.mv_size = MD5_LEN + n, .mv_data = NULL};
    rc = mdb_put(txn, g.dbi, key, &val, MDB_RESERVE);
    if (rc) fail("mdb_put", rc);
    memcpy(val.mv_data, md5, MD5_LEN);
    memcpy((unsigned char *)val.mv_data + MD5_LEN, body, n);
    rc = mdb_txn_commit(txn);
    if (rc) fail("mdb_txn_commit", rc);
    evbuffer_drain(in, n);
    char etag[35];
    etag_of(md5, etag);
    evhttp_add_header(evhttp_request_get_output_headers(req), "ETag", etag);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void do_get(struct evhttp_request *req, MDB_val *key)
{
    int rc = mdb_txn_renew(g.reader);
    if (rc) fail("mdb_txn_renew", rc);
    MDB_val val;
    rc = mdb_get(g.reader, g.dbi, key, &val);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_reset(g.reader);
        evhttp_send_reply(req, 404, "Not Found", NULL);
        return;
    }
    if (rc) fail("mdb_get", rc);
    char etag[35];
    etag_of(val.mv_data, etag);
    evhttp_add_header(evhttp_request_get_output_headers(req), "ETag", etag);
    evbuffer_add(evhttp_request_get_output_buffer(req), (unsigned char *)val.mv_data + MD5_LEN,
                 val.mv_size - MD5_LEN);
    mdb_txn_reset(g.reader);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_lmdb(struct evhttp_request *req, void *arg)
{
    (void)arg;
    const char *uri = evhttp_request_get_uri(req);
    MDB_val key = {.mv_size = strcspn(uri, "?"), .mv_data = (void *)uri};
    if (key.mv_size == 0 || key.mv_size > 500) {
        evhttp_send_reply(req, 400, "Bad Request", NULL);
        return;
    }
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd == EVHTTP_REQ_PUT)
        do_put(req, &key);
    else if (cmd == EVHTTP_REQ_GET)
        do_get(req, &key);
    else
        evhttp_send_reply(req, 405, "Method Not Allowed", NULL);
}

static void open_store(const char *dir, int sync, int writemap)
{
    int rc = mdb_env_create(&g.env);
    if (rc) fail("mdb_env_create", rc);
    mdb_env_set_mapsize(g.env, (size_t)4 << 30);
    rc = mdb_env_open(g.env, dir,
                      MDB_NOTLS | (sync ? 0 : MDB_NOSYNC) | (writemap ? MDB_WRITEMAP : 0), 0600);
    if (rc) fail("mdb_env_open", rc);
    MDB_txn *txn;
    rc = mdb_txn_begin(g.env, NULL, 0, &txn);
    if (rc) fail("mdb_txn_begin", rc);
    rc = mdb_dbi_open(txn, NULL, 0, &g.dbi);
    if (rc) fail("mdb_dbi_open", rc);
    rc = mdb_txn_commit(txn);
    if (rc) fail("mdb_txn_commit", rc);
    rc = mdb_txn_begin(g.env, NULL, MDB_RDONLY, &g.reader);
    if (rc) fail("mdb_txn_begin (read)", rc);
    mdb_txn_reset(g.reader);
}

static void on_signal(evutil_socket_t fd, short what, void *base)
{
    (void)fd;
    (void)what;
    event_base_loopexit(base, NULL);
}

int main(int argc, char **argv)
{
    int lmdb = argc >= 3 && strcmp(argv[1], "lmdb") == 0;
    if (!lmdb && !(argc >= 2 && strcmp(argv[1], "null") == 0)) {
        fprintf(stderr,
                "usage: baseline null [PORT] | baseline lmdb DIR [PORT] [sync|writemap]\n");
        return 2;
    }
    const char *port_arg = lmdb ? (argc > 3 ? argv[3] : "8080") : (argc > 2 ? argv[2] : "8080");
    long port = strtol(port_arg, NULL, 10);
    signal(SIGPIPE, SIG_IGN);
    memset(g.fixed, 'x', sizeof g.fixed);
    if (lmdb)
        open_store(argv[2], argc > 4 && strcmp(argv[4], "sync") == 0,
                   argc > 4 && strcmp(argv[4], "writemap") == 0);
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    evhttp_set_max_body_size(http, 16 << 20);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST |
                                         EVHTTP_REQ_HEAD | EVHTTP_REQ_DELETE);
    evhttp_set_gencb(http, lmdb ? on_lmdb : on_null, NULL);
    if (port <= 0 || port > 65535 || evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port)) {
        fprintf(stderr, "baseline: cannot listen on 127.0.0.1:%s\n", port_arg);
        return 1;
    }
    struct event *sig_int = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sig_term = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sig_int, NULL);
    event_add(sig_term, NULL);
    event_base_dispatch(base);
    event_free(sig_int);
    event_free(sig_term);
    evhttp_free(http);
    event_base_free(base);
    if (lmdb) {
        mdb_txn_abort(g.reader);
        mdb_env_close(g.env);
    }
    return 0;
}
