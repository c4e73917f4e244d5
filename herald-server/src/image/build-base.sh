#!/usr/bin/env bash
# Builds the base image of Herald's container image: a slim Debian bookworm with the headless
# OpenJDK 17 runtime and an unprivileged user `herald` (uid and gid 10001), made by debootstrap
# from Debian's packages, because no container registry (and so no published base image) may be
# reachable. The result is a `docker save`-style tar, the one local format Jib's tar:// base reads.
#
# Usage: build-base.sh OUT.tar
# The tar is built once into a cache ($HERALD_IMAGE_CACHE, default ~/.cache/herald) keyed by this
# script's content, then linked (or copied) to OUT.tar. A cached base older than
# $HERALD_IMAGE_BASE_MAX_AGE_DAYS (default 14) is built anew, to pick up Debian's security fixes.
# Needs root and debootstrap (installed with apt-get when missing and apt-get is there), and
# Debian's package mirrors ($HERALD_DEBIAN_MIRROR, $HERALD_DEBIAN_SECURITY_MIRROR).
set -euo pipefail

out="${1:?usage: build-base.sh OUT.tar}"
suite=bookworm
mirror="${HERALD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${HERALD_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
cache="${HERALD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/herald}"
key="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
cached="$cache/base-$suite-jre17-$key.tar"

max_age_days="${HERALD_IMAGE_BASE_MAX_AGE_DAYS:-14}"

log() { printf '[image base] %s\n' "$*" >&2; }

fresh() {
    [ -s "$cached" ] && [ -n "$(find "$cached" -mtime "-$max_age_days" 2>/dev/null)" ]
}

publish() {
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    ln "$cached" "$out" 2>/dev/null || cp "$cached" "$out"
}

if fresh; then
    publish
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    log "building the base image needs root (debootstrap); run as root, or skip the image with -DskipImage"
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        log "debootstrap is missing and there is no apt-get to install it; skip the image with -DskipImage"
        exit 1
    fi
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

mkdir -p "$cache"
# One build at a time: parallel builds (other checkouts on the machine) wait, then reuse its tar.
exec 9>"$cache/.lock"
flock 9
if fresh; then
    publish
    exit 0
fi

work="$(mktemp -d "$cache/build.XXXXXX")"
cleanup() {
    # Whatever is still mounted inside (a failed debootstrap's /proc or /sys) first, deepest first.
    awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        umount -l "$m" || true
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/rootfs"
start=$SECONDS

log "debootstrap $suite (minbase, openjdk-17-jre-headless) from $mirror"
debootstrap --variant=minbase --include=openjdk-17-jre-headless "$suite" "$root" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# debootstrap takes packages from the release suite alone; security fixes and stable updates come
# from apt inside the new root.
cat >"$root/etc/apt/sources.list" <<LIST
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
LIST
mount -t proc proc "$root/proc"
if ! chroot "$root" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
        apt-get -y -qq -o Dpkg::Options::=--force-confold upgrade && apt-get clean' >"$work/upgrade.log" 2>&1; then
    tail -n 30 "$work/upgrade.log" >&2
    exit 1
fi
umount "$root/proc"

# An unprivileged user the image runs as, by number (no name lookup needed by the runtime).
chroot "$root" groupadd --gid 10001 herald
chroot "$root" useradd --uid 10001 --gid 10001 --create-home --home-dir /home/herald \
    --shell /usr/sbin/nologin herald

# What a running server never reads: package lists and caches, documentation, manuals, locales.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/locale/* "$root"/usr/share/lintian "$root"/var/log/* "$root"/tmp/* \
    "$root"/root/.[!.]* 2>/dev/null || true
# debootstrap leaves the build host's resolver and hostname; the runtime provides its own.
rm -f "$root"/etc/resolv.conf "$root"/etc/hostname
: >"$root"/etc/machine-id

# The single layer, gzipped as a registry would serve it: numeric owners, fixed order and times.
layer="$work/layer.tar"
tar --numeric-owner --sort=name --mtime='2000-01-01 00:00:00Z' -C "$root" -cf "$layer" .
diff_id="sha256:$(sha256sum "$layer" | cut -d' ' -f1)"
gzip -n -6 "$layer"
mkdir "$work/image"
mv "$layer.gz" "$work/image/layer.tar.gz"

arch="$(dpkg --print-architecture)"
cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created_by":"herald-server/src/image/build-base.sh: debootstrap $suite minbase + openjdk-17-jre-headless"}]}
JSON
config="$(sha256sum "$work/config.json" | cut -d' ' -f1).json"
mv "$work/config.json" "$work/image/$config"
printf '[{"Config":"%s","RepoTags":["localhost/herald-base:%s"],"Layers":["layer.tar.gz"]}]\n' \
    "$config" "$suite" >"$work/image/manifest.json"

# Members named one by one: Jib refuses a tar with a "./" entry.
tar --numeric-owner --mtime='2000-01-01 00:00:00Z' -C "$work/image" -cf "$work/base.tar" \
    manifest.json "$config" layer.tar.gz
mv "$work/base.tar" "$cached"
for old in "$cache"/base-"$suite"-jre17-*.tar; do
    [ "$old" = "$cached" ] || rm -f "$old"
done
log "built $(du -h "$cached" | cut -f1) in $((SECONDS - start)) s: $cached"
publish
