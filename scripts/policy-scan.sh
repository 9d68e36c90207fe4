#!/usr/bin/env bash
# Policy scan: synthesizes every stack, then runs the pinned checkov (terraform_json) over
# each, with the scoped skips in policy/checkov-skips.yaml. Installs checkov into ./.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(command -v python3.11 || command -v python3)
stamp=.venv/.checkov-installed
if [[ ! -x .venv/bin/python || ! -f $stamp || policy/requirements.txt -nt $stamp ]]; then
  echo "Setting up .venv with $(grep -E '^checkov==' policy/requirements.txt)"
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt
  touch "$stamp"
fi
if [[ ${SKIP_SYNTH:-} != 1 ]]; then npm run --silent synth >/dev/null; fi
.venv/bin/python scripts/policy_scan.py cdktf.out/stacks policy/checkov-skips.yaml
