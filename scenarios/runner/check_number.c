/*
 * check_number.c - one numbering everywhere: a violation names operations by
 * the history index of their invoke (the "index" of the history file), never
 * by a completion's index. Markers (cs_enter, give_up, ...) keep their own.
 */
#include "check.h"

void check_number_ops(const struct history *h, struct check_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct violation *v = &r->v[i];
        size_t n = 0;
        for (size_t k = 0; k < v->nevents; k++) {
            uint32_t ev = v->events[k];
            if (ev < h->n && h->ev[ev].type != HEV_INVOKE && !hev_is_marker(&h->ev[ev]) &&
                h->ev[ev].pair < h->n)
                ev = h->ev[ev].pair;
            size_t j = 0;
            while (j < n && v->events[j] != ev)
                j++;
            if (j == n)
                v->events[n++] = ev;
        }
        v->nevents = n;
    }
}
