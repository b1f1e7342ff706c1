/*
 * version.h: the version of neurond, as the server reports it.
 */
#ifndef NEUROND_SERVICE_VERSION_H
#define NEUROND_SERVICE_VERSION_H

#define NEUROND_VERSION "2.0.0"

#endif /* NEUROND_SERVICE_VERSION_H */
