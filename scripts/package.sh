#!/usr/bin/env bash
# Package the rampart binary for Python and npm users, into dist/:
#
#   rampart_server-<version>-py3-none-manylinux_2_<X>_x86_64.whl   the binary (pip puts `rampart` on PATH)
#   pytest_rampart-<version>-py3-none-any.whl                      the pytest plugin (fixture `rampart`)
#   rampart-server-<version>.tgz                                   npm: the binary + startRampart()
#
# Usage: ./scripts/package.sh [--binary PATH]
#
# Without --binary the release binary is built once
# (cargo build --release --locked --bin rampart); with it (or with
# RAMPART_RELEASE_BIN set) that binary is packaged as it is. The wheels are
# assembled with Python's standard library (packaging/build_wheels.py), the
# npm package with `npm pack`. X in the platform tag is the highest GLIBC_
# symbol version the binary needs; the script fails if the binary needs a
# shared library outside glibc (libgcc_s allowed). Nothing is published: the
# commands to do so are printed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'package.sh: %s\n' "$*" >&2; exit 1; }

BINARY="${RAMPART_RELEASE_BIN:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) [[ $# -ge 2 ]] || die "--binary needs a path"; BINARY="$2"; shift 2 ;;
    --binary=*) BINARY="${1#--binary=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

command -v python3 >/dev/null || die "python3 is required"
command -v npm >/dev/null || die "npm is required"

# The workspace version: [workspace.package] version in Cargo.toml.
VERSION="$(python3 packaging/build_wheels.py --print-version)"
[[ -n "$VERSION" ]] || die "no version in Cargo.toml"
log "version $VERSION"

if [[ -z "$BINARY" ]]; then
  log "cargo build --release --locked --bin rampart"
  cargo build --release --locked --bin rampart
  BINARY="${CARGO_TARGET_DIR:-$ROOT/target}/release/rampart"
fi
[[ -f "$BINARY" && -x "$BINARY" ]] || die "not an executable file: $BINARY"
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
log "binary $BINARY"

# The binary must be the version being packaged.
BIN_VERSION="$("$BINARY" --version </dev/null | awk '{print $2}')"
[[ "$BIN_VERSION" == "$VERSION" ]] || die "the binary says version '$BIN_VERSION', Cargo.toml says $VERSION"
[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "packages are made for linux x86_64 only"

DIST="$ROOT/dist"
mkdir -p "$DIST"
rm -f "$DIST"/rampart_server-*.whl "$DIST"/pytest_rampart-*.whl "$DIST"/rampart-server-*.tgz
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/rampart-package.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

# The packages carry the binary without its symbol table and debug
# information (a fifth of its size; the build's own copy keeps them, for
# profiling), when binutils' strip is here.
if command -v strip >/dev/null; then
  cp "$BINARY" "$STAGE/rampart"
  strip "$STAGE/rampart"
  log "stripped: $(du -h "$BINARY" | cut -f1) -> $(du -h "$STAGE/rampart" | cut -f1)"
  BINARY="$STAGE/rampart"
fi

# ------------------------------------------------------------------ wheels
log "wheels (standard library zipfile)"
python3 packaging/build_wheels.py --binary "$BINARY" --version "$VERSION" --out "$DIST" \
  --elf-report "$STAGE/elf.json" >&2
SERVER_WHL="$(ls "$DIST"/rampart_server-"$VERSION"-py3-none-*.whl)"
PLUGIN_WHL="$DIST/pytest_rampart-$VERSION-py3-none-any.whl"
[[ -f "$SERVER_WHL" && -f "$PLUGIN_WHL" ]] || die "a wheel is missing"

# Cross-check the platform tag with binutils, when present.
if command -v objdump >/dev/null; then
  GLIBC_MAX="$(objdump -T "$BINARY" | grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2,2n -u | tail -1)"
  TAG_MINOR="$(basename "$SERVER_WHL" | sed -n 's/.*manylinux_2_\([0-9]*\)_x86_64\.whl$/\1/p')"
  if [[ -n "$GLIBC_MAX" && "${GLIBC_MAX#GLIBC_2.}" -gt 17 && "${GLIBC_MAX#GLIBC_2.}" != "$TAG_MINOR" ]]; then
    die "objdump -T says $GLIBC_MAX, the wheel tag says manylinux_2_$TAG_MINOR"
  fi
fi
# And with auditwheel (PyPA's checker), when installed.
if command -v auditwheel >/dev/null; then
  auditwheel show "$SERVER_WHL" | tr '\n' ' ' | grep -q "consistent with the following platform tag: \"$(basename "$SERVER_WHL" .whl | sed 's/.*-//')\"" \
    || die "auditwheel show disagrees with the tag of $(basename "$SERVER_WHL")"
  log "auditwheel agrees with the platform tag"
fi
if command -v readelf >/dev/null; then
  log "shared libraries needed: $(readelf -d "$BINARY" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | paste -sd' ')"
fi

# The wheel's binary entry must be executable (0755) and match the input.
python3 - "$SERVER_WHL" "$BINARY" "$VERSION" <<'EOF'
import hashlib, sys, zipfile
whl, binary, version = sys.argv[1:]
with zipfile.ZipFile(whl) as zf:
    name = f"rampart_server-{version}.data/scripts/rampart"
    info = zf.getinfo(name)
    mode = (info.external_attr >> 16) & 0o777
    assert mode == 0o755, f"{name} has mode {oct(mode)}"
    with zf.open(info) as f, open(binary, "rb") as g:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(g.read()).digest(), "binary differs"
    assert zf.testzip() is None
EOF

# ------------------------------------------------------------------ npm
log "npm package (npm pack)"
NPM_STAGE="$STAGE/npm"
mkdir -p "$NPM_STAGE/bin"
cp packaging/npm/index.js packaging/npm/index.mjs packaging/npm/index.d.ts packaging/npm/README.md "$NPM_STAGE/"
sed "s/@VERSION@/$VERSION/g" packaging/npm/package.json >"$NPM_STAGE/package.json"
cp "$BINARY" "$NPM_STAGE/bin/rampart"
chmod 0755 "$NPM_STAGE/bin/rampart"
chmod 0644 "$NPM_STAGE"/index.* "$NPM_STAGE/README.md" "$NPM_STAGE/package.json"
( cd "$NPM_STAGE" && npm pack --pack-destination "$DIST" --loglevel=error \
    --ignore-scripts --no-fund --no-audit </dev/null >/dev/null )
TGZ="$DIST/rampart-server-$VERSION.tgz"
[[ -f "$TGZ" ]] || die "npm pack did not write $TGZ"
MODE="$(tar -tvzf "$TGZ" package/bin/rampart | awk '{print $1}')"
[[ "$MODE" == "-rwxr-xr-x" ]] || die "package/bin/rampart in $TGZ has mode $MODE, not -rwxr-xr-x"
log "tarball: package/bin/rampart is $MODE"

# ------------------------------------------------------------------ summary
size() { du -h "$1" | cut -f1; }
TAG="$(basename "$SERVER_WHL" .whl)"; TAG="${TAG##*-}"
cat <<EOF

Rampart $VERSION packages in dist/ (platform tag $TAG: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["glibc_max"] or "static")' "$STAGE/elf.json") is the newest glibc symbol the binary needs):
  $(size "$BINARY")	binary  $BINARY
  $(size "$SERVER_WHL")	$(basename "$SERVER_WHL")
  $(size "$PLUGIN_WHL")	$(basename "$PLUGIN_WHL")
  $(size "$TGZ")	$(basename "$TGZ")

Install:
  pip install dist/$(basename "$SERVER_WHL") dist/$(basename "$PLUGIN_WHL")
  npm install ./dist/$(basename "$TGZ")

Publish (maintainers; credentials come from ~/.pypirc / TWINE_* and ~/.npmrc, never the command line):
  python3 -m twine check dist/$(basename "$SERVER_WHL") dist/$(basename "$PLUGIN_WHL")
  python3 -m twine upload dist/$(basename "$SERVER_WHL") dist/$(basename "$PLUGIN_WHL")
  npm publish ./dist/$(basename "$TGZ") --access public
EOF
