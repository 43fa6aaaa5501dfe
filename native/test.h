/* Test entry points: the unit-testable pieces, driven from the TypeScript suite (test/unit/native). */
#ifndef TSPOD_TEST_H
#define TSPOD_TEST_H

/*
 *   test-spec SPEC.json            the parsed spec as JSON on stdout
 *   test-user PASSWD GROUP USER    {"uid","gid","groups","home"} of docker's -u text USER
 * Returns the exit status (125 with one line on stderr on error).
 */
int test_main (int argc, char **argv);

#endif
