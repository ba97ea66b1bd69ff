/*
 * cli.h - the command-line layer of the lockyard binary (private to mock/main.c and mock/cli/):
 * one entry point per command, the shared option-error messages, and a small blocking call to a
 * running server's admin API. Each command parses its own options (argv[0] is the command
 * name) and returns the exit status: 0 success, 1 failure, 2 usage error.
 */
#ifndef LOCKYARD_CLI_H
#define LOCKYARD_CLI_H

#include <getopt.h>
#include <stddef.h>

int cli_cmd_serve(int argc, char **argv);
int cli_cmd_env(int argc, char **argv);
int cli_cmd_fault(int argc, char **argv);

/**
 * getopt_long with lockyard's messages: an unknown option, a missing value or an unexpected
 * value is reported on stderr as "lockyard CMD: …" naming the option, and '?' is returned.
 * shortopts must start with ':' (so a missing value is told apart).
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/** Prints "lockyard CMD: bad value 'V' for --NAME: WANT" and returns -1. */
int cli_bad_value(const char *cmd, const char *name, const char *value, const char *want);

/**
 * The server URL: --server (flag), else LOCKYARD_URL, else http://127.0.0.1:4566; NULL after
 * a message naming it when it is not http[s]://HOST[:PORT].
 */
const char *cli_server_url(const char *cmd, const char *flag);

struct cli_answer {
    int status; /* 0: no answer */
    char *body; /* heap, NUL-terminated */
};

/**
 * One unsigned request to a running server's admin API (path starts with "/_lockyard/"),
 * waiting at most timeout_ms. @return 0 with out filled in (free out->body), or -1 with a
 * message on stderr ("no lockyard answering at URL").
 */
int cli_admin_call(const char *cmd, const char *url, const char *method, const char *path,
                   const char *body, int timeout_ms, struct cli_answer *out);

#endif
