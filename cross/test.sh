#!/usr/bin/env bash
# Runs the ARM build of pillarbox on this x86 machine under qemu-user, with
# the target's own GStreamer and plugins from Debian multiarch, headless:
#   1. `pillarbox probe` (what the ARM GStreamer offers);
#   2. `pillarbox demo --headless --fast`: the ARM binary encodes vertical
#      demo episodes with GStreamer, serves them from its loopback HLS server
#      and plays them to their end, decoding every frame (no clock: qemu is
#      too slow for real time) and scaling it to the pillarbox size; every
#      episode must report "eos", frames, and none dropped.
# Builds the binary first (cross/build.sh) if it is not there.
#
#   cross/test.sh aarch64|armv7 [EPISODES|--deps-only]
set -euo pipefail
source "$(dirname "$0")/common.sh"
set_arch "${1:-}"
episodes="${2:-2}"

# What the binary loads at run time, in the target's architecture: decoders
# and demuxers to play, x264 and an AAC encoder to make the demo episodes.
apt_install qemu-user-static \
    "gstreamer1.0-plugins-base:$DEB_ARCH" "gstreamer1.0-plugins-good:$DEB_ARCH" \
    "gstreamer1.0-plugins-bad:$DEB_ARCH" "gstreamer1.0-plugins-ugly:$DEB_ARCH" \
    "gstreamer1.0-libav:$DEB_ARCH" "gstreamer1.0-x:$DEB_ARCH"
# CI installs every package before its builds start beside each other.
[ "$episodes" = --deps-only ] && exit 0
case "$episodes" in
    '' | *[!0-9]*) echo "usage: $0 aarch64|armv7 [EPISODES|--deps-only]" >&2; exit 2 ;;
esac

bin="$PROJECT_DIR/target/$RUST_TARGET/$PROFILE_DIR/pillarbox"
[ -x "$bin" ] || "$PROJECT_DIR/cross/build.sh" "$1" --no-package

head -c 20 "$bin" | od -An -tx1 | grep -q '7f 45 4c 46' || { echo "$bin is not an ELF file" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state"
mkdir -p "$HOME"
# qemu-user cannot exec GStreamer's ARM plugin scanner as a child process
# (no binfmt_misc needed this way): plugins are scanned in-process.
export GST_REGISTRY_FORK=no GST_REGISTRY="$work/registry-$DEB_ARCH.bin"
# The binary's loader and libraries are the multiarch ones under /.
export QEMU_LD_PREFIX=/
export RUST_LOG="${RUST_LOG:-warn}"
run() { "$QEMU" "$bin" "$@"; }

echo "== $RUST_TARGET: pillarbox probe (under $QEMU)"
run probe

# The box build carries no test tools unless built with QA_TOOLS=1.
if [ "${QA_TOOLS:-}" != 1 ]; then
    for tool in qa screenshot soak; do
        if run "$tool" --help >/dev/null 2>&1; then
            echo "FAIL: the box build has a '$tool' command" >&2
            exit 1
        fi
    done
    echo "ok: no qa, screenshot or soak command in the box build"
fi

echo "== $RUST_TARGET: pillarbox demo --headless --fast --episodes $episodes"
set +e
run demo --headless --fast --size 608x1080 --json --episodes "$episodes" \
    --cache-dir "$work/cache" >"$work/report.jsonl"
status=$?
set -e
cat "$work/report.jsonl"
ended=$(grep -c '"result":"eos"' "$work/report.jsonl" || true)
complete=$(grep '"result":"eos"' "$work/report.jsonl" | grep -v '"frames":0,' \
    | grep -c '"dropped_frames":0,' || true)
if [ "$status" != 0 ] || [ "$ended" != "$episodes" ] || [ "$complete" != "$episodes" ]; then
    echo "FAIL: exit $status; $ended of $episodes episodes ended, $complete with every frame" >&2
    exit 1
fi
echo "ok: $RUST_TARGET played $episodes generated episodes to their end under $QEMU"
