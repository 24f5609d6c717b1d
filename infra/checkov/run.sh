#!/usr/bin/env bash
# checkov on infra/terraform, offline. Exits non-zero when any check fails.
#
#   infra/checkov/run.sh [VENV]     VENV defaults to .venv-checkov at the repo root
#
# The virtualenv is created on first use and (re)filled whenever requirements.txt changes.
# Nothing is sent anywhere: no Bridgecrew/Prisma API key is used, the platform mapping and
# guideline downloads are off, and external Terraform modules are not downloaded.
# Skips live next to the code they excuse, as `#checkov:skip=CKV_...:<justification>`.
# Env: PYTHON (interpreter for a new venv, default python3.11).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${1:-${repo}/.venv-checkov}"
[[ "${venv}" == /* ]] || venv="${PWD}/${venv}"
requirements="${repo}/infra/checkov/requirements.txt"
python="${PYTHON:-python3.11}"

if [[ ! -x "${venv}/bin/python" ]]; then
  echo "== creating ${venv}"
  "${python}" -m venv "${venv}"
fi

stamp="${venv}/.lakecore-checkov-requirements"
if ! cmp -s "${requirements}" "${stamp}"; then
  echo "== installing $(grep -v '^#' "${requirements}" | xargs) into ${venv}"
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
  cp "${requirements}" "${stamp}"
fi

cd "${repo}"
echo "== checkov $("${venv}/bin/checkov" --version) on infra/terraform"
env -u BC_API_KEY -u PRISMA_API_URL \
  BC_SKIP_MAPPING=TRUE \
  CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false \
  "${venv}/bin/checkov" \
  -d infra/terraform \
  --framework terraform \
  --quiet \
  --compact \
  --skip-download \
  --download-external-modules false
