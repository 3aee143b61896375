// SPDX-License-Identifier: MIT
/*
 * 640 trivial tests for test_harness.c: more registrations than the old
 * fixed table of 512 held. Not a test_* binary: tests/run.sh does not run
 * it (its 640 would count as tests of the project).
 */
#include "test.h"

#define T1(p)	TEST(many_##p) { }
#define T10(p)	T1(p##0) T1(p##1) T1(p##2) T1(p##3) T1(p##4) T1(p##5) T1(p##6) T1(p##7) T1(p##8) T1(p##9)
#define T100(p)	T10(p##0) T10(p##1) T10(p##2) T10(p##3) T10(p##4) T10(p##5) T10(p##6) T10(p##7) \
		T10(p##8) T10(p##9)
T100(a) T100(b) T100(c) T100(d) T100(e) T100(f) T10(g0) T10(g1) T10(g2) T10(g3)
