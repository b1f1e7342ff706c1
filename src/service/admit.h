/*
 * admit.h: admission control. One memory budget (--max-memory) covers the request
 * bodies, parsed numbers, outputs and replies of every connection at once: a request
 * takes its estimate from the budget before its body is read and gives it back when it
 * ends; a reply holds its own size from the moment it is queued until libmicrohttpd
 * frees it. Also the server's readiness: not ready while the budget is exhausted or the
 * server is draining (after SIGTERM).
 */
#ifndef NEUROND_SERVICE_ADMIT_H
#define NEUROND_SERVICE_ADMIT_H

#include <stddef.h>

/* A request's estimate of the memory it will use, from its declared body size:
 * ADMIT_FACTOR times Content-Length (the body, its numbers as doubles, the outputs and
 * the reply's text; measured in the README) plus ADMIT_BASE for what every request
 * takes (its context, headers and a small reply). */
#define ADMIT_FACTOR 5
#define ADMIT_BASE ((size_t)64 << 10)
size_t admit_estimate(size_t content_length);

/* Sets the budget (bytes). 0 means no budget: every take succeeds. */
void admit_init(size_t limit);
size_t admit_limit(void);
size_t admit_in_use(void);
/* The budget's default: a share (ADMIT_SHARE_NUM / ADMIT_SHARE_DEN) of the cgroup's
 * memory limit (cgroup v2 memory.max, or v1 memory.limit_in_bytes, the smallest along
 * the path to the root) when there is one, else of physical memory. *from says which
 * ("cgroup" or "physical memory"). */
#define ADMIT_SHARE_NUM 1
#define ADMIT_SHARE_DEN 2
size_t admit_default(const char **from);

/* Takes n bytes from the budget: 0, or -1 when they do not fit (nothing is taken). */
int admit_take(size_t n);
/* Takes n bytes whether or not they fit (memory already allocated, such as a reply). */
void admit_force(size_t n);
/* Gives n bytes back. */
void admit_give(size_t n);
/* Counts a request refused for want of memory (for /metrics). */
void admit_refused(void);
unsigned long long admit_refused_total(void);

/* Exhausted: less than an eighth of the budget is left. */
int admit_exhausted(void);

/* Draining: SIGTERM was received; replies ask the client to close the connection. */
void admit_set_draining(int on);
int admit_draining(void);

#endif /* NEUROND_SERVICE_ADMIT_H */
