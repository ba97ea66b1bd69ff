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
    const char *listen_host;       /* default 127.0.0.1 */
    int listen_port;               /* 0 = pick a free port */
    const char *tls_host;          /* NULL: no HTTPS listener */
    int tls_port;
    const char *tls_cert;          /* PEM files; NULL: a self-signed pair in the data dir */
    const char *tls_key;
    const char *data_dir;          /* NULL with memory = temporary store */
    int memory;
    enum store_durability durability;
    const char *region;
    uint64_t object_bytes_max;
    uint64_t part_bytes_min;       /* 0: S3's 5 MiB */
    uint64_t part_bytes_max;       /* 0: S3's 5 GiB */
    uint64_t map_bytes;
    enum server_auth auth;
    struct server_credential credentials[SERVER_CREDENTIALS_MAX];
    size_t ncredentials;
    size_t journal_entries;        /* request journal ring size */
    const struct fault_rule *faults; /* rules from --fault / --config, added at start */
    size_t nfaults;
    int quiet;
    int log_level;                 /* 0 error, 1 info (one line per request), 2 debug */
    int log_json;                  /* request lines as JSON objects instead of text */
};

void server_opts_defaults(struct server_opts *o);

/** Runs the server until SIGINT/SIGTERM. @return process exit status. */
int server_run(const struct server_opts *opts);

#endif
