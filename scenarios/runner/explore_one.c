/*
 * explore_one.c - one schedule: run it against the explorer's server, check
 * its history, and write its requests as a numbered transcript; the replay of
 * `script: - schedule:` under `lockyard run`; the explorer's own server.
 */
#include "explore.h"

#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *method_of(const char *f)
{
    return !strcmp(f, "PutObject")      ? "PUT"
           : !strcmp(f, "GetObject")    ? "GET"
           : !strcmp(f, "HeadObject")   ? "HEAD"
           : !strcmp(f, "DeleteObject") ? "DELETE"
                                        : f;
}

static int line_request(struct ly_buf *b, const struct run *r, const struct xrun *xr, uint32_t i,
                        size_t num)
{
    const struct history *h = &r->h;
    const struct hev *e = &h->ev[i];
    const struct hev *done = e->pair != UINT32_MAX ? &h->ev[e->pair] : NULL;
    int rc = ly_buf_addf(b, "%3zu. %s %s %s", num, history_str(h, e->process), method_of(e->f),
                         history_str(h, e->key));
    if (!rc && e->cond == COND_INM)
        rc = ly_buf_adds(b, " If-None-Match:*");
    else if (!rc && e->cond == COND_IM)
        rc = ly_buf_addf(b, " If-Match:%s", history_str(h, (uint32_t)e->cond_val));
    else if (!rc && e->note)
        rc = ly_buf_addf(b, " [%s]", history_str(h, e->note));
    if (!rc && done)
        rc = ly_buf_addf(b, " -> %d%s%s", done->status, done->code ? " " : "",
                         history_str(h, done->code));
    int fault = xrun_fault_of(xr, i);
    if (!rc && fault == XF_LOST_ACK)
        rc = ly_buf_adds(b, "   (lost acknowledgement: applied, answered 500)");
    else if (!rc && fault == XF_FAIL)
        rc = ly_buf_adds(b, "   (failed before it was sent)");
    else if (!rc && fault == XF_CONFLICT)
        rc = ly_buf_adds(b, "   (conflict before it was applied)");
    return rc ? rc : ly_buf_adds(b, "\n");
}

static int is_request(const struct history *h, const struct hev *e)
{
    const char *p = history_str(h, e->process);
    return e->type == HEV_INVOKE && !hev_is_marker(e) && strcmp(e->f, "append") &&
           strcmp(e->f, "read") && strcmp(p, "final") && strcmp(p, "nemesis");
}

/* The numbered requests with their answers, and the markers between them. */
static int transcript(const struct run *r, const struct xrun *xr, struct xoutcome *out)
{
    const struct history *h = &r->h;
    struct ly_buf b;
    size_t num = 0;
    int rc = 0;
    ly_buf_init(&b, 16 << 20);
    rc = ly_buf_add(&b, "", 0);
    for (uint32_t i = 0; i < h->n && !rc; i++) {
        const struct hev *e = &h->ev[i];
        if (is_request(h, e))
            rc = line_request(&b, r, xr, i, ++num);
        else if (hev_is_marker(e) && strcmp(history_str(h, e->process), "final"))
            rc = ly_buf_addf(&b, "       %s %s%s%s\n", history_str(h, e->process), e->f,
                             e->note ? ": " : "", history_str(h, e->note));
    }
    out->requests = num;
    out->transcript = rc ? NULL : strdup(b.data);
    ly_buf_cleanup(&b);
    return rc ? rc : out->transcript ? 0 : LY_ENOMEM;
}

static void outcome_of(const struct xconfig *x, struct xrun *xr, struct run *r, int rc,
                       struct xoutcome *out, struct check_result *res)
{
    int pruned, truncated, failed, faults;
    out->preemptions = xrun_state(xr, &pruned, &truncated, &failed, &faults);
    out->faults = faults;
    out->pruned = pruned;
    out->truncated = truncated;
    if (pruned)
        return;
    if (rc || failed || !r) {
        out->error = 1;
        snprintf(out->msg, sizeof out->msg, "%s",
                 r && r->error[0] ? r->error : ly_err_str(rc ? rc : LY_EINVAL));
        return;
    }
    struct check_opts co;
    check_opts_defaults(&co);
    co.orphan_lock = x->sc->orphan_check;
    if ((rc = check_all(&r->h, &co, res)) || (rc = transcript(r, xr, out))) {
        out->error = 1;
        snprintf(out->msg, sizeof out->msg, "%s", ly_err_str(rc));
        return;
    }
    out->found = res->found;
}

int explore_one(const struct xconfig *x, xchoose_fn choose, void *arg, struct xoutcome *out)
{
    struct check_result res;
    struct run *r = NULL;
    struct run_opts ro;
    struct xrun *xr = xrun_new(x, choose, arg);
    memset(out, 0, sizeof *out);
    if (!xr)
        return LY_ENOMEM;
    memset(&ro, 0, sizeof ro);
    ro.target = x->target;
    ro.self_exe = x->self_exe;
    ro.quiet = 1;
    ro.sched = xrun_hooks(xr);
    check_result_init(&res);
    int rc = run_scenario(x->sc, &ro, &r);
    xrun_detach(xr);
    if (rc != LY_ENOMEM)
        outcome_of(x, xr, r, rc, out, &res);
    out->choices = rc == LY_ENOMEM ? NULL : strdup(xrun_choices(xr));
    xrun_free(xr);
    check_result_cleanup(&res);
    run_free(r);
    return out->choices ? 0 : LY_ENOMEM;
}

/* ---- replay of a written schedule ---- */

struct replay {
    char **tok;
    size_t n, next;
};

/* "A", "A:lost_ack", "A:pause:1200" against the enabled transitions. */
static int replay_choose(void *arg, const struct xrun *xr, struct xopt *opts, size_t n)
{
    struct replay *rp = arg;
    if (rp->next >= rp->n)
        return 0; /* past the script: the default (the last client goes on) */
    const char *tok = rp->tok[rp->next++], *colon = strchr(tok, ':');
    char name[64], kind[32] = "";
    int64_t ms = 0;
    snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - tok) : (int)strlen(tok), tok);
    if (colon)
        sscanf(colon + 1, "%31[^:]:%" SCNd64, kind, &ms);
    int fault = kind[0] ? xfault_parse(kind) : XF_NONE;
    for (size_t i = 0; i < n; i++) {
        if (opts[i].fault != fault || strcmp(xrun_client_name(xr, opts[i].client), name))
            continue;
        if (fault == XF_PAUSE && ms > 0)
            opts[i].ms = ms;
        return (int)i;
    }
    return -2;
}

static int split(const char *s, struct replay *rp)
{
    size_t cap = 16;
    rp->tok = calloc(cap, sizeof *rp->tok);
    char *copy = strdup(s);
    int rc = rp->tok && copy ? 0 : LY_ENOMEM;
    for (char *save = NULL, *t = rc ? NULL : strtok_r(copy, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        if (rp->n == cap) {
            char **p = realloc(rp->tok, 2 * cap * sizeof *p);
            if (!p) {
                rc = LY_ENOMEM;
                break;
            }
            rp->tok = p;
            cap *= 2;
        }
        if (!(rp->tok[rp->n++] = strdup(t))) {
            rc = LY_ENOMEM;
            break;
        }
    }
    free(copy);
    return rc;
}

int explore_replay(struct scenario *sc, const struct run_opts *opts, struct run **out)
{
    struct xconfig x;
    struct replay rp = {NULL, 0, 0};
    char err[256];
    memset(&x, 0, sizeof x);
    x.sc = sc;
    x.any_fault = 1;
    x.faults_max = 1 << 30;
    x.max_steps = 1 << 30;
    *out = NULL;
    int rc = explore_prepare(&x, NULL, 0, err, sizeof err);
    if (!rc)
        rc = split(sc->schedule, &rp);
    struct xrun *xr = rc ? NULL : xrun_new(&x, replay_choose, &rp);
    if (!rc && !xr)
        rc = LY_ENOMEM;
    if (!rc) {
        struct run_opts ro = *opts;
        ro.sched = xrun_hooks(xr);
        rc = run_scenario(sc, &ro, out);
        xrun_detach(xr);
        if (*out)
            (*out)->opts = opts; /* ro ends here */
    }
    xrun_free(xr);
    for (size_t i = 0; i < rp.n; i++)
        free(rp.tok[i]);
    free(rp.tok);
    return rc;
}

/* ---- the explorer's server: `lockyard serve --memory` on a free port ---- */

int explore_server_start(const char *self_exe, char *url, size_t size, char *err, size_t esize)
{
    char host[64];
    int port = 0;
    pid_t pid = run_spawn_server(self_exe, host, sizeof host, &port, err, esize);
    if (pid > 0)
        snprintf(url, size, "http://%s:%d", host, port);
    return pid;
}

void explore_server_stop(int pid)
{
    int status;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
}
