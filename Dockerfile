# syncfn container image: build on Debian 12, run from an image that holds
# only the program and what it loads (about 20 MB, no shell, no package
# manager).
#
#   docker build -t syncfn .
#   docker run --rm --env-file .env syncfn sync        # one sync, its exit status
#   docker run --rm --env-file .env -p 8080:8080 syncfn # serve one invocation
#
# The final stage is FROM scratch plus the directory that
# tests/image/rootfs.sh assembles (`make image-rootfs`): the binary, its two
# engines, their shared-object closure as ldd resolves it, the loader, the
# CA bundle, /etc/passwd and /etc/group with the user below, /tmp. The same
# script builds the directory that tests/cases/image_rootfs.sh runs under
# chroot, so what is tested here is what ships.

# Pinned by tag and by digest (the multi-arch index of debian:bookworm-slim,
# snapshot 2026-08-03, as recorded by docker-library/repo-info). Refresh
# both together: docker buildx imagetools inspect debian:bookworm-slim
FROM debian:bookworm-slim@sha256:abd67ffcfa541b485a3dff59865ab629aa048a6c613e639d36e7456b0b229241 AS build

# The build's share of `make deps` (the Makefile's DEB_PKGS): the compiler
# and the -dev packages of the five libraries, plus ca-certificates for the
# bundle the image ships. Versions are pinned to the Debian 12 release line
# (patch level left open, so security updates still install and a build
# does not break when the archive drops the previous patch; the CA bundle,
# versioned by its date, by its century only: Debian replaces it on every
# CA update).
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		build-essential=12.9 \
		libcivetweb-dev=1.15+dfsg-* \
		libpq-dev=15.* \
		libcurl4-openssl-dev=7.88.1-10+deb12u* \
		libmbedtls-dev=2.28.* \
		libcjson-dev=1.7.15-* \
		ca-certificates=20* \
	&& rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Makefile ./
COPY runtime/ runtime/
COPY function/ function/
COPY sql/ sql/
COPY tests/image/rootfs.sh tests/image/
RUN make BUILD=build image-rootfs

FROM scratch
COPY --from=build /src/build/rootfs/ /

# A scratch image has no PATH of its own: set it, so that every runtime
# (not only Docker, which adds a default) finds the ENTRYPOINT by name.
ENV PATH=/usr/local/bin
# uid/gid of the "syncfn" entry in the image's /etc/passwd (rootfs.sh).
USER 10001:10001
EXPOSE 8080

# No HEALTHCHECK: the default command serves exactly one invocation and
# exits, so a probe request would be served as that invocation. The
# platform's own start-on-request (Fly Proxy, Cloud Run) needs no probe.
ENTRYPOINT ["syncfn"]
CMD ["serve", "--once"]
