# Shared by cross/build.sh and cross/test.sh: what each target architecture
# is called by Rust, Debian and GCC, and how to install Debian packages.
# Sourced, not run.

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export PATH="$HOME/.cargo/bin:$PATH"
# The Cargo profile built: `box` (Cargo.toml: LTO, one codegen unit, stripped;
# PILLARBOX_PROFILE picks another: CI builds `dev`, quicker, see .ci/run).
PROFILE="${PILLARBOX_PROFILE:-box}"
PROFILE_DIR="$PROFILE"
[ "$PROFILE" = dev ] && PROFILE_DIR=debug

usage_arch() {
    echo "usage: $0 aarch64|armv7" >&2
    exit 2
}

# Sets RUST_TARGET, DEB_ARCH, GNU_TRIPLET and QEMU for $1.
set_arch() {
    case "${1:-}" in
        aarch64 | arm64)
            RUST_TARGET=aarch64-unknown-linux-gnu
            DEB_ARCH=arm64
            GNU_TRIPLET=aarch64-linux-gnu
            QEMU=qemu-aarch64-static
            ;;
        armv7 | armhf)
            RUST_TARGET=armv7-unknown-linux-gnueabihf
            DEB_ARCH=armhf
            GNU_TRIPLET=arm-linux-gnueabihf
            QEMU=qemu-arm-static
            ;;
        *) usage_arch ;;
    esac
}

# Installs the Debian packages named (pkg or pkg:arch) that are missing,
# after enabling $DEB_ARCH as a foreign architecture.
apt_install() {
    if ! dpkg --print-foreign-architectures | grep -qx "$DEB_ARCH"; then
        echo "enabling the $DEB_ARCH architecture in dpkg"
        $SUDO dpkg --add-architecture "$DEB_ARCH"
        APT_UPDATED=""
    fi
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return 0
    echo "installing: ${missing[*]}"
    if [ -z "${APT_UPDATED:-}" ]; then
        # A mirror caught mid-sync fails an index now and then: try again.
        local try
        for try in 1 2 3; do
            $SUDO apt-get update -qq && break
            if [ "$try" = 3 ]; then
                # Go on with the indexes that did load: the install below
                # fails, naming the package, if what it needs is not there.
                echo "apt-get update failed 3 times; going on with the indexes it has" >&2
                break
            fi
            echo "apt-get update failed; retrying in 20 s" >&2
            sleep 20
        done
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Unpacks the target's build of a -dev package that Debian cannot install
# beside the host's (not Multi-Arch: same) under target/cross-dev/, after
# installing what it depends on (libraries, other -dev packages) for the
# target. Sets UNPACKED_PC to the directory of its pkg-config files: their
# prefix points into the unpacked tree, and its lib*.so links point at the
# target's libraries installed under /usr/lib/$GNU_TRIPLET.
unpack_dev() {
    local pkg="$1" record dep version dir link tmp wanted=()
    record=$(apt-cache show --no-all-versions "$pkg:$DEB_ARCH")
    # Depends, first of each alternative, without versions; pkg-config is
    # the host's, gir typelibs are for other languages, libc's is installed.
    for dep in $(sed -n 's/^Depends: //p' <<<"$record" \
        | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' \
        | grep -v -e '^$' -e '^pkg-config$' -e '^gir1\.2-' -e '^libc6-dev$' -e '^libc-dev$'); do
        wanted+=("$dep:$DEB_ARCH")
    done
    apt_install "${wanted[@]}"
    version=$(sed -n 's/^Version: //p' <<<"$record")
    dir="$PROJECT_DIR/target/cross-dev/$pkg-$DEB_ARCH"
    # The .pc files name $dir: a checkout that moved unpacks again.
    if [ "$(cat "$dir/.unpacked" 2>/dev/null)" != "$version $dir" ]; then
        echo "unpacking $pkg:$DEB_ARCH $version into $dir"
        tmp=$(mktemp -d)
        (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg:$DEB_ARCH=$version")
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$tmp"/*.deb "$dir"
        rm -rf "$tmp"
        sed -i "s|^prefix=/usr\$|prefix=$dir/usr|" "$dir/usr/lib/$GNU_TRIPLET/pkgconfig/"*.pc
        for link in "$dir/usr/lib/$GNU_TRIPLET/"*.so; do
            ln -sfn "/usr/lib/$GNU_TRIPLET/$(readlink "$link")" "$link"
        done
        echo "$version $dir" >"$dir/.unpacked"
    fi
    UNPACKED_PC="$dir/usr/lib/$GNU_TRIPLET/pkgconfig"
}
