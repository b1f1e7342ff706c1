/*
 * mhd_fixed.c: the ceiling for the benchmark. A bare libmicrohttpd server, configured
 * as neurond is (internal polling thread, epoll, a thread pool of one thread per
 * core), that reads and discards each request body and answers every request with
 * the same fixed body, read once from a file. Nothing is parsed or computed.
 *
 *   mhd_fixed PORT BODY_FILE [THREADS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <microhttpd.h>

static char *fixed;
static size_t fixed_len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **req_cls)
{
  struct MHD_Response *resp;
  enum MHD_Result ret;
  (void)cls, (void)url, (void)method, (void)version, (void)upload_data;

  if (*req_cls == NULL) {
    *req_cls = conn; /* any non-NULL marker: the headers have arrived */
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0; /* discard the body */
    return MHD_YES;
  }
  resp = MHD_create_response_from_buffer(fixed_len, fixed, MHD_RESPMEM_PERSISTENT);
  if (resp == NULL)
    return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "application/json");
  ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return ret;
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *p;
  long n;
  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
    if (f != NULL)
      fclose(f);
    return NULL;
  }
  rewind(f);
  p = malloc((size_t)n + 1);
  if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return p;
}

int main(int argc, char **argv)
{
  struct MHD_Daemon *d;
  unsigned threads;
  sigset_t set;
  int sig;

  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT BODY_FILE [THREADS]\n", argv[0]);
    return 2;
  }
  fixed = slurp(argv[2], &fixed_len);
  if (fixed == NULL) {
    perror(argv[2]);
    return 1;
  }
  threads = argc > 3 ? (unsigned)atoi(argv[3]) : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
                       (uint16_t)atoi(argv[1]), NULL, NULL, &answer, NULL,
                       MHD_OPTION_THREAD_POOL_SIZE, threads,
                       MHD_OPTION_CONNECTION_LIMIT, 1024u,
                       MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  if (d == NULL) {
    fprintf(stderr, "mhd_fixed: cannot start on port %s\n", argv[1]);
    return 1;
  }
  printf("mhd_fixed listening on port %s\n", argv[1]);
  fflush(stdout);
  sigwait(&set, &sig);
  MHD_stop_daemon(d);
  free(fixed);
  return 0;
}
