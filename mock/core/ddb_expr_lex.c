/*
 * ddb_expr_lex.c - tokenizer for every DynamoDB expression kind.
 *
 * Bare names are [A-Za-z][A-Za-z0-9_]*; "#x" and ":x" placeholders take
 * [A-Za-z0-9_]+; list indexes are digits. Any other character (including a
 * leading '_' and non-ASCII) becomes a one-character DT_BAD token so the parser
 * reports it as DynamoDB does ('token: "_"'). Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

static size_t lex_punct(const char *s, size_t len, size_t i, enum dtok_kind *k)
{
    char c = s[i];
    char d = i + 1 < len ? s[i + 1] : '\0';
    switch (c) {
    case '(': *k = DT_LP; return 1;
    case ')': *k = DT_RP; return 1;
    case '[': *k = DT_LB; return 1;
    case ']': *k = DT_RB; return 1;
    case '.': *k = DT_DOT; return 1;
    case ',': *k = DT_COMMA; return 1;
    case '=': *k = DT_EQ; return 1;
    case '+': *k = DT_PLUS; return 1;
    case '-': *k = DT_MINUS; return 1;
    case '<':
        if (d == '>') {
            *k = DT_NE;
            return 2;
        }
        if (d == '=') {
            *k = DT_LE;
            return 2;
        }
        *k = DT_LT;
        return 1;
    case '>':
        if (d == '=') {
            *k = DT_GE;
            return 2;
        }
        *k = DT_GT;
        return 1;
    default: break;
    }
    *k = DT_BAD;
    if ((unsigned char)c >= 0xc0) { /* keep a UTF-8 sequence together for the message */
        size_t n = 1;
        while (i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80 && n < 4)
            n++;
        return n;
    }
    return 1;
}

int dlex(struct ly_arena *a, const char *s, size_t len, struct dtok **toks, size_t *n)
{
    struct dtok *t = ly_arena_alloc(a, (len + 1) * sizeof(*t));
    size_t k = 0, i = 0;
    if (!t)
        return LY_ENOMEM;
    while (i < len) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
            continue;
        }
        size_t start = i;
        enum dtok_kind kind;
        if (is_alpha(c)) {
            while (i < len && is_word(s[i]))
                i++;
            kind = DT_NAME;
        } else if (is_digit(c)) {
            while (i < len && is_digit(s[i]))
                i++;
            kind = DT_INT;
        } else if ((c == '#' || c == ':') && i + 1 < len && is_word(s[i + 1])) {
            i++;
            while (i < len && is_word(s[i]))
                i++;
            kind = c == '#' ? DT_HASH : DT_COLON;
        } else {
            i += lex_punct(s, len, i, &kind);
        }
        t[k].kind = kind;
        t[k].pos = start;
        t[k].len = i - start;
        k++;
    }
    t[k].kind = DT_EOF;
    t[k].pos = len;
    t[k].len = 0;
    *toks = t;
    *n = k + 1;
    return 0;
}
