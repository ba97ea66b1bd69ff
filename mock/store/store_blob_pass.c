/*
 * store_blob_pass.c - one pass over a stored body in blob files, off the event loop (see
 * lockyard/store_blob.h: store_blob_pass). CopyObject of a multipart object and UploadPartCopy
 * hand it to a worker thread: the files are pinned (store_blob_pin), so they stay while it
 * reads them, and it touches nothing but files and its own results.
 */
#include "lockyard/checksum.h"
#include "lockyard/store_blob.h"
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASS_CHUNK (1u << 20)

struct pass_state {
    struct store_blob_pass *p;
    struct cksum_ctx md5, ck;
    int has_ck;
    unsigned char *buf;
    int out; /* the new blob's descriptor, or -1 */
};

static int write_all(int fd, const unsigned char *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return LY_EIO; /* a full disk */
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One chunk read from fd at off: hashed, and written to the new blob. */
static int pass_chunk(struct pass_state *st, int fd, uint64_t off, size_t want, size_t *got)
{
    ssize_t n;
    do
        n = pread(fd, st->buf, want, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return LY_EIO; /* a file shorter than its record says */
    *got = (size_t)n;
    int rc = st->p->no_md5 ? 0 : cksum_update(&st->md5, st->buf, *got);
    if (!rc && st->has_ck)
        rc = cksum_update(&st->ck, st->buf, *got);
    if (!rc && st->out >= 0)
        rc = write_all(st->out, st->buf, *got);
    return rc;
}

static int pass_span(void *ctx, const struct store_blob_span *sp)
{
    struct pass_state *st = ctx;
    struct store_blob_pass *p = st->p;
    int fd;
    int rc = store_blob_open(p->s, sp->id, &fd);
    for (uint64_t done = 0; !rc && done < sp->len;) {
        size_t got, want = sp->len - done < PASS_CHUNK ? (size_t)(sp->len - done) : PASS_CHUNK;
        if (p->cancel && atomic_load(p->cancel))
            rc = LY_ECONFLICT;
        else if ((rc = pass_chunk(st, fd, sp->off + done, want, &got)) == 0)
            done += got;
    }
    if (fd >= 0)
        close(fd);
    if (!rc && p->link) {
        char id[STORE_BLOB_ID_LEN + 1];
        rc = store_blob_link(p->s, sp->id, id);
        if (!rc && (rc = store_blob_list_add(&p->links, id, sp->len)) != 0)
            store_blob_discard(p->s, id);
    }
    return rc;
}

/* The ids of a list being built go (a pass that failed, or was not stored). */
static void discard_links(struct store_blob_pass *p)
{
    for (size_t i = 0; i + STORE_BLOB_ID_LEN <= p->links.len; i += STORE_BLOB_ENTRY_LEN) {
        char id[STORE_BLOB_ID_LEN + 1];
        memcpy(id, p->links.data + i, STORE_BLOB_ID_LEN);
        id[STORE_BLOB_ID_LEN] = '\0';
        store_blob_discard(p->s, id);
    }
    p->links.len = 0;
}

/* The digests once every byte went through: MD5 raw, the checksum as base64. */
static int pass_final(struct pass_state *st)
{
    struct store_blob_pass *p = st->p;
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    int rc = p->no_md5 ? 0 : cksum_final(&st->md5, raw, &n);
    if (!rc && !p->no_md5 && n == sizeof p->md5)
        memcpy(p->md5, raw, n);
    if (!rc && st->has_ck) {
        char b64[CKSUM_B64_MAX];
        rc = cksum_final_b64(&st->ck, b64);
        if (!rc && strlen(b64) < sizeof p->cksum_b64)
            memcpy(p->cksum_b64, b64, strlen(b64) + 1);
    }
    if (!rc && p->link)
        rc = ly_buf_add(&p->links, "", 1);
    return rc;
}

/* The new blob's file is closed (synced first in fsync mode, so the commit's sync is short). */
static int close_out(struct store_blob_pass *p, int fd, int rc)
{
    if (!rc && p->s->durability == STORE_DURABILITY_FSYNC && !p->s->temporary && fdatasync(fd) != 0)
        rc = LY_EIO;
    if (close(fd) != 0 && !rc)
        rc = LY_EIO;
    return rc;
}

int store_blob_pass_run(struct store_blob_pass *p)
{
    struct pass_state st = {p, {0}, {0}, 0, NULL, -1};
    p->id[0] = '\0';
    ly_buf_init(&p->links, (size_t)STORE_BLOB_ENTRY_LEN * 10001 + 1);
    st.buf = malloc(PASS_CHUNK);
    int rc = st.buf ? cksum_init_md5(&st.md5) : LY_ENOMEM;
    if (!rc && p->alg >= 0) {
        rc = cksum_init(&st.ck, (enum cksum_alg)p->alg);
        st.has_ck = rc == 0;
    }
    if (!rc && p->write)
        rc = store_blob_create(p->s, p->id, &st.out);
    if (!rc)
        rc = store_blob_spans(&p->body, p->off, p->len, pass_span, &st);
    if (!rc)
        rc = pass_final(&st);
    if (st.out >= 0)
        rc = close_out(p, st.out, rc);
    cksum_cleanup(&st.md5);
    if (st.has_ck)
        cksum_cleanup(&st.ck);
    free(st.buf);
    if (!rc && p->cancel && atomic_load(p->cancel))
        rc = LY_ECONFLICT;
    if (rc) {
        store_blob_pass_discard(p);
        p->links.len = 0;
    }
    return p->rc = rc;
}

void store_blob_pass_discard(struct store_blob_pass *p)
{
    if (p->id[0])
        store_blob_discard(p->s, p->id);
    p->id[0] = '\0';
    discard_links(p);
    ly_buf_cleanup(&p->links);
}

void store_blob_pass_cleanup(struct store_blob_pass *p)
{
    ly_buf_cleanup(&p->links);
}
