#!/usr/bin/env bash
# Obtains the ONNX Runtime native library from the npm package onnxruntime-node and lays it out as
# out/native/<rid>/ (never committed). Idempotent; prints nothing on success.
# Usage: tools/onnxruntime/fetch.sh            (ORT_NPM_VERSION overrides the package version)
set -euo pipefail

version="${ORT_NPM_VERSION:-1.30.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/out/cache/onnxruntime-node-$version"
native="$root/out/native"
stamp="$native/.onnxruntime-node-$version"

fail() { echo "fetch.sh: $*" >&2; exit 1; }

# <npm folder under bin/napi-v6>  <rid>  <library file>
layout=(
  "linux/x64     linux-x64    libonnxruntime.so.1"
  "linux/arm64   linux-arm64  libonnxruntime.so.1"
  "win32/x64     win-x64      onnxruntime.dll"
  "win32/arm64   win-arm64    onnxruntime.dll"
  "darwin/arm64  osx-arm64    libonnxruntime.1.30.0.dylib"
)

complete() {
  [ -f "$stamp" ] || return 1
  local entry folder rid file
  for entry in "${layout[@]}"; do
    read -r folder rid file <<<"$entry"
    [ -s "$native/$rid/$file" ] || return 1
  done
}

if complete; then
  exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is required to download onnxruntime-node@$version (install Node.js/npm)"
command -v tar >/dev/null 2>&1 || fail "tar is required"

mkdir -p "$cache"
tarball="$cache/onnxruntime-node-$version.tgz"
if [ ! -s "$tarball" ]; then
  log="$cache/npm-pack.log"
  # npm pack downloads the registry tarball without running the package's install scripts.
  if ! (cd "$cache" && npm pack --loglevel=error "onnxruntime-node@$version" >"$log" 2>&1); then
    tail -n 5 "$log" >&2
    fail "npm pack onnxruntime-node@$version failed (full output in $log)"
  fi
  [ -s "$tarball" ] || fail "npm pack did not produce $tarball (see $log)"
fi

extract="$cache/package"
rm -rf "$extract"
mkdir -p "$extract"
tar -xzf "$tarball" -C "$extract" --strip-components=1 package/bin \
  || fail "cannot extract bin/ from $tarball (remove it and retry)"

for entry in "${layout[@]}"; do
  read -r folder rid file <<<"$entry"
  source_file="$extract/bin/napi-v6/$folder/$file"
  [ -s "$source_file" ] || fail "onnxruntime-node@$version has no bin/napi-v6/$folder/$file"
  mkdir -p "$native/$rid"
  cp -f "$source_file" "$native/$rid/$file.tmp"
  mv -f "$native/$rid/$file.tmp" "$native/$rid/$file"
done

rm -rf "$extract"
touch "$stamp"
