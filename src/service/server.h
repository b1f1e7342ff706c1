/*
 * server.h: the daemon (server.c) as main.c drives it.
 */
#ifndef NEUROND_SERVER_H
#define NEUROND_SERVER_H

#include "service/ctx.h"

struct server;

/* Starts listening with cfg (which must outlive the server); NULL on failure, with a
 * message on stderr. server_port gives the real port (for a cfg->port of 0). */
struct server *server_start(const struct config *cfg);
unsigned server_port(const struct server *s);

/* Stops accepting connections, waits up to `grace_ms` for requests in flight, then
 * stops the daemon and frees s. */
void server_stop(struct server *s, unsigned grace_ms);

#endif /* NEUROND_SERVER_H */
