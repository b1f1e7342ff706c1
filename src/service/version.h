/*
 * version.h: the version of neurond, and the commit it was built from (the Makefile
 * writes the commit into a generated commit.h and defines NEUROND_COMMIT_H for the
 * files that include this one; "unknown" outside a git checkout).
 */
#ifndef NEUROND_SERVICE_VERSION_H
#define NEUROND_SERVICE_VERSION_H

#define NEUROND_VERSION "2.0.0"

#ifdef NEUROND_COMMIT_H
#include "commit.h"
#endif
#ifndef NEUROND_COMMIT
#define NEUROND_COMMIT "unknown"
#endif

#endif /* NEUROND_SERVICE_VERSION_H */
