/*
 * err.h - lockyard's one error vocabulary.
 *
 * Every internal function returns 0 on success or one of the negative codes
 * below. Handlers map a code to an AWS answer (enum aws_err, lockyard/aws_error.h,
 * one table per service); nothing else invents error strings.
 */
#ifndef LOCKYARD_ERR_H
#define LOCKYARD_ERR_H

#define LY_WARN_UNUSED __attribute__((warn_unused_result))

enum ly_err {
    LY_OK = 0,
    LY_ENOMEM = -1,     /* allocation failed or an arena/buffer cap was hit */
    LY_EINVAL = -2,     /* malformed input */
    LY_ENOENT = -3,     /* no such record */
    LY_EEXIST = -4,     /* record already exists */
    LY_ENOTEMPTY = -5,  /* container still holds records */
    LY_ETOOBIG = -6,    /* input over a configured limit */
    LY_EIO = -7,        /* storage or system failure */
    LY_ECOND = -8,      /* a precondition did not hold */
    LY_ERANGE = -9,     /* value out of range (e.g. an unsatisfiable byte range) */
    LY_EFULL = -10,     /* storage map is full */
    LY_ENOTSUP = -11,   /* valid request we do not implement */
    LY_ECONFLICT = -12, /* a conflicting operation happened concurrently */
    LY_ENOPARENT = -13, /* the container (bucket, table) does not exist */
    LY_ERR_MIN_ = -14
};

/** Short English text for a code; never NULL. */
const char *ly_err_str(int code);

#endif
