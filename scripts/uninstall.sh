#!/bin/sh
# Removes what scripts/install.sh put, as its manifest lists: the files, then the directories
# it created (only if they are empty by then). The sample configuration is kept if it was
# edited since (it then differs from packaging/etc/keepalived.conf).
set -eu

prefix=/usr/local
destdir=
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        -h | --help) echo "usage: scripts/uninstall.sh [--prefix DIR] [--destdir DIR]"; exit 0 ;;
        *) echo "uninstall.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
manifest="$destdir$prefix/share/lvsd/install-manifest"
if [ ! -f "$manifest" ]; then
    echo "uninstall.sh: no manifest at $manifest: nothing was installed there by scripts/install.sh" >&2
    exit 1
fi

# Stop and disable the service only when the unit went where systemd reads it (not into a
# staging or test directory).
if [ -z "$destdir" ] && command -v systemctl >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    if grep -Eq '^file (/etc/systemd/system|/lib/systemd/system|/usr/lib/systemd/system)/lvsd.service$' "$manifest"
    then
        systemctl disable --now lvsd.service >/dev/null 2>&1 || true
    fi
fi

sample="$root/packaging/etc/keepalived.conf"
dirs=$(sed -n 's/^dir //p' "$manifest" | sort -r)  # without DESTDIR, as install.sh wrote them
while read -r kind path; do
    [ "$kind" = file ] || continue
    path="$destdir$path"
    [ "$path" = "$manifest" ] && continue
    case "$path" in
        */lvsd/keepalived.conf)
            if [ -f "$path" ] && ! cmp -s "$path" "$sample"; then
                echo "kept $path: it was changed since the install"
                continue
            fi
            ;;
    esac
    rm -f "$path"
done <"$manifest"
rm -f "$manifest"

# Directories deepest first (sorted in reverse, a child comes before its parent); one that
# holds something else by now stays.
for dir in $dirs; do rmdir "$destdir$dir" 2>/dev/null || true; done
echo "uninstalled from $destdir$prefix"
