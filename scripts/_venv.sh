# Shared by scripts/run and scripts/test: make .venv and install a requirements file into it,
# only when that file changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ensure_venv() {
  local requirements=$1 stamp
  [ -x .venv/bin/python ] || python3 -m venv .venv
  stamp=".venv/.installed-$(basename "$requirements")"
  if [ ! -f "$stamp" ] || ! cmp -s <(cat requirements*.txt) "$stamp"; then
    echo "Installing $requirements into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cat requirements*.txt > "$stamp"
  fi
}
