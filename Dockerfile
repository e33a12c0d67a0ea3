# tagbump's container images: the static release binary on a small base that has `git`.
#
#   docker buildx build --target action -t tagbump:action .   # the GitHub Action runtime (root)
#   docker buildx build --target agent  -t tagbump:agent  .   # the pull agent (uid 65532)
#
# Why not FROM scratch or distroless/static: `tagbump update` (and so `tagbump action`) and
# the agent run the `git` command (src/git), which such an image cannot hold. The binary
# itself is static (glibc linked in, checked by scripts/check-static), so any base runs it;
# Alpine adds git in a few MB. Certificates: Alpine's bundle, named by SSL_CERT_FILE for
# rustls (rustls-native-certs reads it) and used by git's libcurl.
#
# The builder runs on the build machine's platform and cross-compiles for the target
# platform (linux/amd64, linux/arm64): the Rust build is never emulated; only the final
# stages' short RUN lines (apk add, adduser) run on the target platform (QEMU in CI).
#
# Base images are pinned by the digest of their multi-platform index. To refresh one:
#   docker buildx imagetools inspect rust:1.95-bookworm      # the "Digest:" line
#   docker buildx imagetools inspect alpine:3.22
# and replace tag and digest below together (a new Rust release: also rust-toolchain in
# .github/workflows/*.yml).

FROM --platform=$BUILDPLATFORM rust:1.95-bookworm@sha256:6258907abe69656e41cd992e0b705cdcfabcbbe3db374f92ed2d47121282d4a1 AS builder
ARG TARGETARCH
ARG BUILDARCH
SHELL ["/bin/bash", "-e", "-o", "pipefail", "-c"]
# A cross C compiler and glibc (with libc.a) when the target's architecture is not the build
# machine's: aws-lc-sys compiles its C with the target's gcc (its cc builder: no cmake or
# clang needed), and rustc links with it. `file` for scripts/check-static, if missing.
# hadolint ignore=DL3008
RUN pkgs=(); \
    command -v file >/dev/null || pkgs+=(file); \
    if [ "$TARGETARCH" != "$BUILDARCH" ]; then \
      case "$TARGETARCH" in \
        amd64) pkgs+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;; \
        arm64) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;; \
        *) echo "tagbump: no build for $TARGETARCH" >&2; exit 1 ;; \
      esac; \
    fi; \
    if [ ${#pkgs[@]} -gt 0 ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends "${pkgs[@]}"; \
      rm -rf /var/lib/apt/lists/*; \
    fi
ENV CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=x86_64-linux-gnu-gcc \
    CC_x86_64_unknown_linux_gnu=x86_64-linux-gnu-gcc \
    AR_x86_64_unknown_linux_gnu=x86_64-linux-gnu-ar \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
    TAGBUMP_STATIC_TARGET_DIR=/build/target
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY scripts/check-static ./scripts/check-static
# The same build and checks as CI's (static: no INTERP, no NEEDED; under 20 MiB).
RUN case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu ;; \
      *) echo "tagbump: no build for $TARGETARCH" >&2; exit 1 ;; \
    esac; \
    rustup target add "$target"; \
    bin=$(scripts/check-static --target "$target"); \
    cp "$bin" /tagbump

FROM alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce AS runtime
# Versions come with the pinned base's release branch; pinning apk versions would break the
# build on each Alpine security update.
# hadolint ignore=DL3018
RUN apk add --no-cache git ca-certificates \
    && test -s /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /tagbump /tagbump
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.source="https://github.com/tagbump/tagbump" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.description="Bump container image tags in GitOps config repos without disturbing one other byte" \
      org.opencontainers.image.title="tagbump"
ENTRYPOINT ["/tagbump"]

# The GitHub Action runtime: GitHub runs container actions as root, with the workspace
# mounted, and passes inputs as INPUT_* (read by `tagbump action`).
FROM runtime AS action
# hadolint ignore=DL3002
USER 0:0
CMD ["action"]

# The pull agent, in the cluster: a numeric non-root user (runAsNonRoot can check it), with
# a passwd entry and a home so that git finds an identity and a config path.
# kustomize for `render: kustomize` (Alpine's community package); KCL has no Alpine package:
# a source with `render: kcl` needs an image built FROM this one with `kcl` added.
FROM runtime AS agent
# hadolint ignore=DL3018
RUN apk add --no-cache kustomize \
    && adduser -D -u 65532 -h /home/nonroot -s /sbin/nologin nonroot
ENV HOME=/home/nonroot
WORKDIR /home/nonroot
USER 65532:65532
