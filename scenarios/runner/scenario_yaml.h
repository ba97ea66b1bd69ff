/*
 * scenario_yaml.h - private helpers of the scenario loader over a libyaml
 * document: typed field access with errors that name the line and the field.
 */
#ifndef LOCKYARD_RUNNER_SCENARIO_YAML_H
#define LOCKYARD_RUNNER_SCENARIO_YAML_H

#include <jansson.h>
#include <yaml.h>

#include "scenario.h"

struct ld {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t err_size;
};

/** Formats "FILE:LINE: FIELD: message" into ld->err. @return LY_EINVAL */
int ld_fail(struct ld *ld, const yaml_node_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
yaml_node_t *ld_get(struct ld *ld, const yaml_node_t *map, const char *key);
const char *ld_scalar(const yaml_node_t *n);
int ld_line(const yaml_node_t *n);
/** Copies a scalar field into *out (NULL when absent). @return 0, LY_EINVAL, LY_ENOMEM */
int ld_str(struct ld *ld, const yaml_node_t *map, const char *key, char **out);
/** An integer field (absent: *out unchanged). */
int ld_int(struct ld *ld, const yaml_node_t *map, const char *key, int64_t lo, int64_t hi,
           int64_t *out);
/** Converts a YAML subtree to JSON (plain true/false/null/integers typed). */
json_t *ld_json(struct ld *ld, const yaml_node_t *n);
/** Checks that every key of map is in the NULL-terminated list. */
int ld_known_keys(struct ld *ld, const yaml_node_t *map, const char *what, const char *const *keys);

/** Parses a steps sequence into prog and resolves its labels. */
int ld_program(struct ld *ld, const yaml_node_t *seq, const char *field, struct sc_program *prog);
void sc_program_cleanup(struct sc_program *p);

#endif
