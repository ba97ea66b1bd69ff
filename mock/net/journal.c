/* journal.c - bounded ring of journal entries and its JSON form (see journal.h). */
#include "journal.h"
#include "lockyard/ddb_value.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INFLIGHT_PREFIXES 32 /* distinct op-id prefixes counted apart; the rest share a slot */

struct inflight {
    char prefix[64]; /* op id up to its last '.', inclusive; "" = the shared slot */
    size_t n;
};

struct journal {
    struct inflight inflight[INFLIGHT_PREFIXES + 1];
    struct journal_entry *ring;
    size_t capacity;
    uint64_t next_seq; /* seq of the next entry; entries [next_seq - count, next_seq) exist */
    size_t count;
};

struct journal *journal_new(size_t capacity)
{
    struct journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->capacity = capacity ? capacity : 1;
    j->ring = calloc(j->capacity, sizeof *j->ring);
    if (!j->ring) {
        free(j);
        return NULL;
    }
    j->next_seq = 1;
    return j;
}

void journal_free(struct journal *j)
{
    if (j)
        free(j->ring);
    free(j);
}

void journal_clear(struct journal *j)
{
    j->count = 0; /* sequence numbers keep growing so readers never see one twice */
}

uint64_t journal_reserve(struct journal *j)
{
    uint64_t seq = j->next_seq++;
    struct journal_entry *slot = &j->ring[seq % j->capacity];
    memset(slot, 0, sizeof *slot);
    slot->seq = seq;
    slot->pending = 1;
    if (j->count < j->capacity)
        j->count++;
    return seq;
}

void journal_put(struct journal *j, const struct journal_entry *e)
{
    uint64_t seq = e->seq ? e->seq : journal_reserve(j);
    struct journal_entry *slot = &j->ring[seq % j->capacity];
    if (seq + j->count < j->next_seq || slot->seq != seq)
        return; /* overwritten by newer entries, or cleared */
    *slot = *e;
    slot->seq = seq;
    slot->pending = 0;
}

uint64_t journal_add(struct journal *j, const struct journal_entry *e)
{
    struct journal_entry copy = *e;
    copy.seq = 0;
    journal_put(j, &copy);
    return j->next_seq - 1;
}

static const char *const cond_names[JC_COUNT_] = {
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "x-amz-copy-source-if-match",
    "x-amz-copy-source-if-none-match",
    "ConditionExpression",
    "Expected",
};

const char *journal_cond_name(enum journal_cond name)
{
    return (unsigned)name < JC_COUNT_ ? cond_names[name] : "";
}

void journal_cond_add(struct journal_entry *e, enum journal_cond name, const char *value,
                      size_t len)
{
    size_t used = e->ncond ? (size_t)e->cond[e->ncond - 1].off + e->cond[e->ncond - 1].len : 0;
    if (e->ncond == JOURNAL_CONDS_MAX || len > sizeof e->cond_text - used)
        return;
    memcpy(e->cond_text + used, value, len);
    e->cond[e->ncond].name = (uint8_t)name;
    e->cond[e->ncond].off = (uint16_t)used;
    e->cond[e->ncond].len = (uint16_t)len;
    e->ncond++;
}

/* {"If-None-Match":"*", ...}: the entry's preconditions, rendered now. */
static json_t *conditions_json(const struct journal_entry *e)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < e->ncond; i++) {
        const char *v = e->cond_text + e->cond[i].off;
        json_t *jv = e->cond[i].name == JC_EXPECTED ? json_loadb(v, e->cond[i].len, 0, NULL)
                                                    : json_stringn(v, e->cond[i].len);
        if (jv)
            json_object_set_new(o, journal_cond_name(e->cond[i].name), jv);
    }
    return o;
}

static json_t *entry_json(const struct journal_entry *e)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:b}", "seq", (json_int_t)e->seq,
                          "time_ms", (json_int_t)e->start_ms, "end_ms", (json_int_t)e->end_ms,
                          "request_id", e->request_id, "service", e->service, "op", e->op, "status",
                          (json_int_t)e->status, "applied", e->applied);
    if (!o)
        return NULL;
    json_object_set_new(o, "client", e->client[0] ? json_string(e->client) : json_null());
    if (e->op_id[0])
        json_object_set_new(o, "op_id", json_string(e->op_id));
    json_object_set_new(o, "code", e->code[0] ? json_string(e->code) : json_null());
    if (e->bucket[0])
        json_object_set_new(o, "bucket", json_string(e->bucket));
    if (e->key[0])
        json_object_set_new(o, "key", json_string(e->key));
    if (e->table[0])
        json_object_set_new(o, "table", json_string(e->table));
    json_object_set_new(o, "conditions", conditions_json(e));
    json_object_set_new(o, "fault",
                        e->fault[0] ? json_pack("{s:s, s:s}", "id", e->fault_id, "action", e->fault)
                                    : json_null());
    return o;
}

size_t journal_count(const struct journal *j)
{
    return j->count;
}

json_t *journal_since(const struct journal *j, uint64_t since, size_t limit)
{
    json_t *arr = json_array();
    uint64_t first = j->next_seq - j->count;
    uint64_t from = since + 1 > first ? since + 1 : first;
    uint64_t last = from;
    for (uint64_t s = from; s < j->next_seq && json_array_size(arr) < limit; s++) {
        if (j->ring[s % j->capacity].pending)
            break; /* committed, not answered yet: later entries wait for it */
        json_array_append_new(arr, entry_json(&j->ring[s % j->capacity]));
        last = s + 1;
    }
    return json_pack("{s:o, s:I, s:I, s:I, s:I}", "requests", arr, "next",
                     (json_int_t)(last - 1 > since ? last - 1 : since), "dropped",
                     (json_int_t)(since + 1 < first ? first - since - 1 : 0), "head",
                     (json_int_t)(j->next_seq - 1), "capacity", (json_int_t)j->capacity);
}

/* The prefix being written: at most size - 1 bytes of text; full once they are there. */
struct prefix {
    char *out;
    size_t len, size;
};

static bool prefix_full(const struct prefix *pf)
{
    return pf->len + 1 >= pf->size;
}

static void prefix_add(struct prefix *pf, const char *text, size_t n)
{
    size_t room = pf->size - 1 - pf->len;
    memcpy(pf->out + pf->len, text, n < room ? n : room);
    pf->len += n < room ? n : room;
}

/* A string as jansson's dump writes it (no JSON_ENSURE_ASCII / JSON_ESCAPE_SLASH: the quote,
 * the backslash and control characters escaped, \u with upper-case hex), only as far as the
 * prefix has room. */
static void prefix_string(struct prefix *pf, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    prefix_add(pf, "\"", 1);
    for (size_t i = 0; !prefix_full(pf);) {
        size_t room = pf->size - 1 - pf->len; /* scanned no further than it has room */
        size_t run = ddb_text_plain_len(s + i, n - i < room ? n - i : room);
        prefix_add(pf, s + i, run);
        if ((i += run) == n || prefix_full(pf))
            break;
        unsigned char c = (unsigned char)s[i++];
        static const char shorts[] = "btn\0fr";
        char esc[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t elen = 2;
        if (c >= '\b' && c <= '\r' && shorts[c - '\b']) {
            esc[1] = shorts[c - '\b'];
        } else if (c < 0x20) {
            esc[1] = 'u';
            elen = 6;
        }
        prefix_add(pf, esc, elen);
    }
    prefix_add(pf, "\"", 1);
}

struct key_len {
    const char *key;
    size_t len;
    const json_t *v;
};

/* jansson's JSON_SORT_KEYS order: bytes, then length. */
static int key_order(const struct key_len *x, const struct key_len *y)
{
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int key_cmp(const void *a, const void *b)
{
    return key_order(a, b);
}

static void prefix_value(struct prefix *pf, const json_t *v);

#define SMALL_OBJECT 16 /* members sorted on the stack, by insertion */

static void prefix_object(struct prefix *pf, const json_t *v)
{
    size_t n = json_object_size(v), i = 0;
    struct key_len small[SMALL_OBJECT];
    struct key_len *keys = n <= SMALL_OBJECT ? small : malloc(n * sizeof *keys);
    if (!keys) {
        pf->len = pf->size - 1; /* out of memory: the prefix ends here */
        return;
    }
    const char *k;
    size_t len;
    json_t *m;
    json_object_keylen_foreach ((json_t *)v, k, len, m) {
        struct key_len x = {k, len, m};
        size_t j = i++;
        for (; n <= SMALL_OBJECT && j && key_order(&keys[j - 1], &x) > 0; j--)
            keys[j] = keys[j - 1];
        keys[j] = x;
    }
    if (n > SMALL_OBJECT)
        qsort(keys, n, sizeof *keys, key_cmp);
    prefix_add(pf, "{", 1);
    for (i = 0; i < n && !prefix_full(pf); i++) {
        if (i)
            prefix_add(pf, ",", 1);
        prefix_string(pf, keys[i].key, keys[i].len);
        prefix_add(pf, ":", 1);
        prefix_value(pf, keys[i].v);
    }
    prefix_add(pf, "}", 1);
    if (keys != small)
        free(keys);
}

static void prefix_value(struct prefix *pf, const json_t *v)
{
    if (prefix_full(pf))
        return;
    if (json_is_string(v)) {
        prefix_string(pf, json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        prefix_object(pf, v);
    } else if (json_is_array(v)) {
        prefix_add(pf, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && !prefix_full(pf); i++) {
            if (i)
                prefix_add(pf, ",", 1);
            prefix_value(pf, json_array_get(v, i));
        }
        prefix_add(pf, "]", 1);
    } else { /* numbers, true, false, null: jansson's own text */
        char text[64];
        size_t n = json_dumpb(v, text, sizeof text, JSON_COMPACT | JSON_ENCODE_ANY);
        prefix_add(pf, text, n <= sizeof text ? n : 0);
    }
}

void journal_json_prefix(const json_t *v, char *out, size_t size)
{
    struct prefix pf = {out, 0, size};
    if (!size)
        return;
    prefix_value(&pf, v);
    out[pf.len] = '\0';
}

size_t journal_inflight_open(struct journal *j, const char *op_id)
{
    const char *dot = strrchr(op_id, '.');
    size_t len = dot ? (size_t)(dot - op_id) + 1 : strlen(op_id), slot = INFLIGHT_PREFIXES;
    for (size_t i = 0; i < INFLIGHT_PREFIXES; i++) {
        struct inflight *f = &j->inflight[i];
        if (f->n && strlen(f->prefix) == len && !memcmp(f->prefix, op_id, len)) {
            slot = i;
            break;
        }
        if (!f->n && slot == INFLIGHT_PREFIXES && len < sizeof f->prefix)
            slot = i; /* the first free one, unless the prefix is found further on */
    }
    struct inflight *f = &j->inflight[slot];
    if (slot < INFLIGHT_PREFIXES && !f->n) {
        memcpy(f->prefix, op_id, len);
        f->prefix[len] = '\0';
    }
    f->n++; /* the last slot is shared: counted for every prefix asked about */
    return slot;
}

void journal_inflight_close(struct journal *j, size_t slot)
{
    if (slot <= INFLIGHT_PREFIXES && j->inflight[slot].n)
        j->inflight[slot].n--;
}

size_t journal_inflight(const struct journal *j, const char *prefix)
{
    size_t n = j->inflight[INFLIGHT_PREFIXES].n, len = strlen(prefix);
    for (size_t i = 0; i < INFLIGHT_PREFIXES; i++)
        if (j->inflight[i].n && !strncmp(j->inflight[i].prefix, prefix, len))
            n += j->inflight[i].n;
    return n;
}
