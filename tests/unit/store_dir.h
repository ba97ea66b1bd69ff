/*
 * store_dir.h - for the unit tests that open stores on disk: a fresh directory under $TMPDIR
 * (else /tmp), and its removal. Include after cmocka.h.
 */
#ifndef LOCKYARD_TESTS_STORE_DIR_H
#define LOCKYARD_TESTS_STORE_DIR_H

#include <stdio.h>
#include <stdlib.h>

/* dir[n] becomes a new directory named prefix-XXXXXX. */
static void store_dir_make(char *dir, size_t n, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    assert_non_null(mkdtemp(dir));
}

/* Removes dir and everything in it. */
static void store_dir_remove(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

#endif
