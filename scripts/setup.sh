#!/usr/bin/env bash
# Install everything dnnc's tests and demos need on a fresh Debian machine
# (Node, python3, gcc and make are assumed): npm packages, and the cross
# toolchains and emulators used to verify the n64 and esp32c3 targets.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  gcc-mips64-linux-gnuabi64 libc6-dev-mips64-cross qemu-user          # VR4300 (n64) under qemu-mips64
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc # rv32imc (esp32c3) under qemu-system-riscv32
  valgrind                                                              # instruction counts on host
  mupen64plus-ui-console mupen64plus-rsp-hle mupen64plus-data           # n64 ROMs in an emulated console (verify --emulator mupen64plus)
  mupen64plus-rsp-z64                                                   # RSP kernels on the low-level RSP plugin (test/rsp/z64.test.ts)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: done" >&2
