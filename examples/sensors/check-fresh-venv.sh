#!/usr/bin/env bash
# The example as a user gets it: a new virtual environment, pip, its own tests, run from a
# copy of this folder outside the lakecore checkout, JVM jars resolved by Spark (no Makefile,
# no build/jars). Fails loudly on any step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3.11 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$repo[spark]"
cp -r "$here" "$work/sensors"
rm -rf "$work/sensors/.pytest_cache"
"$work/venv/bin/pip" install --quiet "$work/sensors[test]"
cd "$work/sensors"
env -u LAKECORE_JARS_DIR SPARK_LOCAL_IP=127.0.0.1 "$work/venv/bin/python" -m pytest -q -p no:cacheprovider
