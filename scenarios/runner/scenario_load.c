/*
 * scenario_load.c - loads a scenario file: the top-level fields, the
 * protocol (built in, with parameters, or written as steps), clients, events,
 * the interleaving script, fault rules and the expected verdict.
 */
#include "scenario_yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lockyard/buf.h"

static const char *const top_keys[] = {"name",       "description", "target", "protocol", "clients",
                                       "iterations", "seconds",     "seed",   "bucket",   "table",
                                       "lists",      "faults",      "events", "script",   "expect",
                                       "checks",     "requires",    NULL};

const char *scenario_param(const struct scenario *s, const char *name)
{
    for (size_t i = s->nparams; i-- > 0;)
        if (!strcmp(s->params[i].name, name))
            return s->params[i].value;
    return NULL;
}

static int add_params(struct ld *ld, struct scenario *s, const yaml_node_t *map)
{
    if (!map)
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return ld_fail(ld, map, "params", "wants a mapping");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = ld_scalar(yaml_document_get_node(ld->doc, p->key));
        const char *v = ld_scalar(yaml_document_get_node(ld->doc, p->value));
        if (!k || !v || s->nparams == SC_PARAMS_MAX)
            return ld_fail(ld, map, "params", "wants at most %d 'name: value' pairs",
                           SC_PARAMS_MAX);
        s->params[s->nparams].name = strdup(k);
        s->params[s->nparams].value = strdup(v);
        if (!s->params[s->nparams++].value)
            return LY_ENOMEM;
    }
    return 0;
}

static int load_builtin(struct ld *outer, struct scenario *s, const char *name,
                        const yaml_node_t *where)
{
    const char *text = protocol_text(name);
    if (!text)
        return ld_fail(outer, where, "protocol.use",
                       "no built-in protocol '%s' (see lockyard scenarios)", name);
    yaml_parser_t parser;
    yaml_document_t doc;
    char file[96];
    snprintf(file, sizeof file, "protocol %s", name);
    struct ld ld = {&doc, file, outer->err, outer->err_size};
    int rc = LY_EINVAL;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(outer->err, outer->err_size, "%s:%zu: %s", file, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        return LY_EINVAL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *steps = ld_get(&ld, root, "steps");
    rc = add_params(&ld, s, ld_get(&ld, root, "params"));
    if (!rc)
        rc = steps ? ld_program(&ld, steps, "steps", &s->prog)
                   : ld_fail(&ld, root, "steps", "missing");
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

static int load_protocol(struct ld *ld, struct scenario *s, const yaml_node_t *n)
{
    static const char *const keys[] = {"use", "params", "steps", NULL};
    int rc = ld_known_keys(ld, n, "protocol", keys);
    if (!rc)
        rc = ld_str(ld, n, "use", &s->protocol_name);
    if (rc)
        return rc;
    yaml_node_t *steps = ld_get(ld, n, "steps");
    if (!!s->protocol_name == !!steps)
        return ld_fail(ld, n, "protocol", "wants exactly one of use: NAME or steps: [...]");
    if (s->protocol_name)
        rc = load_builtin(ld, s, s->protocol_name, ld_get(ld, n, "use"));
    else if (!(s->protocol_name = strdup("custom")))
        rc = LY_ENOMEM;
    else
        rc = ld_program(ld, steps, "protocol.steps", &s->prog);
    if (!rc)
        rc = add_params(ld, s, ld_get(ld, n, "params")); /* later params win */
    return rc;
}

static int client_index(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->nclients; i++)
        if (!strcmp(s->clients[i].name, name))
            return (int)i;
    return -1;
}

static int load_clients(struct ld *ld, struct scenario *s, const yaml_node_t *n)
{
    int64_t count = 2;
    size_t items = n && n->type == YAML_SEQUENCE_NODE
                       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                       : 0;
    if (n && n->type == YAML_SCALAR_NODE) {
        char *end;
        count = strtoll(ld_scalar(n), &end, 10);
        if (*end || count < 1 || count > SC_CLIENTS_MAX)
            return ld_fail(ld, n, "clients", "wants 1..%d or a list of clients", SC_CLIENTS_MAX);
    } else if (n) {
        if (items < 1 || items > SC_CLIENTS_MAX)
            return ld_fail(ld, n, "clients", "wants 1..%d or a list of clients", SC_CLIENTS_MAX);
        count = (int64_t)items;
    }
    s->clients = calloc((size_t)count, sizeof *s->clients);
    if (!s->clients)
        return LY_ENOMEM;
    for (int64_t i = 0; i < count; i++) {
        struct sc_client *c = &s->clients[i];
        char name[32];
        s->nclients = (size_t)i + 1;
        if (count <= 26)
            snprintf(name, sizeof name, "%c", (char)('A' + i));
        else
            snprintf(name, sizeof name, "c%lld", (long long)i + 1);
        yaml_node_t *cn = items ? yaml_document_get_node(ld->doc, n->data.sequence.items.start[i])
                                : NULL;
        static const char *const keys[] = {"name", "steps", "iterations", NULL};
        int rc = cn ? ld_known_keys(ld, cn, "clients[]", keys) : 0;
        if (!rc && cn)
            rc = ld_str(ld, cn, "name", &c->name);
        if (!rc && !c->name && !(c->name = strdup(name)))
            rc = LY_ENOMEM;
        int64_t it = 0;
        if (!rc && cn)
            rc = ld_int(ld, cn, "iterations", 1, 1000000, &it);
        c->iterations = (int)it;
        yaml_node_t *steps = cn ? ld_get(ld, cn, "steps") : NULL;
        if (!rc && steps)
            rc = ld_program(ld, steps, "clients[].steps", &c->prog);
        if (!rc && client_index(s, c->name) != (int)i)
            rc = ld_fail(ld, cn, "clients[].name", "duplicate client '%s'", c->name);
        if (rc)
            return rc;
    }
    return 0;
}

static int label_known(const struct scenario *s, int client, const char *label)
{
    const struct sc_program *p = s->clients[client].prog.n ? &s->clients[client].prog : &s->prog;
    return !strcmp(label, "end") || sc_program_label(p, label) >= 0;
}

static int ref_client(struct ld *ld, struct scenario *s, const yaml_node_t *n, const char *field,
                      int *out)
{
    char *name = NULL;
    int rc = ld_str(ld, n, field, &name);
    if (!rc && !name)
        rc = ld_fail(ld, n, field, "missing");
    if (!rc && (*out = client_index(s, name)) < 0)
        rc = ld_fail(ld, ld_get(ld, n, field), field, "no client '%s'", name);
    free(name);
    return rc;
}

static int load_event(struct ld *ld, struct scenario *s, const yaml_node_t *n, struct sc_event *e)
{
    static const char *const keys[] = {"client", "pause", "crash", "clock", NULL};
    static const char *const sub[] = {"at", "ms", "times", "offset_ms", "rate", NULL};
    int rc = ld_known_keys(ld, n, "events[]", keys);
    yaml_node_t *x;
    e->line = ld_line(n);
    e->times = 1;
    e->rate = 1.0;
    if (!rc)
        rc = ref_client(ld, s, n, "client", &e->client);
    if (rc)
        return rc;
    if ((x = ld_get(ld, n, "pause")))
        e->kind = EV_PAUSE;
    else if ((x = ld_get(ld, n, "crash")))
        e->kind = EV_CRASH;
    else if ((x = ld_get(ld, n, "clock")))
        e->kind = EV_CLOCK;
    else
        return ld_fail(ld, n, "events[]", "wants pause, crash or clock");
    int64_t times = 1, ms = 0, off = 0;
    rc = ld_known_keys(ld, x, "events[]", sub);
    if (!rc)
        rc = ld_str(ld, x, "at", &e->at);
    if (!rc)
        rc = ld_int(ld, x, "times", 1, 1000000, &times);
    if (!rc)
        rc = ld_int(ld, x, "ms", 0, 3600000, &ms);
    if (!rc)
        rc = ld_int(ld, x, "offset_ms", -86400000, 86400000, &off);
    const char *rate = ld_scalar(ld_get(ld, x, "rate"));
    if (rate && (e->rate = strtod(rate, NULL)) <= 0.01)
        rc = ld_fail(ld, ld_get(ld, x, "rate"), "rate", "wants a positive number");
    e->times = (int)times;
    e->ms = ms;
    e->offset_ms = off;
    if (!rc && e->kind != EV_CLOCK && !e->at)
        rc = ld_fail(ld, x, "events[].at", "wants the label where it happens");
    if (!rc && e->at && !label_known(s, e->client, e->at))
        rc = ld_fail(ld, ld_get(ld, x, "at"), "at", "no label '%s' in the program of %s", e->at,
                     s->clients[e->client].name);
    return rc;
}

static int parse_ref(const char *ref, char *client, size_t size, const char **label, int *times)
{
    const char *colon = strchr(ref, ':');
    if (!colon || (size_t)(colon - ref) >= size)
        return -1;
    memcpy(client, ref, (size_t)(colon - ref));
    client[colon - ref] = '\0';
    *label = colon + 1;
    const char *hash = strchr(*label, '#');
    *times = hash ? (int)strtol(hash + 1, NULL, 10) : 1;
    return *times >= 1 ? 0 : -1;
}

/* script: - schedule: [A, B, "A:lost_ack"] - the serialised order of lockyard explore. */
static int load_schedule(struct ld *ld, struct scenario *s, const yaml_node_t *n, struct sc_gate *g)
{
    const yaml_node_t *seq = ld_get(ld, n, "schedule");
    size_t items = seq && seq->type == YAML_SEQUENCE_NODE
                       ? (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start)
                       : 0;
    struct ly_buf b;
    int rc = 0;
    g->client = -1; /* not a gate */
    g->line = ld_line(n);
    if (s->schedule || !items)
        return ld_fail(ld, n, "script[].schedule", "wants one list of CLIENT[:FAULT]");
    ly_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < items && !rc; i++) {
        const char *v =
            ld_scalar(yaml_document_get_node(ld->doc, seq->data.sequence.items.start[i]));
        if (!v || !*v || strchr(v, ' '))
            rc = ld_fail(ld, n, "script[].schedule", "wants CLIENT or CLIENT:FAULT entries");
        else
            rc = ly_buf_addf(&b, "%s%s", i ? " " : "", v);
    }
    if (!rc && !(s->schedule = strdup(b.data)))
        rc = LY_ENOMEM;
    ly_buf_cleanup(&b);
    return rc;
}

static int load_gate(struct ld *ld, struct scenario *s, const yaml_node_t *n, struct sc_gate *g)
{
    static const char *const keys[] = {"client",  "before", "times", "wait_for",
                                       "release", "max_ms", NULL};
    char *wait = NULL, cname[64];
    const char *label;
    int64_t times = 1;
    if (ld_get(ld, n, "schedule"))
        return load_schedule(ld, s, n, g);
    int rc = ld_known_keys(ld, n, "script[]", keys);
    g->line = ld_line(n);
    g->wait_client = -1;
    if (!rc)
        rc = ref_client(ld, s, n, "client", &g->client);
    if (!rc)
        rc = ld_str(ld, n, "before", &g->before);
    if (!rc)
        rc = ld_int(ld, n, "times", 1, 1000000, &times);
    if (!rc)
        rc = ld_str(ld, n, "wait_for", &wait);
    if (!rc)
        rc = ld_str(ld, n, "release", &g->release);
    if (!rc)
        rc = ld_int(ld, n, "max_ms", 0, 3600000, &g->max_ms);
    g->times = (int)times;
    if (!rc && (!g->before || !label_known(s, g->client, g->before)))
        rc = ld_fail(ld, n, "script[].before", "wants a label of %s's program",
                     s->clients[g->client].name);
    if (!rc && wait) {
        if (parse_ref(wait, cname, sizeof cname, &label, &g->wait_times) ||
            (g->wait_client = client_index(s, cname)) < 0)
            rc = ld_fail(ld, ld_get(ld, n, "wait_for"), "wait_for", "wants CLIENT:LABEL[#N]");
        else if (!(g->wait_label = strndup(label, strcspn(label, "#"))))
            rc = LY_ENOMEM;
        else if (!label_known(s, g->wait_client, g->wait_label))
            rc = ld_fail(ld, ld_get(ld, n, "wait_for"), "wait_for", "no label '%s' in %s's program",
                         g->wait_label, cname);
    }
    if (!rc && !wait && !g->release)
        rc = ld_fail(ld, n, "script[]", "wants wait_for and/or release");
    free(wait);
    return rc;
}

static int load_fault(struct ld *ld, struct scenario *s, const yaml_node_t *n, struct sc_fault *f)
{
    static const char *const keys[] = {"name", "match", "action", NULL};
    int rc = ld_known_keys(ld, n, "faults[]", keys);
    f->line = ld_line(n);
    if (!rc)
        rc = ld_str(ld, n, "name", &f->name);
    if (!rc && !ld_get(ld, n, "action"))
        rc = ld_fail(ld, n, "faults[]", "wants an action");
    if (rc)
        return rc;
    json_t *j = ld_json(ld, n);
    json_object_del(j, "name");
    f->json = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    s->needs_faults = 1;
    return f->json ? 0 : LY_ENOMEM;
}

#define LOAD_LIST(field, arr, count, elem_t, fn)                                                 \
    do {                                                                                         \
        yaml_node_t *seq_ = ld_get(ld, root, field);                                             \
        if (!seq_ || rc)                                                                         \
            break;                                                                               \
        if (seq_->type != YAML_SEQUENCE_NODE) {                                                  \
            rc = ld_fail(ld, seq_, field, "wants a list");                                       \
            break;                                                                               \
        }                                                                                        \
        size_t n_ = (size_t)(seq_->data.sequence.items.top - seq_->data.sequence.items.start);   \
        if (!(arr = calloc(n_ + 1, sizeof(elem_t)))) {                                           \
            rc = LY_ENOMEM;                                                                      \
            break;                                                                               \
        }                                                                                        \
        for (size_t i_ = 0; i_ < n_ && !rc; i_++, count++)                                       \
            rc = fn(ld, s, yaml_document_get_node(ld->doc, seq_->data.sequence.items.start[i_]), \
                    &arr[i_]);                                                                   \
    } while (0)

static int load_expect(struct ld *ld, struct scenario *s, const yaml_node_t *n)
{
    if (!n)
        return ld_fail(ld, NULL, "expect", "missing (pass, or the violations the run must find)");
    size_t items = n->type == YAML_SEQUENCE_NODE
                       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                       : 1;
    for (size_t i = 0; i < items; i++) {
        const yaml_node_t *x =
            n->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(ld->doc, n->data.sequence.items.start[i])
                : n;
        const char *v = ld_scalar(x);
        int k = v ? violation_parse(v) : -1;
        if (v && !strcmp(v, "pass") && items == 1)
            continue;
        if (k < 0)
            return ld_fail(ld, x, "expect",
                           "wants pass or violations among mutex_believed, "
                           "mutex_effective, lost_update, duplicate_update, foreign_unlock, "
                           "orphan_lock, liveness, nonlinearizable");
        s->expect |= 1u << k;
    }
    return 0;
}

static int load_lists(struct ld *ld, struct scenario *s, const yaml_node_t *n)
{
    if (!n)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return ld_fail(ld, n, "lists", "wants a list of keys");
    size_t items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    s->lists = calloc(items + 1, sizeof *s->lists);
    for (size_t i = 0; s->lists && i < items; i++) {
        const char *v = ld_scalar(yaml_document_get_node(ld->doc, n->data.sequence.items.start[i]));
        if (!v)
            return ld_fail(ld, n, "lists", "wants strings");
        if (!(s->lists[s->nlists++] = strdup(v)))
            return LY_ENOMEM;
    }
    return s->lists ? 0 : LY_ENOMEM;
}

static int load_root(struct ld *ld, struct scenario *s, yaml_node_t *root)
{
    int64_t it = 1, secs = 30, seed = 1;
    int rc = ld_known_keys(ld, root, "scenario", top_keys);
    if (!rc)
        rc = ld_str(ld, root, "name", &s->name);
    if (!rc)
        rc = ld_str(ld, root, "description", &s->description);
    if (!rc)
        rc = ld_str(ld, root, "target", &s->target);
    if (!rc)
        rc = ld_str(ld, root, "bucket", &s->bucket);
    if (!rc)
        rc = ld_str(ld, root, "table", &s->table);
    if (!rc)
        rc = ld_int(ld, root, "iterations", 1, 100000000, &it);
    if (!rc)
        rc = ld_int(ld, root, "seconds", 1, 86400, &secs);
    if (!rc)
        rc = ld_int(ld, root, "seed", 0, INT64_MAX, &seed);
    s->seed_set = ld_get(ld, root, "seed") != NULL;
    s->iterations = (int)it;
    s->seconds = secs;
    s->seed = (uint64_t)seed;
    if (!rc && !s->name)
        rc = ld_fail(ld, root, "name", "missing");
    if (!rc && !ld_get(ld, root, "protocol"))
        rc = ld_fail(ld, root, "protocol", "missing");
    if (!rc)
        rc = load_protocol(ld, s, ld_get(ld, root, "protocol"));
    if (!rc)
        rc = load_clients(ld, s, ld_get(ld, root, "clients"));
    if (!rc)
        rc = load_lists(ld, s, ld_get(ld, root, "lists"));
    LOAD_LIST("events", s->events, s->nevents, struct sc_event, load_event);
    LOAD_LIST("script", s->gates, s->ngates, struct sc_gate, load_gate);
    LOAD_LIST("faults", s->faults, s->nfaults, struct sc_fault, load_fault);
    if (!rc)
        rc = load_expect(ld, s, ld_get(ld, root, "expect"));
    yaml_node_t *req = ld_get(ld, root, "requires");
    for (size_t i = 0; req && req->type == YAML_SEQUENCE_NODE &&
                       i < (size_t)(req->data.sequence.items.top - req->data.sequence.items.start);
         i++) {
        const char *v =
            ld_scalar(yaml_document_get_node(ld->doc, req->data.sequence.items.start[i]));
        if (v && !strcmp(v, "stale_read"))
            s->requires_stale_read = 1;
        else if (!rc)
            rc = ld_fail(ld, req, "requires", "knows only stale_read");
    }
    yaml_node_t *checks = ld_get(ld, root, "checks");
    const char *orphan = ld_scalar(ld_get(ld, checks, "orphan_lock"));
    s->orphan_check = !orphan || strcmp(orphan, "false");
    if (!rc && (!s->bucket && !(s->bucket = strdup("lockyard-run"))))
        rc = LY_ENOMEM;
    if (!rc && (!s->table && !(s->table = strdup("locks"))))
        rc = LY_ENOMEM;
    return rc;
}

int scenario_load_text(const char *text, size_t len, const char *name, struct scenario **out,
                       char *err, size_t err_size)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct ld ld = {&doc, name, err, err_size};
    struct scenario *s = calloc(1, sizeof *s);
    int rc = s ? 0 : LY_ENOMEM;
    *out = NULL;
    if (rc)
        return rc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, err_size, "%s:%zu: %s", name, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        scenario_free(s);
        return LY_EINVAL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    rc = root ? load_root(&ld, s, root) : ld_fail(&ld, NULL, "scenario", "empty file");
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (!rc && !(s->path = strdup(name)))
        rc = LY_ENOMEM;
    if (rc)
        scenario_free(s);
    else
        *out = s;
    return rc;
}

int scenario_load_file(const char *path, struct scenario **out, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f) {
        snprintf(err, err_size, "%s: cannot open", path);
        return LY_ENOENT;
    }
    char *text = malloc(1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!text)
        return LY_ENOMEM;
    int rc = scenario_load_text(text, n, path, out, err, err_size);
    free(text);
    return rc;
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    char *strs[] = {s->path,          s->name,   s->description, s->target,
                    s->protocol_name, s->bucket, s->table};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < s->nparams; i++) {
        free(s->params[i].name);
        free(s->params[i].value);
    }
    sc_program_cleanup(&s->prog);
    for (size_t i = 0; i < s->nclients; i++) {
        free(s->clients[i].name);
        sc_program_cleanup(&s->clients[i].prog);
    }
    for (size_t i = 0; i < s->nlists; i++)
        free(s->lists[i]);
    for (size_t i = 0; i < s->nfaults; i++) {
        free(s->faults[i].name);
        free(s->faults[i].json);
    }
    for (size_t i = 0; i < s->nevents; i++)
        free(s->events[i].at);
    for (size_t i = 0; i < s->ngates; i++) {
        free(s->gates[i].before);
        free(s->gates[i].wait_label);
        free(s->gates[i].release);
    }
    free(s->clients);
    free(s->lists);
    free(s->faults);
    free(s->events);
    free(s->gates);
    free(s->schedule);
    free(s);
}
