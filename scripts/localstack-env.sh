#!/usr/bin/env bash
# Creates or refreshes .venv-localstack from requirements-localstack.txt (LocalStack, the second emulator the pipeline
# suite runs on); a no-op when the requirements have not changed since last time. Its own virtualenv, so LocalStack's
# pins never fight moto's in .venv. LocalStack 4.14 needs Python >= 3.12 (its code uses PEP 695 generics) although its
# metadata says 3.10, so the newest such interpreter found is used: on PATH, else under pyenv.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv-localstack/.requirements.sha256
want=$(sha256sum requirements-localstack.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv-localstack/bin/python ]; then exit 0; fi

python=""
candidates=(python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  for dir in $(ls -d "$(pyenv root)"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do candidates=("$dir/bin/python3" "${candidates[@]}"); done
fi
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "scripts/localstack-env.sh: LocalStack needs Python >= 3.12; none found on PATH or under pyenv" >&2
  exit 1
fi
echo "Setting up LocalStack in .venv-localstack with $("$python" --version) (a few minutes, once)..." >&2
rm -rf .venv-localstack
"$python" -m venv .venv-localstack
.venv-localstack/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv-localstack/bin/python -m pip install -q --disable-pip-version-check -r requirements-localstack.txt
echo "$want" > "$stamp"
