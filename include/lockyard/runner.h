/*
 * runner.h - the scenario runner's command-line entry points, called by
 * main.c: `lockyard run`, `lockyard check`, `lockyard scenarios`.
 * Each parses its own options (argv[0] is the subcommand) and returns the
 * process exit status: 0 when every verdict matched its expectation (run),
 * when no violation was found (check), or on success; 1 otherwise; 2 for
 * usage errors.
 */
#ifndef LOCKYARD_RUNNER_H
#define LOCKYARD_RUNNER_H

int runner_cmd_run(int argc, char **argv);
int runner_cmd_check(int argc, char **argv);
int runner_cmd_scenarios(int argc, char **argv);
/** `lockyard probe URL`: conditional-semantics probes against any S3 endpoint. */
int runner_cmd_probe(int argc, char **argv);
/** `lockyard explore SCENARIO`: every schedule within a bound, or the shortest counterexample. */
int runner_cmd_explore(int argc, char **argv);

#endif
