/*
 * check.h - assertions that stay on in every build.
 *
 * LY_ASSERT is for programmer errors only: client input never reaches an
 * assertion, it becomes an AWS error instead.
 */
#ifndef LOCKYARD_CHECK_H
#define LOCKYARD_CHECK_H

void ly_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#define LY_ASSERT(x) ((x) ? (void)0 : ly_assert_fail(#x, __FILE__, __LINE__))
#define LY_STATIC_ASSERT(x, msg) _Static_assert(x, msg)
#define LY_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
