#!/usr/bin/env bash
# The test kit as a user gets it: build the packages (./scripts/package.sh),
# install ONLY them plus the pinned official SDKs into a fresh virtualenv and a
# fresh Node folder (both in a temp dir), copy the examples of
# tests/testkit/examples/ next to them (no repository sources, PYTHONPATH
# unset) and run them: pytest with the `rampart` fixture, node --test with
# startRampart(). Prints the timings and the package sizes.
#
#   RAMPART_RELEASE_BIN=target/release/rampart bash tests/testkit/run.sh
#
# RAMPART_RELEASE_BIN reuses an already built release binary (otherwise
# package.sh builds it). TESTKIT_KEEP=1 keeps the temp dir. Needs python3
# (venv), node >= 18 and npm; PyPI and the npm registry for the SDKs.
set -euo pipefail

KIT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KIT_DIR/../.." && pwd)"
PYTHON="${PYTHON:-python3}"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
export PYTHONDONTWRITEBYTECODE=1
export npm_config_fund=false
export npm_config_audit=false
export npm_config_update_notifier=false
# The tests must find the binary through the packages, not the environment.
unset PYTHONPATH RAMPART_BIN RAMPART_BINARY

log() { printf '==> %s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rampart-testkit.XXXXXX")"
cleanup() {
  if [[ "${TESTKIT_KEEP:-}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ packages
T_PKG=$(now)
if [[ -n "${RAMPART_RELEASE_BIN:-}" ]]; then
  "$REPO_ROOT/scripts/package.sh" --binary "$RAMPART_RELEASE_BIN" </dev/null
else
  "$REPO_ROOT/scripts/package.sh" </dev/null
fi
T_PKG_END=$(now)
DIST="$REPO_ROOT/dist"
VERSION="$("$PYTHON" "$REPO_ROOT/packaging/build_wheels.py" --print-version)"
SERVER_WHL="$(ls "$DIST"/rampart_server-"$VERSION"-py3-none-manylinux_*_x86_64.whl)"
PLUGIN_WHL="$DIST/pytest_rampart-$VERSION-py3-none-any.whl"
TGZ="$DIST/rampart-server-$VERSION.tgz"
for f in "$SERVER_WHL" "$PLUGIN_WHL" "$TGZ"; do [[ -f "$f" ]] || { log "missing $f"; exit 1; }; done

# ------------------------------------------------------------------ Python
log "fresh virtualenv in $WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
# The SDK pins of the compatibility suite, as constraints (only what is needed
# gets installed, at the tested versions).
cp "$REPO_ROOT/tests/compat/python/requirements.txt" "$WORK/constraints.txt"
T_PIP=$(now)
"$VPY" -m pip install --quiet -c "$WORK/constraints.txt" \
  "$SERVER_WHL" "${PLUGIN_WHL}[clients]" pytest </dev/null
T_PIP_END=$(now)
PIP_SECS=$(secs "$T_PIP" "$T_PIP_END")
log "pip install: ${PIP_SECS} s"

# `rampart` is on the venv's PATH, executable, and the plugin is registered.
RAMPART_ON_PATH="$(PATH="$WORK/venv/bin:$PATH" command -v rampart)"
[[ "$RAMPART_ON_PATH" == "$WORK/venv/bin/rampart" ]] || { log "rampart on PATH is '$RAMPART_ON_PATH'"; exit 1; }
[[ -x "$RAMPART_ON_PATH" ]] || { log "$RAMPART_ON_PATH is not executable"; exit 1; }
log "on PATH: $RAMPART_ON_PATH ($("$RAMPART_ON_PATH" --version </dev/null))"
"$VPY" -c 'import rampart_server, pytest_rampart; print("find_rampart_bin():", rampart_server.find_rampart_bin())' </dev/null
"$VPY" -m pip show --quiet pytest-rampart >/dev/null

# ------------------------------------------------------------------ Node
log "fresh Node folder in $WORK/node"
mkdir -p "$WORK/node"
printf '{ "name": "rampart-testkit-example", "private": true, "version": "0.0.0" }\n' >"$WORK/node/package.json"
POP_CORE="$(cd "$REPO_ROOT/tests/compat/node" && node -p 'require("./package.json").dependencies["@alicloud/pop-core"]')"
T_NPM=$(now)
( cd "$WORK/node" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    "$TGZ" "@alicloud/pop-core@$POP_CORE" </dev/null >/dev/null )
T_NPM_END=$(now)
NPM_SECS=$(secs "$T_NPM" "$T_NPM_END")
NODE_BIN="$WORK/node/node_modules/rampart-server/bin/rampart"
[[ -x "$NODE_BIN" ]] || { log "$NODE_BIN is not executable after npm install"; exit 1; }
log "npm install: ${NPM_SECS} s; $(stat -c %A "$NODE_BIN") node_modules/rampart-server/bin/rampart"
"$WORK/node/node_modules/.bin/rampart" --version </dev/null >/dev/null

# ------------------------------------------------------------------ examples
mkdir -p "$WORK/py"
cp "$KIT_DIR"/examples/*.py "$WORK/py/"
cp "$KIT_DIR/harness_conftest.py" "$WORK/py/conftest.py"
cp "$KIT_DIR"/examples/*.mjs "$WORK/node/"

status=0
log "pytest (the rampart fixture)"
T_PY=$(now)
set +e
( cd "$WORK/py" && TESTKIT_TIMINGS="$WORK/timings.json" PATH="$WORK/venv/bin:$PATH" \
    "$VPY" -m pytest -v -p no:cacheprovider </dev/null )
py_status=$?
set -e
T_PY_END=$(now)
[[ $py_status -eq 0 ]] || { log "Python examples FAILED (exit $py_status)"; status=1; }

log "pytest --rampart-tls (the same examples over HTTPS, --tls-auto)"
T_TLS=$(now)
set +e
( cd "$WORK/py" && PATH="$WORK/venv/bin:$PATH" "$VPY" -m pytest -q -p no:cacheprovider --rampart-tls </dev/null )
tls_status=$?
set -e
T_TLS_END=$(now)
[[ $tls_status -eq 0 ]] || { log "Python examples over HTTPS FAILED (exit $tls_status)"; status=1; py_status=$tls_status; }

log "node --test (startRampart)"
T_NODE=$(now)
set +e
( cd "$WORK/node" && node --test --test-reporter=spec ./*.test.mjs </dev/null 2>&1 | tee "$WORK/node.log" )
node_status=${PIPESTATUS[0]}
set -e
T_NODE_END=$(now)
[[ $node_status -eq 0 ]] || { log "Node examples FAILED (exit $node_status)"; status=1; }

# ------------------------------------------------------------------ summary
size() { du -h "$1" | cut -f1; }
echo
echo "Test kit timings"
echo "  package.sh                    $(secs "$T_PKG" "$T_PKG_END") s"
echo "  pip install (2 wheels + SDKs) ${PIP_SECS} s"
echo "  npm install (tgz + pop-core)  ${NPM_SECS} s"
if [[ -f "$WORK/timings.json" ]]; then
  "$PYTHON" - "$WORK/timings.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["tests"].get("test_ram_secret_rotates_every_7_days", {})
p = d["properties"]
def f(v, unit="s", scale=1):
    return "n/a" if v is None else f"{v * scale:.3f} {unit}"
print(f"  server start (spawn->healthz)  {f(d.get('server_startup_seconds'))}")
print(f"  pytest: first green test      {f(d.get('first_green_seconds'))} after session start")
we = None if not t else sum(t.get(k, 0) for k in ("setup", "call", "teardown"))
print(f"  worked example (pytest)       {f(we)} (setup {t.get('setup')} s incl. start+reset, call {t.get('call')} s)")
print(f"  reset                         {f(p.get('reset_seconds'), 'ms', 1000)}")
print(f"  snapshot / restore            {f(p.get('snapshot_seconds'), 'ms', 1000)} / {f(p.get('restore_seconds'), 'ms', 1000)}")
EOF
fi
echo "  pytest run (wall)             $(secs "$T_PY" "$T_PY_END") s; over HTTPS $(secs "$T_TLS" "$T_TLS_END") s"
NODE_TIMING="$(sed -n 's/.*timing: //p' "$WORK/node.log" | tail -1)"
if [[ -n "$NODE_TIMING" ]]; then echo "  node timings (ms)             $NODE_TIMING"; fi
echo "  node --test run (wall)        $(secs "$T_NODE" "$T_NODE_END") s"
echo "  $(size "$SERVER_WHL")  $(basename "$SERVER_WHL")"
echo "  $(size "$PLUGIN_WHL")  $(basename "$PLUGIN_WHL")"
echo "  $(size "$TGZ")  $(basename "$TGZ")"

if [[ $status -eq 0 ]]; then log "test kit passed"; else log "test kit FAILED (python=$py_status node=$node_status)"; fi
exit $status
