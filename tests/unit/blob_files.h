/*
 * blob_files.h - for the unit tests of blob files: how many files a store's blobs/ holds.
 * Include after cmocka.h.
 */
#ifndef LOCKYARD_TESTS_BLOB_FILES_H
#define LOCKYARD_TESTS_BLOB_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

static int blob_files_count(const char *dir)
{
    char path[300];
    snprintf(path, sizeof path, "%s/blobs", dir);
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Asserts the file count of DIR/blobs once the unlinking threads are done (each removal runs
 * apart, so the count may take a moment to settle). */
static void blob_files_are(const char *dir, int want)
{
    for (int i = 0; i < 300 && blob_files_count(dir) != want; i++)
        usleep(10000);
    assert_int_equal(blob_files_count(dir), want);
}

#endif
