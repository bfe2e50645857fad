#!/usr/bin/env bash
# Official Alibaba Cloud SDK compatibility suite for the Rampart server.
#
#   RAMPART_BIN=/abs/path/to/rampart bash tests/compat/run.sh
#
# RAMPART_BIN defaults to <repo>/target/debug/rampart. The script creates (or
# reuses) tests/compat/.venv, installs the pinned Python SDKs and the pinned
# Node SDKs, then runs the Python (pytest) and Node (node --test) suites.
# Both suites always run; the script fails if either fails.
# Extra arguments are passed to pytest (e.g. -k users -x).
set -euo pipefail

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$COMPAT_DIR/../.." && pwd)"
export RAMPART_BIN="${RAMPART_BIN:-$REPO_ROOT/target/debug/rampart}"
PYTHON="${PYTHON:-python3}"
VENV="$COMPAT_DIR/.venv"
REQ="$COMPAT_DIR/python/requirements.txt"
NODE_DIR="$COMPAT_DIR/node"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
export PYTHONDONTWRITEBYTECODE=1
export npm_config_fund=false
export npm_config_audit=false
export npm_config_update_notifier=false

log() { printf '==> %s\n' "$*" >&2; }

if [[ ! -x "$RAMPART_BIN" ]]; then
  log "server binary not found or not executable: $RAMPART_BIN (set RAMPART_BIN)"
  exit 2
fi
log "server binary: $RAMPART_BIN"

# ---------------------------------------------------------------- Python deps
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating virtualenv $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.requirements.sha256"
REQ_HASH="$( { sha256sum "$REQ"; "$VENV/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$REQ_HASH" ]]; then
  log "installing Python requirements"
  "$VENV/bin/python" -m pip install --quiet -r "$REQ" </dev/null
  printf '%s\n' "$REQ_HASH" >"$STAMP"
else
  log "Python requirements up to date"
fi

# Side virtualenvs for clients whose dependency pins conflict with the main one
# (the tests run them as subprocesses: python/sidecar_*.py).
side_venv() {  # side_venv DIR REQUIREMENTS
  local dir="$1" req="$2" stamp hash
  if [[ ! -x "$dir/bin/python" ]]; then
    log "creating virtualenv $dir"
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir"
  fi
  stamp="$dir/.requirements.sha256"
  hash="$( { sha256sum "$req"; "$dir/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$hash" ]]; then
    log "installing $(basename "$req") into $(basename "$dir")"
    "$dir/bin/python" -m pip install --quiet -r "$req" </dev/null
    printf '%s\n' "$hash" >"$stamp"
  else
    log "$(basename "$dir") up to date"
  fi
}
side_venv "$COMPAT_DIR/.venv-smc-v1" "$COMPAT_DIR/python/requirements-smc-v1.txt"
side_venv "$COMPAT_DIR/.venv-plugin" "$COMPAT_DIR/python/requirements-plugin.txt"

# ------------------------------------------------------------------ Node deps
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "node and npm are required"
  exit 2
fi
(
  cd "$NODE_DIR"
  if [[ -f package-lock.json ]]; then
    LOCK_HASH="$( { sha256sum package-lock.json; node --version; } | sha256sum | cut -d' ' -f1)"
    NODE_STAMP="node_modules/.compat-lock.sha256"
    if [[ -f "$NODE_STAMP" && "$(cat "$NODE_STAMP")" == "$LOCK_HASH" ]]; then
      log "Node modules up to date"
    else
      log "npm ci"
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null
      printf '%s\n' "$LOCK_HASH" >"$NODE_STAMP"
    fi
  else
    log "npm install (no package-lock.json)"
    npm install --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null
  fi
)

# ---------------------------------------------------------------------- tests
status=0

log "pytest (Python SDKs)"
set +e
( cd "$REPO_ROOT" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$COMPAT_DIR/python" "$@" </dev/null )
py_status=$?
set -e
[[ $py_status -eq 0 ]] || { log "Python suite FAILED (exit $py_status)"; status=1; }

log "node --test (Node SDKs)"
set +e
( cd "$NODE_DIR" && node --test --test-concurrency=1 </dev/null )
node_status=$?
set -e
[[ $node_status -eq 0 ]] || { log "Node suite FAILED (exit $node_status)"; status=1; }

if [[ $status -eq 0 ]]; then
  log "compat suite passed"
else
  log "compat suite FAILED (python=$py_status node=$node_status)"
fi
exit $status
