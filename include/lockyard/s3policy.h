/*
 * s3policy.h - the conditional-write subset of S3 bucket policies (pure).
 *
 * Parses a bucket policy document (JSON, jansson), validates it the way S3 does on
 * PutBucketPolicy (MalformedPolicy with a message), and evaluates its Deny statements for one
 * request. What lockyard enforces: Effect Deny; Action (string or list, `*`/`?` wildcards,
 * case-insensitive) matched against s3:PutObject / s3:DeleteObject / s3:DeleteObjectVersion;
 * Resource (wildcards) matched against arn:aws:s3:::bucket/key; Condition operators Null,
 * StringEquals, StringNotEquals and Bool on the keys s3:if-none-match, s3:if-match and
 * s3:ObjectCreationOperation. Everything else (Allow statements, NotAction, NotResource,
 * principals, other operators or keys) is kept in the document but not enforced; such a
 * statement never denies, and s3policy_unenforced lists it.
 */
#ifndef LOCKYARD_S3POLICY_H
#define LOCKYARD_S3POLICY_H

#include <stddef.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"
#include "lockyard/err.h"

#define S3POLICY_BYTES_MAX 20480

struct s3policy;

/**
 * Parses and validates a policy document. Allocations go to a.
 * @param why  out on LY_EINVAL: the MalformedPolicy message (static text or in a)
 * @return 0, LY_EINVAL (malformed), LY_ETOOBIG (over S3POLICY_BYTES_MAX), LY_ENOMEM
 */
int s3policy_parse(const char *json, size_t len, struct ly_arena *a, struct s3policy **out,
                   const char **why) LY_WARN_UNUSED;

/* One request as the policy sees it. */
struct s3policy_req {
    const char *action;        /* "s3:PutObject", "s3:DeleteObject", … */
    const char *resource;      /* "arn:aws:s3:::bucket/key" */
    const char *if_none_match; /* header values, NULL when absent */
    const char *if_match;
    int creation_op; /* s3:ObjectCreationOperation: 1 PutObject/CopyObject/Complete */
};

/** 1 when an enforced Deny statement matches the request, else 0. */
int s3policy_denies(const struct s3policy *p, const struct s3policy_req *r);

/**
 * Appends a "; "-separated description of what is not enforced to out (nothing when the whole
 * policy is enforced). @return 0 or the buffer's error
 */
int s3policy_unenforced(const struct s3policy *p, struct ly_buf *out) LY_WARN_UNUSED;

#endif
