/*
 * faultset.c - the server's installed fault rules, in evaluation order: added from --fault,
 * --config and the admin API (POST /_lockyard/faults), listed, deleted and cleared. What a
 * rule does to a request is the pipeline's (pipeline.c); matching is core's (core/fault.c).
 */
#include "net_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_fault_add(struct server *srv, const struct fault_rule *rule, char *id_out, size_t id_size)
{
    if (srv->nrules == srv->rules_cap) {
        size_t cap = srv->rules_cap ? srv->rules_cap * 2 : 16;
        struct fault_rule *r = realloc(srv->rules, cap * sizeof *r);
        if (!r)
            return LY_ENOMEM;
        srv->rules = r;
        srv->rules_cap = cap;
    }
    struct fault_rule *r = &srv->rules[srv->nrules++];
    *r = *rule;
    snprintf(r->id, sizeof r->id, "f%llu", (unsigned long long)++srv->next_rule_id);
    r->added_ms = net_now_ms(srv);
    r->seen = r->fired = 0;
    snprintf(id_out, id_size, "%s", r->id);
    return 0;
}

int net_fault_delete(struct server *srv, const char *id)
{
    for (size_t i = 0; i < srv->nrules; i++) {
        if (strcmp(srv->rules[i].id, id) == 0) {
            memmove(&srv->rules[i], &srv->rules[i + 1], (srv->nrules - i - 1) * sizeof *srv->rules);
            srv->nrules--;
            return 0;
        }
    }
    return LY_ENOENT;
}

void net_fault_clear(struct server *srv)
{
    srv->nrules = 0;
}

void net_fault_free(struct server *srv)
{
    free(srv->rules);
    srv->rules = NULL;
    srv->nrules = srv->rules_cap = 0;
}
