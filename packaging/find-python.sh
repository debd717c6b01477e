#!/bin/sh
# Print the path of the first Python >= 3.12 on this machine (PATH first, then pyenv), or nothing.
for cand in python3.12 python3.13 python3 \
    "$HOME"/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python; do
    path=$(command -v "$cand" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        echo "$path"
        exit 0
    fi
done
