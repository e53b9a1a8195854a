#!/usr/bin/env bash
# Installs the pinned fnguard wheel into a virtual environment of its own and puts it on PATH.
# FNGUARD_BINARY (a path to an fnguard binary) skips the install: the action's tests use it.
set -euo pipefail

if [ -n "${FNGUARD_BINARY:-}" ]; then
  dir="${RUNNER_TEMP:?}/fnguard-bin"
  mkdir -p "$dir"
  ln -sf "$FNGUARD_BINARY" "$dir/fnguard"
  echo "$dir" >> "${GITHUB_PATH:?}"
  exit 0
fi

version="${FNGUARD_VERSION:?the version input is required}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([a-z0-9.+-]*)?$ ]]; then
  echo "::error title=fnguard::version must be a release number such as 0.1.0, got '$version'"
  exit 2
fi
venv="${RUNNER_TEMP:?}/fnguard-venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "fnguard==$version"
if [ -d "$venv/Scripts" ]; then
  echo "$venv/Scripts" >> "${GITHUB_PATH:?}"
else
  echo "$venv/bin" >> "${GITHUB_PATH:?}"
fi
