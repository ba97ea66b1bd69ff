/*
 * yaml_json.h - YAML text → jansson JSON (pure), for the config file and scenario files.
 *
 * Mappings become objects, sequences arrays; plain scalars that read as integers, reals,
 * true/false or null become those JSON types, everything else (and every quoted scalar) a
 * string. Anchors/aliases are refused. Errors name the line and column.
 */
#ifndef LOCKYARD_YAML_JSON_H
#define LOCKYARD_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

#define YAML_JSON_DEPTH_MAX 64

/** @return a new reference, or NULL with a message in err. */
json_t *yaml_to_json(const char *text, size_t len, char *err, size_t err_size);

#endif
