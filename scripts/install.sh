#!/bin/sh
# Installs SwiftLVS: lvsd, lvsadm and lvs-realserver, their man pages, the systemd unit and a
# sample /etc/lvsd/keepalived.conf (only if there is none). Every file and directory it creates
# is listed in a manifest, which `scripts/uninstall.sh` (or `install.sh --uninstall`) reads to
# remove exactly those. See README.md "Installing".
set -eu

usage() {
    cat <<'EOF'
usage: scripts/install.sh [options]
  --prefix DIR       where bin/man files go: DIR/sbin, DIR/share/man/man8 (default /usr/local)
  --destdir DIR      stage everything under DIR (for packaging); paths inside files stay unprefixed
  --sysconfdir DIR   where lvsd/keepalived.conf goes (default /etc)
  --systemd-dir DIR  where lvsd.service goes (default /etc/systemd/system)
  --build-dir DIR    take the binaries from DIR (default .build/release)
  --no-build         do not run `swift build -c release`; use what DIR already holds
  --uninstall        remove what an earlier install with the same --prefix/--destdir put
  -h, --help         this text
EOF
}

prefix=/usr/local
destdir=
sysconfdir=/etc
systemddir=/etc/systemd/system
builddir=
build=yes
uninstall=no
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        --sysconfdir) sysconfdir=${2:?--sysconfdir needs a directory}; shift 2 ;;
        --systemd-dir) systemddir=${2:?--systemd-dir needs a directory}; shift 2 ;;
        --build-dir) builddir=${2:?--build-dir needs a directory}; shift 2 ;;
        --no-build) build=no; shift ;;
        --uninstall) uninstall=yes; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
manifest="$destdir$prefix/share/lvsd/install-manifest"

if [ "$uninstall" = yes ]; then
    exec "$root/scripts/uninstall.sh" --prefix "$prefix" ${destdir:+--destdir "$destdir"}
fi

if [ -e "$manifest" ]; then
    echo "install.sh: $manifest exists: run scripts/uninstall.sh first (or install into another prefix)" >&2
    exit 1
fi

if [ -z "$builddir" ]; then builddir="$root/.build/release"; fi
if [ "$build" = yes ]; then
    echo "building (swift build -c release; the first build takes several minutes)"
    (cd "$root" && swift build -c release)
fi
for binary in lvsd lvsadm lvs-realserver; do
    if [ ! -x "$builddir/$binary" ]; then
        echo "install.sh: $builddir/$binary is missing: build first, or drop --no-build" >&2
        exit 1
    fi
done

# The manifest lists the paths as they are on the target system (without DESTDIR).
created_list=$(mktemp)
trap 'rm -f "$created_list"' EXIT
makedir() { # DIR: creates missing parents too, remembering each one it made
    missing=
    dir=$1
    while [ ! -d "$dir" ]; do
        missing="$dir $missing"
        dir=$(dirname "$dir")
    done
    for dir in $missing; do
        mkdir -m 0755 "$dir"
        echo "dir ${dir#"$destdir"}" >>"$created_list"
    done
}
put() { # MODE SOURCE TARGET
    makedir "$(dirname "$3")"
    install -m "$1" "$2" "$3"
    echo "file ${3#"$destdir"}" >>"$created_list"
}

sbindir="$destdir$prefix/sbin"
mandir="$destdir$prefix/share/man/man8"
for binary in lvsd lvsadm lvs-realserver; do put 0755 "$builddir/$binary" "$sbindir/$binary"; done
for page in lvsd lvsadm lvs-realserver; do put 0644 "$root/docs/man/$page.8" "$mandir/$page.8"; done

unit=$(mktemp)
sed "s|@SBINDIR@|$prefix/sbin|g" "$root/packaging/systemd/lvsd.service" >"$unit"
put 0644 "$unit" "$destdir$systemddir/lvsd.service"
rm -f "$unit"

config="$destdir$sysconfdir/lvsd/keepalived.conf"
if [ -e "$config" ]; then
    echo "kept the existing $config"
else
    put 0644 "$root/packaging/etc/keepalived.conf" "$config"
fi

makedir "$(dirname "$manifest")"
cp "$created_list" "$manifest"
echo "file ${manifest#"$destdir"}" >>"$manifest"
chmod 0644 "$manifest"
echo "installed into $destdir$prefix (manifest: $manifest)"
if [ -z "$destdir" ] && [ "$systemddir" = /etc/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    echo "next: systemctl daemon-reload && systemctl enable --now lvsd"
fi
