# The load balancer of docker/compose.yaml: Debian's nginx on the same base as neurond,
# so the stack builds from one local base image.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light curl \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
