#!/usr/bin/env bash
# Installs what building and testing Rampart needs on a Debian machine with Swift 6.3
# (CI's and the developers'). Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(qemu-system-arm libsodium-dev libudev-dev libsqlite3-dev pkg-config curl etcd-server)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python references for tests, in the project's venv: pyca/cryptography, cbor2 (the EDHOC
# reference, Tests/Interop) and lakers-python, the EDHOC peer of the interop tests.
PIP_PACKAGES=(cryptography cbor2 lakers-python==0.6.2)
if [[ ! -x .venv/bin/python3 ]]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python3 -c "import cryptography, cbor2, lakers, importlib.metadata as m
assert m.version('lakers-python') == '0.6.2'" 2>/dev/null; then
    echo "setup: installing ${PIP_PACKAGES[*]} into .venv"
    .venv/bin/pip install -q "${PIP_PACKAGES[@]}"
fi

command -v swift >/dev/null || { echo "setup: swift 6.3 is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
command -v qemu-system-arm >/dev/null || { echo "setup: qemu-system-arm did not install" >&2; exit 1; }
echo "setup: ready ($(swift --version 2>&1 | head -1); $(qemu-system-arm --version | head -1))"
