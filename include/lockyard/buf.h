/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * Ownership: the buffer owns b->data (heap). ly_buf_cleanup frees it;
 * ly_buf_take hands it to the caller (who frees it with free()). On any
 * failure the buffer keeps its previous contents. data is always
 * NUL-terminated after a successful append, so text can be read as a string.
 */
#ifndef LOCKYARD_BUF_H
#define LOCKYARD_BUF_H

#include <stddef.h>
#include "lockyard/err.h"

struct ly_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max_bytes; /* appends that would exceed this fail with LY_ETOOBIG */
};

void ly_buf_init(struct ly_buf *b, size_t max_bytes);
void ly_buf_cleanup(struct ly_buf *b);
void ly_buf_reset(struct ly_buf *b);
/** @return 0, LY_ENOMEM or LY_ETOOBIG */
int ly_buf_add(struct ly_buf *b, const void *p, size_t n) LY_WARN_UNUSED;
int ly_buf_adds(struct ly_buf *b, const char *s) LY_WARN_UNUSED;
int ly_buf_addf(struct ly_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) LY_WARN_UNUSED;
/** Appends s with the five XML special characters escaped. */
int ly_buf_add_xml(struct ly_buf *b, const char *s, size_t n) LY_WARN_UNUSED;
/** Appends <name>value</name>, value escaped (NULL: empty), without printf (listings and error
 * bodies write thousands of these). */
int ly_buf_add_xml_elem(struct ly_buf *b, const char *name, const char *value) LY_WARN_UNUSED;
/** Ensures room for n more bytes. */
int ly_buf_reserve(struct ly_buf *b, size_t n) LY_WARN_UNUSED;
/** Returns the data (caller frees) and resets the buffer. */
char *ly_buf_take(struct ly_buf *b, size_t *len);

#endif
