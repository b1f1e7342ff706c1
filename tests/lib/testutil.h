/*
 * testutil.h: what every Check suite shares: a main() per suite binary and the
 * ULP distance used by accuracy tests.
 */
#ifndef NEUROND_TESTUTIL_H
#define NEUROND_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>

#include <check.h>

/* Each tests/check_<unit>.c ends with CHECK_MAIN(make_suite): runs it, exits non-zero
 * on any failure. */
#define CHECK_MAIN(make_suite)                                                   \
  int main(void)                                                                 \
  {                                                                              \
    SRunner *sr = srunner_create(make_suite());                                  \
    int failed;                                                                  \
    srunner_run_all(sr, CK_NORMAL);                                              \
    failed = srunner_ntests_failed(sr);                                          \
    srunner_free(sr);                                                            \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                            \
  }

/* Distance in units in the last place between two doubles: the number of doubles
 * strictly between them, plus one (0 when equal; +0 and -0 are equal). A NaN on
 * either side, unless both are NaN, is UINT64_MAX. */
uint64_t ulp_distance(double a, double b);

#endif /* NEUROND_TESTUTIL_H */
