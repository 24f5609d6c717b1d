#!/usr/bin/env bash
# Offline checks of this Terraform stack: `terraform fmt -check` and `terraform validate`.
#
# validate needs the AWS provider. It is taken only from a local filesystem mirror
# (TF_PLUGIN_MIRROR, default /opt/tf-plugins), never from the network. The stack is copied to
# a temporary directory for init/validate, so nothing (.terraform/, lock file) is left here.
#
# With no terraform binary, or no AWS provider in the mirror, the missing check is skipped with
# one line saying so, and the script exits 0.
#
# Env: TERRAFORM (binary, default `terraform`), TF_PLUGIN_MIRROR (default /opt/tf-plugins).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
terraform_bin="${TERRAFORM:-terraform}"
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
provider_dir="${mirror}/registry.terraform.io/hashicorp/aws"

if ! command -v "${terraform_bin}" >/dev/null 2>&1; then
  echo "infra/terraform/check.sh: SKIPPED fmt and validate: no terraform binary ('${terraform_bin}') on PATH."
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# Our own CLI config: the mirror is the only provider source (no registry, no network), and a
# TF_CLI_CONFIG_FILE pointing at a missing file in the caller's environment does not matter.
cat >"${work}/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path = "${mirror}"
  }
}
TFRC
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc"
export TF_DATA_DIR="${work}/data"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

echo "== terraform fmt -check -recursive (${here})"
"${terraform_bin}" fmt -check -recursive -diff "${here}"

if [[ ! -d "${provider_dir}" ]]; then
  echo "infra/terraform/check.sh: SKIPPED validate: no AWS provider in the plugin mirror (${provider_dir} is absent); fmt passed."
  exit 0
fi

mkdir -p "${work}/stack"
cp "${here}"/*.tf "${work}/stack/"

echo "== terraform init -backend=false (provider from ${mirror})"
"${terraform_bin}" -chdir="${work}/stack" init -backend=false -input=false -no-color >"${work}/init.log" 2>&1 || {
  cat "${work}/init.log" >&2
  echo "infra/terraform/check.sh: terraform init failed (is aws ~> 5.100 in ${mirror}?)" >&2
  exit 1
}

echo "== terraform validate"
"${terraform_bin}" -chdir="${work}/stack" validate -no-color
