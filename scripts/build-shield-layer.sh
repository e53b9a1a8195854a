#!/usr/bin/env bash
# Builds the fnguard-shield Lambda layer for x86_64:
#   extensions/fnguard-shield   the extension (Lambda starts every file in /opt/extensions)
#   fnguard-wrapper             the exec wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/fnguard-wrapper)
# Output: $CARGO_TARGET_DIR (or target)/layer/fnguard-shield-x86_64.zip
# arm64: build on an arm64 machine (or with an aarch64-unknown-linux-gnu toolchain and linker:
#   cargo build --release -p fnguard-shield --target aarch64-unknown-linux-gnu) and zip the
#   same two files; the layer's compatible architecture is then arm64.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -p fnguard-shield
stage="$target/layer/stage"
rm -rf "$stage" && mkdir -p "$stage/extensions"
cp "$target/release/fnguard-shield" "$stage/extensions/fnguard-shield"
strip "$stage/extensions/fnguard-shield" 2>/dev/null || true
cp crates/fnguard-shield/layer/fnguard-wrapper "$stage/fnguard-wrapper"
chmod 755 "$stage/extensions/fnguard-shield" "$stage/fnguard-wrapper"
out="$target/layer/fnguard-shield-x86_64.zip"
rm -f "$out"
# Python's zipfile keeps the Unix permissions Lambda needs (both files must stay executable).
python3 - "$stage" "$out" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for rel in ("extensions/fnguard-shield", "fnguard-wrapper"):
        path = os.path.join(stage, rel)
        info = zipfile.ZipInfo.from_file(path, rel)
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
PY
ls -l "$out"
