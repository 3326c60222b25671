/* secret_equal.h - compares secrets (tokens, signing keys) in constant
 * time, so that how long a comparison takes tells nothing about them. */
#ifndef SYNCFN_SECRET_EQUAL_H
#define SYNCFN_SECRET_EQUAL_H

/* 1 when the NUL-terminated strings are equal. The time depends only on
 * the length of `expected` (the secret we hold), never on where `given`
 * differs. */
int secret_equal(const char *expected, const char *given);

#endif
