#!/bin/sh
# Qt's xcb plugin needs system libraries that minimal Linux installs lack; without them the
# window never opens. Say exactly what to install instead of letting Qt fail cryptically.
[ "$(uname -s)" = Linux ] || exit 0
[ -n "$QT_QPA_PLATFORM" ] && exit 0
command -v ldconfig >/dev/null 2>&1 || exit 0
missing=""
for lib in libxcb-cursor.so.0:libxcb-cursor0 libxkbcommon-x11.so.0:libxkbcommon-x11-0 \
    libxcb-icccm.so.4:libxcb-icccm4 libxcb-keysyms.so.1:libxcb-keysyms1 \
    libxcb-shape.so.0:libxcb-shape0 libxcb-render-util.so.0:libxcb-render-util0 \
    libxcb-image.so.0:libxcb-image0 libEGL.so.1:libegl1 libGL.so.1:libgl1 \
    libfontconfig.so.1:libfontconfig1; do
    so=${lib%%:*}; pkg=${lib#*:}
    ldconfig -p 2>/dev/null | grep -q "$so" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "Qt needs system libraries that are missing. On Debian/Ubuntu run:" >&2
    echo "  sudo apt install$missing" >&2
    exit 1
fi
