/*
 * net.h - the lockyard server: libevent HTTP on one port, routing to the S3
 * handlers, the admin API (/_lockyard/…) and, later, DynamoDB and STS.
 *
 * All state hangs off struct server (no globals), so tests and the scenario
 * runner can run several servers in one process.
 */
#ifndef LOCKYARD_NET_H
#define LOCKYARD_NET_H

#include <stdint.h>

#include "lockyard/fault.h"
#include "lockyard/store.h"

#define SERVER_CREDENTIALS_MAX 16

enum server_auth {
    SERVER_AUTH_ANY,   /* parse signatures and framing, accept every key */
    SERVER_AUTH_SIGV4, /* verify signatures against --credentials */
};

struct server_credential {
    const char *access_key;
    const char *secret;
};

struct server_opts {
    const char *listen_host; /* default 127.0.0.1 */
    int listen_port;         /* 0 = pick a free port */
    const char *tls_host;    /* NULL: no HTTPS listener */
    int tls_port;
    const char *tls_cert; /* PEM files; NULL: a self-signed pair in the data dir */
    const char *tls_key;
    const char *data_dir; /* NULL with memory = temporary store */
    int memory;
    enum store_durability durability;
    const char *region;
    uint64_t object_bytes_max;
    uint64_t part_bytes_min; /* 0: S3's 5 MiB */
    uint64_t part_bytes_max; /* 0: S3's 5 GiB */
    uint64_t map_bytes;
    enum server_auth auth;
    struct server_credential credentials[SERVER_CREDENTIALS_MAX];
    size_t ncredentials;
    size_t journal_entries;          /* request journal ring size */
    const struct fault_rule *faults; /* rules from --fault / --config, added at start */
    size_t nfaults;
    int quiet;
    int log_level; /* 0 error, 1 info (one line per request), 2 debug */
    int log_json;  /* request lines as JSON objects instead of text */
    /* Hostile input and exhausted resources (docs/security.md). */
    const char *admin_token; /* NULL: none; else required for the admin API */
    const char *admin_host;  /* NULL: the admin API is on the main listeners */
    int admin_port;
    uint64_t max_connections;    /* 0: derived from the file descriptor limit */
    uint64_t max_inflight_bytes; /* request bodies being received at once, all connections */
    uint64_t idle_timeout_ms;    /* keep-alive connection idle between requests */
    uint64_t header_timeout_ms;  /* first byte of a request to the end of its headers */
    uint64_t min_body_rate;      /* bytes per second a body must average once started */
};

void server_opts_defaults(struct server_opts *o);

/** Runs the server until SIGINT/SIGTERM. @return process exit status. */
int server_run(const struct server_opts *opts);

#endif
