/*
 * ddb_body.c - a request body's JSON parsed into the request's arena (see ddb.h).
 *
 * jansson allocates every object, member, string and lexer buffer of a parse with malloc and
 * frees them one by one afterwards: 40-odd mallocs and as many frees per PutItem. Here jansson
 * takes its memory from the request arena for the length of one json_loadb call (its allocator
 * is process-wide: the functions installed before are put back right after, and the arena is
 * reached through a thread-local pointer, so a parse on another thread is not affected), and
 * the tree is given one extra reference so that no json_decref ever frees a node of it: the
 * arena's cleanup frees it all at once.
 *
 * jansson's lexer costs about 140 instructions per byte of a string (each byte is read through
 * a callback, checked, appended to a buffer with memcpy, then copied again): a PutItem's one
 * long attribute value is most of the request's cost. So a long string value whose text is
 * plain (printable ASCII without '"' or '\', which decodes to itself) is handed to jansson as
 * a short placeholder, "\u0000" and its number, in a copy of the body, and the string node
 * that jansson makes of it is then set to the text (json_string_setn_nocheck). jansson still
 * parses, checks and builds every token of the document: only the bytes of those strings,
 * which need no decoding, skip its lexer. Object keys are never replaced (a string followed
 * by ':'), and a body that holds "\u0000" itself is parsed as it is, so a placeholder is
 * never confused with a string of the request. A string token for a string token leaves the
 * token sequence, and so jansson's verdict on the document, as it was: the tree is the one
 * json_loadb makes of the original (test_ddb_body and fuzz_ddb_body compare the two). And a
 * placeholder begins with '\', which jansson rejects outside a string: had this scan taken
 * for a string what is not one, jansson would refuse the copy, and a copy it refuses is never
 * used (the original is parsed as it is).
 */
#include "lockyard/ddb.h"
#include "lockyard/ddb_value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bodies up to this size only: their trees take at most a few MiB of the arena (jansson's
 * nodes are many times the text they hold), which a larger batch body's could fill; those are
 * parsed with malloc as before (with the placeholders all the same). */
#define ARENA_BODY_MAX (64u << 10)
/* Strings of at least this many bytes are replaced (a placeholder costs jansson 8 bytes, the
 * walk that finds it a few nodes), at most this many per body. */
#define ELIDE_MIN 16
#define ELIDE_MAX 100
#define PLACEHOLDER_LEN 3 /* decoded: NUL and two digits */

struct elided {
    size_t n;
    struct {
        const char *s;
        size_t len;
    } str[ELIDE_MAX];
};

static _Thread_local struct ly_arena *parse_arena;

static void *arena_malloc(size_t n)
{
    return ly_arena_alloc(parse_arena, n);
}

static void arena_free(void *p)
{
    (void)p; /* freed with the arena */
}

/* Whether the string that ended before b[i] is an object key: ':' next (JSON whitespace
 * skipped). In a document jansson accepts that is exactly a key; in one it rejects, replacing
 * a string changes nothing it says. */
static bool is_key(const char *b, size_t i, size_t len)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
        i++;
    return i < len && b[i] == ':';
}

/* The end of the string whose text starts at b[i] (the index of its closing '"', or len when
 * it has none); *plain: its text has only bytes 0x20-0x7e but '"' and '\\'. Returns SIZE_MAX
 * when the text holds the escape \u0000 (what a placeholder decodes to begins with NUL). */
static size_t string_end(const char *b, size_t i, size_t len, bool *plain)
{
    *plain = true;
    while (i < len) {
        i += ddb_text_run(b + i, len - i, *plain);
        if (i >= len)
            break;
        if (b[i] == '"')
            return i;
        *plain = false;
        if (b[i] != '\\') {
            i++; /* a control character (jansson refuses it) or not ASCII */
            continue;
        }
        if (len - i > 5 && memcmp(b + i + 1, "u0000", 5) == 0)
            return SIZE_MAX;
        i += 2; /* the escaped byte cannot end the string */
    }
    return len;
}

/* Writes into out (len bytes at least) the body b with its long plain string values replaced
 * by placeholders, listed in el; returns the length written, or 0 when nothing is replaced
 * (the body is then parsed as it is). Outside strings every '"' opens one, in jansson's lexer
 * as here, so the two split the text alike up to the first error jansson reports. */
static size_t shorten(const char *b, size_t len, char *out, struct elided *el)
{
    size_t i = 0, from = 0, o = 0;
    el->n = 0;
    const char *q;
    while ((q = memchr(b + i, '"', len - i)) != NULL) {
        size_t start = (size_t)(q - b) + 1;
        bool plain;
        size_t end = string_end(b, start, len, &plain);
        if (end == SIZE_MAX)
            return 0;
        if (end >= len)
            break; /* unterminated: jansson rejects the body */
        if (plain && end - start >= ELIDE_MIN && el->n < ELIDE_MAX && !is_key(b, end + 1, len)) {
            memcpy(out + o, b + from, start - from);
            o += start - from;
            memcpy(out + o, "\\u0000", 6);
            out[o + 6] = (char)('0' + el->n / 10);
            out[o + 7] = (char)('0' + el->n % 10);
            o += 8;
            el->str[el->n].s = b + start;
            el->str[el->n++].len = end - start;
            from = end; /* the closing '"' goes with the next piece */
        }
        i = end + 1;
    }
    if (el->n == 0)
        return 0;
    memcpy(out + o, b + from, len - from);
    return o + len - from;
}

/* Sets every placeholder string under j to its text; *left: placeholders not yet found. */
static int restore(json_t *j, const struct elided *el, size_t *left)
{
    if (json_is_string(j)) {
        const char *v = json_string_value(j);
        if (json_string_length(j) != PLACEHOLDER_LEN || v[0] != '\0')
            return 0;
        size_t k = (size_t)(v[1] - '0') * 10 + (size_t)(v[2] - '0');
        if (k >= el->n)
            return 0; /* cannot be: the body holds no \u0000 of its own */
        (*left)--;
        return json_string_setn_nocheck(j, el->str[k].s, el->str[k].len);
    }
    const char *name;
    json_t *v;
    size_t idx;
    if (json_is_object(j)) {
        json_object_foreach (j, name, v)
            if (*left && restore(v, el, left))
                return -1;
    } else if (json_is_array(j)) {
        json_array_foreach (j, idx, v)
            if (*left && restore(v, el, left))
                return -1;
    }
    return 0;
}

/* json_loadb of body (or of its shortened copy, placeholders then set) with the allocator
 * already the arena's; NULL when not JSON or the arena is full. */
static json_t *parse(struct ly_arena *a, const char *body, size_t len)
{
    struct elided *el = len ? ly_arena_alloc(a, sizeof *el) : NULL; /* an empty body: none */
    char *copy = el ? ly_arena_alloc(a, len) : NULL;
    size_t n = copy ? shorten(body, len, copy, el) : 0;
    if (n == 0)
        return json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    json_t *doc = json_loadb(copy, n, JSON_ALLOW_NUL, NULL);
    size_t left = el->n;
    if (doc && restore(doc, el, &left) != 0)
        doc = NULL; /* the arena is full: the caller parses with malloc */
    return doc;
}

/* A body over ARENA_BODY_MAX: the same placeholders, with the copy and the tree in malloc'd
 * memory (freed by the caller's json_decref). */
static json_t *parse_large(const char *body, size_t len)
{
    struct elided *el = malloc(sizeof *el);
    char *copy = el ? malloc(len) : NULL;
    size_t n = copy ? shorten(body, len, copy, el) : 0;
    json_t *doc = n ? json_loadb(copy, n, JSON_ALLOW_NUL, NULL) : NULL;
    size_t left = n ? el->n : 0;
    if (doc && restore(doc, el, &left) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    free(copy);
    free(el);
    /* nothing replaced, not JSON, or out of memory: the usual parse decides */
    return doc ? doc : json_loadb(body, len, JSON_ALLOW_NUL, NULL);
}

json_t *ddb_body_parse(struct ly_arena *a, const void *body, size_t len)
{
    if (len > ARENA_BODY_MAX)
        return parse_large(body, len);
    json_malloc_t prev_malloc;
    json_free_t prev_free;
    json_get_alloc_funcs(&prev_malloc, &prev_free);
    struct ly_arena *prev_arena = parse_arena;
    parse_arena = a;
    json_set_alloc_funcs(arena_malloc, arena_free);
    json_t *doc = parse(a, body, len);
    json_set_alloc_funcs(prev_malloc, prev_free);
    parse_arena = prev_arena;
    if (doc)
        return json_incref(doc); /* the reference no json_decref takes away */
    /* Not JSON, or the arena's cap reached: the usual parse decides (and says NULL for what is
     * not JSON, as before) */
    return json_loadb(body, len, JSON_ALLOW_NUL, NULL);
}
