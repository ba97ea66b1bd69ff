/*
 * engine_run.c - one run of a scenario: start the embedded server (this same
 * binary, `serve --memory --listen 127.0.0.1:0`) or use --target, prepare the
 * bucket / table / fault rules, run the clients on one event loop, read the
 * final state of the lists, and resolve unknown outcomes from the journal.
 */
#include "engine.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t run_now_us(const struct run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - r->t0_us;
}

void run_fail(struct run *r, const char *fmt, ...)
{
    if (r->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    if (r->base)
        event_base_loopexit(r->base, NULL);
}

int run_mark(struct run *r, struct rclient *c, const char *f, const char *note)
{
    struct hev e = hev_blank();
    e.time_us = run_now_us(r);
    e.process = c ? c->name_id : history_intern(&r->h, "nemesis");
    e.type = HEV_INFO;
    snprintf(e.f, sizeof e.f, "%s", f);
    e.note = note ? history_intern(&r->h, note) : 0;
    return history_add(&r->h, &e);
}

void run_client_finished(struct run *r, struct rclient *c)
{
    (void)c;
    if (r->live > 0 && --r->live == 0)
        event_base_loopexit(r->base, NULL);
}

static void on_admin_done(const struct ly_client_resp *resp, void *arg)
{
    (void)resp;
    (void)arg;
}

int run_admin_auth(struct ly_client_req *req)
{
    req->service = "s3";
    const char *token = getenv("LOCKYARD_ADMIN_TOKEN");
    return token && *token ? ly_client_req_header(req, "x-lockyard-admin-token", token) : 0;
}

void run_admin_post(struct run *r, const char *path, const char *json)
{
    struct ly_client_req req;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = path;
    req.body = json;
    req.body_len = strlen(json);
    if (ly_client_req_header(&req, "Content-Type", "application/json") || run_admin_auth(&req) ||
        ly_client_send(r->admin, &req, (int64_t)time(NULL), on_admin_done, r))
        run_fail(r, "cannot send %s", path);
}

pid_t run_spawn_server(const char *self_exe, char *host, size_t host_size, int *port, char *err,
                       size_t err_size)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(self_exe, self_exe, "serve", "--memory", "--listen", "127.0.0.1:0", "--durability",
              "none", "--journal-entries", "50000", "--quiet", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256], h[256];
    size_t n = 0;
    struct pollfd p = {fds[0], POLLIN, 0};
    while (n < sizeof line - 1 && poll(&p, 1, 15000) > 0) {
        ssize_t k = read(fds[0], line + n, 1);
        if (k <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(fds[0]);
    if (sscanf(line, "lockyard listening on http://%255[^:]:%d", h, port) != 2 ||
        (size_t)snprintf(host, host_size, "%s", h) >= host_size) {
        snprintf(err, err_size, "the embedded server did not start (got '%.120s')", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static int start_server(struct run *r)
{
    pid_t pid = run_spawn_server(r->opts->self_exe, r->host, sizeof r->host, &r->port, r->error,
                                 sizeof r->error);
    if (pid < 0)
        return LY_EIO;
    r->server_pid = pid;
    return 0;
}

static void stop_server(struct run *r)
{
    if (r->server_pid <= 0)
        return;
    kill(r->server_pid, SIGTERM);
    int status;
    for (int i = 0; i < 100; i++) {
        if (waitpid(r->server_pid, &status, WNOHANG) == r->server_pid) {
            r->server_pid = 0;
            return;
        }
        usleep(20000);
    }
    kill(r->server_pid, SIGKILL);
    waitpid(r->server_pid, &status, 0);
    r->server_pid = 0;
}

static int parse_target(struct run *r, const char *url)
{
    if (ly_client_parse_url(url, r->host, sizeof r->host, &r->port, &r->tls) != 0) {
        snprintf(r->error, sizeof r->error, "--target wants http[s]://HOST[:PORT], got '%s'", url);
        return LY_EINVAL;
    }
    return 0;
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    double secs = (double)run_now_us(r) / 1e6;
    size_t ops = r->h.n / 2;
    fprintf(stderr, "\r  %-28s %6.1fs %8zu ops %8.0f ops/s  %zu running  overlaps %" PRId64 "   ",
            r->sc->name, secs, ops, secs > 0 ? (double)ops / secs : 0.0, r->live,
            r->beliefs_overlap);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    if (run_mark(r, NULL, "fault", "time limit: the run was stopped with requests in flight"))
        run_fail(r, "out of memory");
    event_base_loopexit(r->base, NULL);
}

static int make_clients(struct run *r)
{
    struct scenario *sc = r->sc;
    r->nclients = sc->nclients;
    r->clients = calloc(r->nclients, sizeof *r->clients);
    r->gate_done = calloc(sc->ngates + 1, 1);
    r->event_done = calloc(sc->nevents + 1, 1);
    if (!r->clients || !r->gate_done || !r->event_done)
        return LY_ENOMEM;
    for (size_t i = 0; i < r->nclients; i++) {
        struct rclient *c = &r->clients[i];
        c->run = r;
        c->idx = (int)i;
        c->name_id = history_intern(&r->h, sc->clients[i].name);
        c->prog = sc->clients[i].prog.n ? &sc->clients[i].prog : &sc->prog;
        c->iterations = sc->clients[i].iterations ? sc->clients[i].iterations : sc->iterations;
        c->rng = r->seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
        c->clock_rate = 1.0;
        ly_buf_init(&c->body, 1);
        for (size_t e = 0; e < sc->nevents; e++)
            if (sc->events[e].client == (int)i && sc->events[e].kind == EV_CLOCK) {
                c->clock_offset_ms = sc->events[e].offset_ms;
                c->clock_rate = sc->events[e].rate;
            }
        int rc = ly_client_conn_new(r->http, &c->conn);
        if (rc || !c->name_id)
            return rc ? rc : LY_ENOMEM;
    }
    return 0;
}

static int run_loop(struct run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->wall0_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    r->t0_us = 0;
    r->t0_us = run_now_us(r);
    r->deadline_us = r->sc->seconds * 1000000;
    int64_t grace_us = 5000000 + r->deadline_us / 2;
    struct timeval hard = {(time_t)((r->deadline_us + grace_us) / 1000000), 0};
    r->deadline_ev = evtimer_new(r->base, on_deadline, r);
    if (!r->deadline_ev || evtimer_add(r->deadline_ev, &hard))
        return LY_ENOMEM;
    if (r->opts->progress) {
        struct timeval sec = {1, 0};
        r->progress_ev = event_new(r->base, -1, EV_PERSIST, on_progress, r);
        if (!r->progress_ev || event_add(r->progress_ev, &sec))
            return LY_ENOMEM;
    }
    r->live = r->nclients;
    for (size_t i = 0; i < r->nclients; i++) {
        int rc = rclient_start(&r->clients[i]);
        if (rc)
            return rc;
    }
    int rc = journal_follow(r);
    if (rc)
        return rc;
    event_base_dispatch(r->base);
    /* From here on the loop only runs for set-up calls and the journal: clients stay still. */
    r->stopped = 1;
    evtimer_del(r->deadline_ev);
    if (r->progress_ev)
        event_del(r->progress_ev);
    for (size_t i = 0; i < r->nclients; i++) {
        if (r->clients[i].timer)
            evtimer_del(r->clients[i].timer);
        if (r->clients[i].cf_ev)
            evtimer_del(r->clients[i].cf_ev);
    }
    if (r->opts->progress)
        fprintf(stderr, "\r%120s\r", "");
    return r->error[0] ? LY_EINVAL : 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct run *r = arg;
    (void)what;
    r->interrupted = 1;
    snprintf(r->error, sizeof r->error, "interrupted (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopexit(r->base, NULL);
}

/* Ctrl-C ends the run, but the target is still put back as it was found. */
static int catch_signals(struct run *r)
{
    int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++)
        if (!(r->sig_ev[i] = evsignal_new(r->base, sigs[i], on_signal, r)) ||
            event_add(r->sig_ev[i], NULL))
            return LY_ENOMEM;
    return 0;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int run_scenario(struct scenario *sc, const struct run_opts *opts, struct run **out)
{
    struct run *r = calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return LY_ENOMEM;
    r->sc = sc;
    r->opts = opts;
    r->seed = opts->seed_set ? opts->seed : sc->seed;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint32_t id = (uint32_t)(((uint64_t)now.tv_nsec << 12) ^ (uint64_t)now.tv_sec ^
                             ((uint64_t)getpid() << 20));
    snprintf(r->run_id, sizeof r->run_id, "%08" PRIx32, id);
    history_init(&r->h);
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    const char *target = opts->target ? opts->target : sc->target;
    int rc = target ? parse_target(r, target) : start_server(r);
    struct ly_client_opts co = {r->host,
                                r->port,
                                getenv("AWS_REGION"),
                                getenv("AWS_ACCESS_KEY_ID"),
                                getenv("AWS_SECRET_ACCESS_KEY"),
                                getenv("AWS_SESSION_TOKEN"),
                                30000,
                                r->tls,
                                NULL};
    if (!rc)
        rc = (r->base = event_base_new()) ? 0 : LY_ENOMEM;
    if (!rc)
        rc = ly_client_new(r->base, &co, &r->http);
    if (!rc)
        rc = catch_signals(r);
    if (!rc)
        rc = ly_client_conn_new(r->http, &r->admin);
    if (!rc)
        rc = ly_client_conn_new(r->http, &r->jconn);
    if (!rc)
        rc = make_clients(r);
    if (!rc)
        rc = run_setup(r);
    if (!rc && r->interrupted)
        rc = LY_EINVAL;
    if (!rc && !r->pending[0])
        rc = run_loop(r);
    if (!rc && !r->pending[0])
        rc = run_finish(r);
    target_restore(r);
    stop_server(r);
    if (rc && !r->error[0])
        snprintf(r->error, sizeof r->error, "%s", ly_err_str(rc));
    return rc;
}

void run_free(struct run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nclients; i++) {
        struct rclient *c = &r->clients[i];
        ly_client_conn_free(c->conn);
        if (c->timer)
            event_free(c->timer);
        for (size_t v = 0; v < c->nvars; v++)
            free(c->vars[v].value);
        free(c->arrivals);
        free(c->list_text);
        cfault_client_free(c);
        ly_buf_cleanup(&c->body);
    }
    for (size_t i = 0; r->fault_ids && i < r->sc->nfaults; i++)
        free(r->fault_ids[i]);
    free(r->fault_ids);
    free(r->rfaults);
    free(r->ops);
    json_decref(r->saved_rules);
    for (int i = 0; i < 2; i++)
        if (r->sig_ev[i])
            event_free(r->sig_ev[i]);
    if (r->journal_ev)
        event_free(r->journal_ev);
    ly_client_conn_free(r->jconn);
    free(r->clients);
    free(r->gate_done);
    free(r->event_done);
    ly_client_conn_free(r->admin);
    ly_client_free(r->http);
    if (r->progress_ev)
        event_free(r->progress_ev);
    if (r->deadline_ev)
        event_free(r->deadline_ev);
    if (r->base)
        event_base_free(r->base);
    stop_server(r);
    history_cleanup(&r->h);
    free(r);
}
