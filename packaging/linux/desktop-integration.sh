#!/bin/sh
# Add DeepSeek Local to the current user's application launcher, or take it out again.
#
#   desktop-integration.sh install PROGRAM   # PROGRAM: absolute path of the deepseek-local launcher
#   desktop-integration.sh uninstall
#
# Installs packaging/linux/deepseek-local.desktop into $XDG_DATA_HOME/applications (default
# ~/.local/share) with Exec/TryExec rewritten to PROGRAM, so the entry works without PROGRAM's
# folder on the session's PATH (and disappears from the launcher if PROGRAM is deleted), and the
# icons into $XDG_DATA_HOME/icons/hicolor. `uninstall` removes exactly those files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
hicolor=$data/icons/hicolor
id=deepseek-local
sizes="16 32 48 64 128 256 512"

# The files this script owns, one per line.
owned() {
    echo "$apps/$id.desktop"
    for size in $sizes; do
        echo "$hicolor/${size}x$size/apps/$id.png"
    done
    echo "$hicolor/scalable/apps/$id.svg"
}

# Refresh the launcher caches, but only where a cache already exists: without one, desktops read
# the folders directly, and creating one would leave a file behind that uninstall cannot own.
refresh() {
    if [ -f "$apps/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$apps" || true
    fi
    if [ -f "$hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -f -t "$hicolor" || true
    fi
}

install_entry() {
    prog=$1
    case $prog in
        /*) ;;
        *) echo "install: PROGRAM must be an absolute path, got '$prog'" >&2; exit 2 ;;
    esac
    if [ ! -x "$prog" ]; then
        echo "install: $prog does not exist or is not executable; run 'make venv' first." >&2
        exit 1
    fi
    # Characters the Exec key would need escaped (desktop entry spec, "The Exec key").
    case $prog in
        *'"'* | *'`'* | *'$'* | *'\'* | *'%'*)
            echo "install: cannot write '$prog' into a .desktop file; move the checkout to a" \
                 "path without \" \` \$ \\ or %." >&2
            exit 1 ;;
    esac
    sed_prog=$(printf '%s' "$prog" | sed 's/[&|]/\\&/g')

    mkdir -p "$apps"
    tmp=$apps/.$id.desktop.tmp
    sed -e "s|^Exec=$id |Exec=\"$sed_prog\" |" -e "s|^TryExec=$id\$|TryExec=$sed_prog|" \
        "$here/$id.desktop" > "$tmp"
    grep -q "^Exec=\"$prog\" " "$tmp" || { rm -f "$tmp"; echo "install: Exec rewrite failed" >&2; exit 1; }
    chmod 644 "$tmp"
    mv "$tmp" "$apps/$id.desktop"

    for size in $sizes; do
        install -D -m 644 "$root/resources/icons/$id-$size.png" "$hicolor/${size}x$size/apps/$id.png"
    done
    install -D -m 644 "$root/resources/icons/$id.svg" "$hicolor/scalable/apps/$id.svg"
    refresh
    if command -v desktop-file-validate >/dev/null 2>&1; then
        desktop-file-validate "$apps/$id.desktop"
    fi
    echo "Installed $apps/$id.desktop (runs $prog) and icons in $hicolor."
    echo "DeepSeek Local now appears in the application launcher; 'make uninstall-desktop' removes it."
}

uninstall_entry() {
    owned | while IFS= read -r path; do
        if [ -e "$path" ]; then
            rm -f "$path"
            echo "removed $path"
        fi
        # Folders install created (hicolor/512x512/apps, ...), only when nothing else is in them.
        case $path in
            "$hicolor"/*) rmdir "$(dirname "$path")" "$(dirname "$(dirname "$path")")" 2>/dev/null || true ;;
        esac
    done
    refresh
}

case ${1:-} in
    install) [ $# -eq 2 ] || { echo "usage: $0 install PROGRAM" >&2; exit 2; }; install_entry "$2" ;;
    uninstall) uninstall_entry ;;
    files) owned ;;
    *) echo "usage: $0 install PROGRAM | uninstall | files" >&2; exit 2 ;;
esac
