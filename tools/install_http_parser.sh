#!/usr/bin/env bash
# Install http-parser 0.9.0 (required by pymesos 0.3.15) without its C extension.
# Its shipped C file does not compile on Python >= 3.11 (it includes longintrepr.h,
# which moved), and setup.py has no switch to skip it. The package's pure-Python
# parser works, and pymesos falls back to it by itself, so we fetch the sdist and
# build it with the extension turned off. Nothing of it is kept in this repo.
set -euo pipefail
py=${1:?usage: install_http_parser.sh PYTHON}
if "$py" -c 'import http_parser.pyparser' 2>/dev/null; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" -m pip download -q --no-deps --no-binary :all: -d "$work" http-parser==0.9.0
tar -xzf "$work"/http-parser-0.9.0.tar.gz -C "$work"
sed -i 's/run_setup(not IS_PYPY)/run_setup(False)/' "$work"/http-parser-0.9.0/setup.py
grep -q 'run_setup(False)' "$work"/http-parser-0.9.0/setup.py
"$py" -m pip install -q "$work"/http-parser-0.9.0
