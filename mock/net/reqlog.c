/*
 * reqlog.c - the per-request log line (text or JSON), built from the journal entry so the log,
 * the journal and the metrics never disagree about what a request did.
 */
#include "reqlog.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void now_iso(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%03ldZ", day, ts.tv_nsec / 1000000);
}

/* logfmt value: bare when it has no space, quote, '=' or control byte; else "quoted". */
static void put_value(FILE *f, const char *name, const char *v)
{
    int bare = *v != '\0';
    for (const unsigned char *p = (const unsigned char *)v; *p && bare; p++)
        bare = *p > ' ' && *p != '"' && *p != '=' && *p != 0x7f;
    fprintf(f, " %s=", name);
    if (bare) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < ' ' || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void reqlog_write(int json, const struct journal_entry *je, const char *method, const char *path,
                  struct evhttp_connection *conn)
{
    char when[48], client[80], addr[80], target[JOURNAL_TEXT_MAX + 80], op[80];
    char *peer = NULL;
    ev_uint16_t port = 0;
    if (conn)
        evhttp_connection_get_peer(conn, &peer, &port);
    now_iso(when, sizeof when);
    snprintf(addr, sizeof addr, "%s:%u", peer ? peer : "-", (unsigned)port);
    snprintf(client, sizeof client, "%s", je->client[0] ? je->client : "-");
    snprintf(op, sizeof op, "%s.%s", je->service[0] ? je->service : "admin",
             je->op[0] ? je->op
             : method  ? method
                       : "-");
    const char *container = je->bucket[0] ? je->bucket : je->table;
    if (container[0] || je->key[0])
        snprintf(target, sizeof target, "%s%s%s", container, container[0] && je->key[0] ? "/" : "",
                 je->key);
    else
        snprintf(target, sizeof target, "%s", path ? path : "");
    long long ms = (long long)(je->end_ms - je->start_ms);
    if (json) {
        json_t *o = json_pack("{ss ss ss ss ss ss ss si ss sI ss}", "time", when, "request_id",
                              je->request_id, "client", client, "addr", addr, "method",
                              method ? method : "", "operation", op, "key", target, "status",
                              je->status, "code", je->status ? je->code : "dropped", "ms",
                              (json_int_t)ms, "fault", je->fault);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (text)
            fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(o);
        return;
    }
    fputs(when, stderr);
    put_value(stderr, "req", je->request_id[0] ? je->request_id : "-");
    put_value(stderr, "client", client);
    put_value(stderr, "addr", addr);
    put_value(stderr, "op", op);
    put_value(stderr, "key", target[0] ? target : "-");
    fprintf(stderr, " status=%d", je->status);
    put_value(stderr, "code", je->status == 0 ? "dropped" : je->code[0] ? je->code : "-");
    fprintf(stderr, " ms=%lld", ms);
    put_value(stderr, "fault", je->fault[0] ? je->fault : "-");
    fputc('\n', stderr);
}
