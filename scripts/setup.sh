#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/setup.sh — make this machine ready to build, test and demo spate.
#
# On a fresh Debian 12 as root: installs every dependency (Debian packages,
# then the e2e harness's npm packages, pinned by tests/e2e/package-lock.json),
# reserves 2 MB hugepages and mounts hugetlbfs, then configures and builds
# the default tree.  Idempotent and quiet: a second run does no network
# access and prints one line.  Tool output goes to out/logs/setup.log, which
# is printed when a step fails; exit status is non-zero on failure.  A
# missing hugepage reservation is only a warning (DPDK falls back to
# --no-huge).
#
# Environment:
#   SPATE_BUILD_DIR    build tree to set up and build (default: build)
#   SPATE_HUGEPAGES    2 MB hugepages to reserve (default: 512; 0 = skip)
#   SPATE_SETUP_BUILD  0 = install and configure the machine only, no build
set -Eeuo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD_DIR=${SPATE_BUILD_DIR:-build}
HUGEPAGES=${SPATE_HUGEPAGES:-512}
LOG_DIR=$ROOT/out/logs
LOG=$LOG_DIR/setup.log

# ---------------------------------------------------------------------------
# Debian packages: the one list.  Add new dependencies here, grouped by who
# needs them.  (Planned: gstreamer1.0-tools + plugins, varnish, nginx, hping3.)
DEBIAN_PACKAGES=(
    # toolchain and build
    build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
    python3 python3-pyelftools
    # libraries the layers link
    dpdk dpdk-dev libdpdk-dev
    libavformat-dev libavcodec-dev libavutil-dev
    libssl-dev liburing-dev libhyperscan-dev
    # unit tests
    libcmocka-dev
    # e2e tests and demo: streams, players, clients
    ffmpeg chromium fonts-liberation ca-certificates
    iproute2 curl wrk jq
    # dataplane e2e: ping, loss injection where the kernel has no sch_netem
    iputils-ping nftables
    # RTMP interop: GStreamer's rtmp2sink is the second independent publisher
    # (rtmp2sink/voaacenc: bad, x264enc: ugly, flvmux: good)
    gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
    # benchmarks: GNU time for CPU/RSS; nginx as the side-by-side origin
    # (Debian's package does not start a service here; the bench runs its
    # own instance with its own config inside the bench namespace)
    time nginx-light
)

# ---------------------------------------------------------------------------
mkdir -p "$LOG_DIR"
: >"$LOG"

# Only one setup at a time (test.sh and demo.sh both call this).
exec 9>"$LOG_DIR/setup.lock"
flock 9

step=''
on_error() {
    local rc=$?
    trap - ERR
    echo "setup.sh: FAILED at step '$step' (exit $rc). Last lines of $LOG:" >&2
    tail -n 60 "$LOG" | sed 's/^/    /' >&2
    exit "$rc"
}
trap on_error ERR

warn() { echo "setup.sh: warning: $*" >&2; }

# run STEP CMD... — output to the log; a failure prints the log and exits.
run() {
    step=$1; shift
    echo "==== $step: $*" >>"$LOG"
    "$@" >>"$LOG" 2>&1
}

SUDO=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null; then SUDO=(sudo -n); else SUDO=(false); fi
fi

installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]
}

# --- Debian packages --------------------------------------------------------
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done
# Node.js: keep whatever node is there (e.g. NodeSource's, which bundles npm
# and conflicts with Debian's npm); install Debian's only when there is none.
if ! command -v node >/dev/null; then
    missing+=(nodejs)
fi
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    run "apt-get update" "${SUDO[@]}" apt-get update -q
    run "install ${missing[*]}" "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v npm >/dev/null; then
    # Only reachable with Debian's nodejs, which ships npm separately.
    if dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
        echo "setup.sh: NodeSource's nodejs is installed but npm is missing: reinstall nodejs" >&2
        exit 1
    fi
    run "install npm" "${SUDO[@]}" apt-get install -y -q --no-install-recommends npm
fi

# --- npm packages of the e2e harness (no browser download: Debian's chromium) --
e2e=$ROOT/tests/e2e
stamp=$e2e/node_modules/.spate-lock.sha256
want=$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    run "npm ci (tests/e2e)" env PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
        npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
fi

# --- hugepages (warn, never fail) -------------------------------------------
if ((HUGEPAGES > 0)); then
    nr=/proc/sys/vm/nr_hugepages
    have=$(cat "$nr" 2>/dev/null || echo 0)
    if ((have < HUGEPAGES)); then
        echo "$HUGEPAGES" | "${SUDO[@]}" tee "$nr" >>"$LOG" 2>&1 || true
        have=$(cat "$nr" 2>/dev/null || echo 0)
        ((have >= HUGEPAGES)) ||
            warn "only $have of $HUGEPAGES 2 MB hugepages reserved; the dataplane will fall back to --no-huge"
    fi
    if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
        { "${SUDO[@]}" mkdir -p /dev/hugepages &&
            "${SUDO[@]}" mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages; } >>"$LOG" 2>&1 ||
            warn "could not mount hugetlbfs at /dev/hugepages"
    fi
fi

# --- build ------------------------------------------------------------------
if [[ ${SPATE_SETUP_BUILD:-1} != 0 ]]; then
    if [[ -f $BUILD_DIR/build.ninja ]]; then
        : # ninja re-runs meson itself when a meson.build changed
    elif [[ -d $BUILD_DIR/meson-private ]]; then
        run "meson setup --wipe $BUILD_DIR" meson setup --wipe "$BUILD_DIR"
    else
        run "meson setup $BUILD_DIR" meson setup "$BUILD_DIR"
    fi
    run "ninja -C $BUILD_DIR" ninja -C "$BUILD_DIR"
fi

echo "setup.sh: ready ($(node --version 2>/dev/null || echo 'no node'), hugepages $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo '?'), build: $BUILD_DIR/, log: ${LOG#"$ROOT"/})"
