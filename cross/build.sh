#!/usr/bin/env bash
# Builds a release pillarbox for an ARM box on this x86 Debian/Ubuntu machine,
# with no Docker: the target's libraries come from Debian multiarch
# (dpkg --add-architecture), the linker is Debian's cross GCC, pkg-config
# looks only at the target's .pc files. Then packages it:
#   dist/pillarbox_VERSION_ARCH.deb      install with apt install ./FILE.deb
#   dist/pillarbox-VERSION-ARCH.tar.gz   the same files, for other distributions
#
#   cross/build.sh aarch64|armv7 [--no-package|--deps-only]
#   QA_TOOLS=1 cross/build.sh aarch64    the same with the QA tools in it
set -euo pipefail
source "$(dirname "$0")/common.sh"
set_arch "${1:-}"
package=1
deps_only=""
case "${2:-}" in
    --no-package) package="" ;;
    # What it installs, then stop: CI installs everything before it starts
    # this build beside the tests.
    --deps-only) deps_only=1 ;;
    "") ;;
    *) echo "usage: $0 aarch64|armv7 [--no-package|--deps-only]" >&2; exit 2 ;;
esac

# The host side (rustup, cargo, a native compiler for build scripts).
make -s -C "$PROJECT_DIR" deps
rustup target list --installed | grep -qx "$RUST_TARGET" || rustup target add "$RUST_TARGET"
# The target side: the cross compiler and the -dev packages the Makefile
# installs for the host, in the target's architecture. Debian 12 cannot
# install libgstreamer-plugins-base1.0-dev for two architectures at once
# (it is not Multi-Arch: same): installing the target's would remove the
# host's, and x86 builds beside this one would fail. So that one is unpacked
# under target/ instead (unpack_dev, common.sh), and the packages it depends
# on are installed.
apt_install "gcc-$GNU_TRIPLET" "libc6-dev-$DEB_ARCH-cross" dpkg-dev \
    "libgstreamer1.0-dev:$DEB_ARCH" \
    "libfontconfig1-dev:$DEB_ARCH" "libxkbcommon-dev:$DEB_ARCH" "libinput-dev:$DEB_ARCH" \
    "libudev-dev:$DEB_ARCH" "libgbm-dev:$DEB_ARCH" "libdrm-dev:$DEB_ARCH"
unpack_dev libgstreamer-plugins-base1.0-dev
[ "$deps_only" ] && exit 0

target_env=$(echo "$RUST_TARGET" | tr 'a-z-' 'A-Z_')
export "CARGO_TARGET_${target_env}_LINKER=$GNU_TRIPLET-gcc"
export "CC_${RUST_TARGET//-/_}=$GNU_TRIPLET-gcc"
export "AR_${RUST_TARGET//-/_}=$GNU_TRIPLET-ar"
# AES-128 HLS on the ARMv8 crypto instructions (the aes crate checks for
# them at run time and falls back to software without them).
if [ "$RUST_TARGET" = aarch64-unknown-linux-gnu ]; then
  export "CARGO_TARGET_${target_env}_RUSTFLAGS=--cfg aes_armv8"
fi
# Only the target's libraries: a host .pc file would link x86 code.
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_LIBDIR="$UNPACKED_PC:/usr/lib/$GNU_TRIPLET/pkgconfig:/usr/share/pkgconfig"
unset PKG_CONFIG_PATH

cd "$PROJECT_DIR"
# The box build: linuxkms only, no winit (PILLARBOX_FEATURES=tv,winit for a
# box that runs a window system), and no test tools: QA_TOOLS=1 adds the
# qa, screenshot and soak commands and the network fault plan, for an image
# that QA runs scenarios on, on the device. The package is crates/box: the
# same main.rs, in a package of its own so that it links at full speed
# (Cargo.toml, [profile.box]).
features="${PILLARBOX_FEATURES:-tv}"
[ "${QA_TOOLS:-}" = 1 ] && features="$features,qa"
cargo build --profile "$PROFILE" --locked --target "$RUST_TARGET" -p pillarbox-box --bin pillarbox \
    --no-default-features --features "$features"
bin="target/$RUST_TARGET/$PROFILE_DIR/pillarbox"
echo "built $bin ($(stat -c %s "$bin") bytes)"
command -v file >/dev/null && file "$bin"
[ -n "$package" ] || exit 0

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/pillarbox_${version}_$DEB_ARCH"
# Symbols stripped (the box profile already is; others are not): a quarter
# of the file, and boxes have little flash.
install -Dm755 "$bin" "$root/usr/bin/pillarbox"
"$GNU_TRIPLET-strip" "$root/usr/bin/pillarbox"
install -Dm644 platform/systemd/pillarbox.service "$root/usr/lib/systemd/system/pillarbox.service"
# Profiles and the keymap are built in; these copies are what a partner
# edits into /etc/pillarbox/boards/ or the state directory's keymap.toml.
install -Dm644 -t "$root/usr/share/pillarbox/boards" platform/boards/*.toml
install -Dm644 -t "$root/usr/share/pillarbox/keymaps" platform/keymaps/*.toml
install -Dm644 -t "$root/usr/share/pillarbox/udev" platform/udev/*
install -Dm644 -t "$root/usr/share/doc/pillarbox" README.md docs/integrating.md docs/tv.md

mkdir -p dist
tar -C "$stage" -czf "dist/pillarbox-$version-$DEB_ARCH.tar.gz" "$(basename "$root")"

# What the binary links, as Debian packages; the plugins it loads at run time;
# the UI's fonts (Latin, Arabic; CJK, 91 MB, recommended: a box without
# Chinese viewers may leave it out, and `pillarbox probe` says so).
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: pillarbox
Version: $version
Architecture: $DEB_ARCH
Maintainer: pillarbox developers <pillarbox@localhost>
Section: video
Priority: optional
Depends: libc6, libgcc-s1, libgstreamer1.0-0 (>= 1.22), libgstreamer-plugins-base1.0-0 (>= 1.22),
 libgstreamer-gl1.0-0 (>= 1.22),
 gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad,
 gstreamer1.0-libav, libfontconfig1, libxkbcommon0, libinput10, libudev1, libgbm1, libdrm2,
 libegl1, fonts-dejavu-core, fonts-noto-ui-core, publicsuffix
Recommends: gstreamer1.0-plugins-ugly, gstreamer1.0-gl, gstreamer1.0-x, libgl1-mesa-dri,
 fonts-noto-cjk, gstreamer1.0-espeak
Description: micro-drama player for smart TVs and set-top boxes
 A TV front end that fetches a partner's catalog over HTTPS and plays short
 vertical episodes, pillarboxed on a 16:9 screen. Enable with
 systemctl enable --now pillarbox.
EOF
dpkg-deb --root-owner-group -Zxz --build "$root" "dist/pillarbox_${version}_$DEB_ARCH.deb" >/dev/null
ls -l "$root/usr/bin/pillarbox" dist/pillarbox-"$version"-"$DEB_ARCH".tar.gz \
    dist/pillarbox_"$version"_"$DEB_ARCH".deb
