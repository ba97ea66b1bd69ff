/* main.c - lockyard entry point: the command table, global help and version. */
#include "cli/cli.h"
#include "lockyard/runner.h"
#include "version.h" /* build/gen/version.h: LOCKYARD_VERSION, LOCKYARD_GIT */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    int knows_short_h; /* parses -h itself; otherwise a leading -h becomes --help */
    const char *summary;
} commands[] = {
    {"serve", cli_cmd_serve, 1, "run the S3 + DynamoDB server"},
    {"env", cli_cmd_env, 1, "print the AWS_* settings that point SDKs and CLIs at a server"},
    {"fault", cli_cmd_fault, 1, "add, list, remove or release fault rules on a running server"},
    {"run", runner_cmd_run, 0, "run lock scenarios and check their histories"},
    {"explore", runner_cmd_explore, 0,
     "every schedule of a scenario within a bound, or the "
     "shortest counterexample"},
    {"check", runner_cmd_check, 1, "run the checkers on a recorded history"},
    {"scenarios", runner_cmd_scenarios, 1, "list the scenario library and built-in protocols"},
    {"probe", runner_cmd_probe, 1, "compare an endpoint's conditional writes with AWS"},
    {"version", cmd_version, 1, "print the version"},
    {"help", cmd_help, 1, "help on a command (lockyard help COMMAND)"},
    {NULL, NULL, 0, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lockyard COMMAND [options]      (lockyard COMMAND --help)\n"
               "commands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "options:\n"
               "  -h, --help     this text\n"
               "  -V, --version  the version\n"
               "Quick start: lockyard serve & eval \"$(lockyard env)\"; aws s3 mb s3://tfstate\n");
}

static const struct command *find(const char *name)
{
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        if (!help)
            fprintf(stderr, "lockyard version: takes no options or arguments ('%s')\n", argv[1]);
        fprintf(help ? stdout : stderr, "usage: lockyard version\n");
        return help ? 0 : 2;
    }
    printf("lockyard %s (%s)\n", LOCKYARD_VERSION, LOCKYARD_GIT);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: lockyard help [COMMAND]   (the same as lockyard COMMAND --help)\n");
        return 0;
    }
    const struct command *c = find(argv[1]);
    if (!c || c->fn == cmd_help) {
        fprintf(stderr, "lockyard help: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    char *args[] = {argv[1], "--help", NULL};
    return c->fn(2, args);
}

/* Installed (PREFIX/bin/lockyard): without ./scenarios or $LOCKYARD_SCENARIOS, the library is
 * PREFIX/share/lockyard/scenarios, for `lockyard run NAME` and `lockyard scenarios`. */
static void find_scenarios(void)
{
    char exe[PATH_MAX], dir[PATH_MAX + 64];
    const char *env = getenv("LOCKYARD_SCENARIOS");
    if ((env && *env) || access("scenarios", R_OK) == 0)
        return;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(dir, sizeof dir, "%s/../share/lockyard/scenarios", exe);
    if (access(dir, R_OK) == 0 && realpath(dir, exe))
        setenv("LOCKYARD_SCENARIOS", exe, 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *a = argv[1];
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)
        return cmd_version(1, argv + 1);
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return cmd_help(1, argv + 1);
    const struct command *c = find(a);
    if (!c) {
        fprintf(stderr, "lockyard: unknown %s '%s'\n", a[0] == '-' ? "option" : "command", a);
        usage(stderr);
        return 2;
    }
    find_scenarios();
    static char help[] = "--help";
    if (!c->knows_short_h && argc > 2 && strcmp(argv[2], "-h") == 0)
        argv[2] = help;
    return c->fn(argc - 1, argv + 1);
}
