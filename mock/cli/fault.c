/*
 * fault.c - `lockyard fault add|list|rm|clear|release`: the admin API's fault rules from the
 * shell, in the same key=value text form as `serve --fault` (or the JSON form).
 */
#include "cli.h"

#include "lockyard/fault.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fault_usage(FILE *f)
{
    fprintf(
        f,
        "usage: lockyard fault add RULE... [--server URL]   add rules; prints their ids\n"
        "       lockyard fault list [--json] [--server URL] the rules, with matched/fired counts\n"
        "       lockyard fault rm ID... [--server URL]      remove rules\n"
        "       lockyard fault clear [--server URL]         remove every rule\n"
        "       lockyard fault release [ID] [--server URL]  answer requests held by a hold rule\n"
        "  RULE      key=value,... as for `serve --fault`, e.g.\n"
        "            'op=PutObject,key=*.tflock,action=fail_after,status=500'\n"
        "            (match: service op bucket key table client conditional nth every count\n"
        "            probability seed after_ms before_ms; action=delay|delay_after|fail|\n"
        "            fail_after|drop|drop_after|conflict|hold|stale_read|throttle|\n"
        "            ignore_conditions|etag_random with status code ms until.FIELD),\n"
        "            or a JSON rule {\"match\":{...},\"action\":{...}}\n"
        "  --server URL  the running server (default $LOCKYARD_URL or http://127.0.0.1:4566)\n"
        "  --json        list: the admin API's JSON\n"
        "  -h, --help    this text\n");
}

/* The rule's text form from its JSON: match fields, action=TYPE, action fields, until.FIELD. */
static void rule_text(const json_t *rule, char *out, size_t n)
{
    const json_t *match = json_object_get(rule, "match"), *action = json_object_get(rule, "action");
    const char *k;
    json_t *v;
    size_t len = 0;
    out[0] = '\0';
#define APPEND(...)                                                       \
    do {                                                                  \
        int w_ = snprintf(out + len, n - len, __VA_ARGS__);               \
        len = w_ < 0 || (size_t)w_ >= n - len ? n - 1 : len + (size_t)w_; \
    } while (0)
    const json_t *parts[3] = {match, action, json_object_get(action, "until")};
    const char *prefix[3] = {"", "", "until."};
    for (int i = 0; i < 3; i++) {
        json_object_foreach ((json_t *)parts[i], k, v) {
            if (i == 1 && strcmp(k, "until") == 0)
                continue;
            char *val = json_is_string(v) ? strdup(json_string_value(v))
                                          : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            APPEND("%s%s%s=%s", len ? "," : "", prefix[i],
                   i == 1 && strcmp(k, "type") == 0 ? "action" : k, val ? val : "?");
            free(val);
        }
    }
#undef APPEND
}

/* One RULE argument as the JSON body to POST; NULL after a message. */
static json_t *rule_body(const char *arg)
{
    char err[256];
    struct fault_rule r;
    json_t *in = arg[0] == '{' ? json_loads(arg, 0, NULL) : NULL;
    int rc = in              ? fault_rule_from_json(in, &r, err, sizeof err)
             : arg[0] == '{' ? (snprintf(err, sizeof err, "not JSON"), -1)
                             : fault_rule_from_text(arg, &r, err, sizeof err);
    json_decref(in);
    if (rc) {
        fprintf(stderr, "lockyard fault: bad rule '%s': %s\n", arg, err);
        return NULL;
    }
    json_t *j = fault_rule_to_json(&r);
    json_object_del(j, "id");
    json_object_del(j, "matched");
    json_object_del(j, "fired");
    return j;
}

static int call(const char *url, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct cli_answer a;
    if (cli_admin_call("fault", url, method, path, body, 10000, &a))
        return 1;
    json_t *doc = json_loads(a.body, 0, NULL);
    int ok = a.status == 200 && doc;
    if (!ok) {
        const char *msg = json_string_value(json_object_get(doc, "error"));
        fprintf(stderr, "lockyard fault: %s %s answered %d: %s\n", method, path, a.status,
                msg ? msg : a.body);
    }
    free(a.body);
    if (ok && out)
        *out = doc;
    else
        json_decref(doc);
    return ok ? 0 : 1;
}

static int do_add(const char *url, int n, char **rules)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = rule_body(rules[i]);
        if (!j) {
            json_decref(arr);
            return 2;
        }
        json_array_append_new(arr, j);
    }
    char *body = json_dumps(arr, JSON_COMPACT);
    json_t *ans = NULL;
    int rc = body ? call(url, "POST", "/_lockyard/faults", body, &ans) : 1;
    size_t i;
    json_t *id;
    json_array_foreach (json_object_get(ans, "ids"), i, id)
        printf("%s\n", json_string_value(id));
    free(body);
    json_decref(arr);
    json_decref(ans);
    return rc;
}

static int do_list(const char *url, int as_json)
{
    json_t *ans = NULL;
    if (call(url, "GET", "/_lockyard/faults", NULL, &ans))
        return 1;
    size_t i;
    json_t *rule;
    if (as_json) {
        char *text = json_dumps(ans, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        json_t *all = json_object_get(ans, "faults");
        if (json_array_size(all) == 0)
            printf("no fault rules\n");
        json_array_foreach (all, i, rule) {
            char text[2048];
            rule_text(rule, text, sizeof text);
            printf("%-6s matched %-5lld fired %-5lld %s\n",
                   json_string_value(json_object_get(rule, "id")),
                   (long long)json_integer_value(json_object_get(rule, "matched")),
                   (long long)json_integer_value(json_object_get(rule, "fired")), text);
        }
    }
    json_decref(ans);
    return 0;
}

static int do_verb(const char *url, const char *verb, int n, char **args, int as_json)
{
    char path[256];
    int rc = 0;
    if (strcmp(verb, "add") == 0)
        return n ? do_add(url, n, args) : (fprintf(stderr, "lockyard fault add: no RULE\n"), 2);
    if (strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0)
        return n ? (fprintf(stderr, "lockyard fault list: takes no arguments\n"), 2)
                 : do_list(url, as_json);
    if (strcmp(verb, "clear") == 0)
        return n ? (fprintf(stderr, "lockyard fault clear: takes no arguments\n"), 2)
                 : call(url, "DELETE", "/_lockyard/faults", NULL, NULL);
    if (strcmp(verb, "rm") == 0) {
        if (!n)
            return fprintf(stderr, "lockyard fault rm: no rule ID\n"), 2;
        for (int i = 0; i < n && !rc; i++) {
            snprintf(path, sizeof path, "/_lockyard/faults/%.200s", args[i]);
            rc = strspn(args[i], "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(args[i])
                     ? (fprintf(stderr, "lockyard fault rm: bad rule ID '%s'\n", args[i]), 2)
                     : call(url, "DELETE", path, NULL, NULL);
        }
        return rc;
    }
    if (strcmp(verb, "release") == 0) {
        if (n > 1)
            return fprintf(stderr, "lockyard fault release: at most one rule ID\n"), 2;
        json_t *body = n ? json_pack("{s:s}", "id", args[0]) : json_object(), *ans = NULL;
        char *text = json_dumps(body, JSON_COMPACT);
        rc = text ? call(url, "POST", "/_lockyard/release", text, &ans) : 1;
        if (!rc)
            printf("released %lld\n",
                   (long long)json_integer_value(json_object_get(ans, "released")));
        free(text);
        json_decref(body);
        json_decref(ans);
        return rc;
    }
    fprintf(stderr, "lockyard fault: unknown action '%s' (add, list, rm, clear, release)\n", verb);
    return 2;
}

int cli_cmd_fault(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, 0, 's'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *server = NULL;
    int c, as_json = 0;
    optind = 1;
    while ((c = cli_getopt("fault", argc, argv, ":h", opts)) != -1) {
        if (c == 's')
            server = optarg;
        else if (c == 'j')
            as_json = 1;
        else if (c == 'h')
            return fault_usage(stdout), 0;
        else
            return 2;
    }
    if (optind >= argc) {
        fault_usage(stderr);
        return 2;
    }
    const char *url = cli_server_url("fault", server);
    return url ? do_verb(url, argv[optind], argc - optind - 1, argv + optind + 1, as_json) : 2;
}
