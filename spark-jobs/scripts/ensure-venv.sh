# Sourced, not run: creates spark-jobs/.venv with the pinned dev dependencies if it is
# missing or older than pyproject.toml. Uses python3.11 (the EMR 7 Python the cluster is
# configured for) and falls back to python3.
py=$(command -v python3.11 || command -v python3)
stamp=.venv/.installed
if [[ ! -x .venv/bin/python || ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "Setting up spark-jobs/.venv with $($py --version)"
  # Each step must succeed before the stamp says the venv is ready (callers may not use set -e).
  "$py" -m venv .venv || return 1
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
  # Only the dependencies: the package itself is put on the path by pytest (pythonpath=src)
  # so that nothing is written into src/ (it is zipped and staged to S3 as-is).
  mapfile -t deps < <(.venv/bin/python - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["dev"]))
PY
)
  ((${#deps[@]} > 0)) || return 1
  # Quoted: `moto[server]==...` is a glob pattern to the shell.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "${deps[@]}" || return 1
  touch "$stamp"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export PYSPARK_PYTHON="$PWD/.venv/bin/python"
