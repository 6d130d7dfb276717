# The project's own processes (local gateway, Dramatiq worker) and the env file they read.

env_file() { echo "$STATE_DIR/env${1:+.$1}"; }

# Local secrets are files in .state/secrets, read exactly like /var/openfaas/secrets in production.
# Each is generated once per clone and kept, so restarts keep decrypting what was stored.
ensure_local_secret() {
  local name="$1" generator="$2" dir="$STATE_DIR/secrets"
  mkdir -p "$dir"; chmod 700 "$dir"
  [[ -s "$dir/$name" ]] && return 0
  (umask 077; cd "$ROOT_DIR" && SECRETS_DIR="$dir" "$(app_python)" -c "$generator" >"$dir/$name.tmp" && mv "$dir/$name.tmp" "$dir/$name") || die "could not generate local secret $name"
}

ensure_local_secrets() {
  ensure_local_secret credentials-keys \
    'from shared.channels.credentials import new_key_entry; print(new_key_entry("local-1"))'
  # EC P-256 key signing access tokens (ES256); rotate by moving it to auth-verify-keys.
  ensure_local_secret auth-signing-key \
    'from shared.auth.tokens import generate_signing_key_pem; print(generate_signing_key_pem(), end="")'
  # What every other function gets in production instead of the signing key: the public JWK Set.
  ensure_local_secret auth-public-keys \
    'import json; from shared.auth.settings import auth_settings; from shared.auth.tokens import key_ring; print(json.dumps(key_ring(auth_settings()).public_jwks()))'
}

# write_env DB [SUFFIX]: the runtime configuration functions and workers get from the environment
# (in OpenFaaS the same names come from stack.yml environment and secrets).
write_env() {
  local db="$1" suffix="${2:-}" redis_db="${3:-0}"
  ensure_local_secrets
  cat >"$(env_file "$suffix")" <<ENV
SECRETS_DIR=$STATE_DIR/secrets
DATABASE_URL=$(app_url "$db")
DATABASE_OWNER_URL=$(owner_url "$db")
REDIS_URL=redis://$BIND_HOST:$REDIS_PORT/$redis_db
# One job namespace per database: test runs against different databases share Redis, and a
# worker of one must never take (and drop) another's jobs.
REDIS_BROKER_NAMESPACE=bokai-tasks-${db//_/-}
WEAVIATE_HTTP_HOST=$BIND_HOST
WEAVIATE_HTTP_PORT=$WEAVIATE_PORT
WEAVIATE_GRPC_HOST=$BIND_HOST
WEAVIATE_GRPC_PORT=$WEAVIATE_GRPC_PORT
S3_ENDPOINT=$BIND_HOST:$MINIO_PORT
S3_ACCESS_KEY=$MINIO_ROOT_USER
S3_SECRET_KEY=$MINIO_ROOT_PASSWORD
S3_BUCKET=bokai-${db//_/-}
S3_SECURE=false
LLM_BASE_URL=http://$BIND_HOST:$LLM_PORT/v1
LLM_MODEL=$LLM_MODEL_ALIAS
LLM_API_KEY=local-no-key
# llama-cpp-python's server takes a JSON Schema as {"type": "json_object", "schema": ...}; vLLM (the
# production default) takes OpenAI's "json_schema" form (shared/ai/verify/answer.py).
LLM_STRUCTURED_OUTPUT=json_object
EMBEDDINGS_BASE_URL=http://$BIND_HOST:$EMBEDDINGS_PORT/v1
EMBEDDINGS_INTERACTIVE_BASE_URL=http://$BIND_HOST:$EMBEDDINGS_INTERACTIVE_PORT/v1
EMBEDDINGS_API_KEY=local-no-key
GATEWAY_PORT=$GATEWAY_PORT
# A frontend in development (its dev server's origin) may call the local gateway (shared/http/cors.py).
CORS_ALLOWED_ORIGINS=${LOCAL_FRONTEND_ORIGINS:-http://localhost:3000,http://localhost:5173}
ENV
  # The local stack's own env only (no suffix): a receiver on this machine (the demo's, a developer's)
  # gets reply callbacks and event webhooks over plain http. Production keeps both off (the settings'
  # defaults); a test database's env keeps production rules and each test opts in where it needs to.
  [[ -n "$suffix" ]] || cat >>"$(env_file)" <<ENV
# LOCAL ONLY: reply callbacks and event webhooks may go to loopback/private addresses over plain http.
GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS=true
EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS=true
# Inbound URLs handed to sellers (a channel's inboundUrl) point at this stack's gateway.
CHANNELS_PUBLIC_URL=http://$BIND_HOST:$GATEWAY_PORT
ENV
}

# The start-up line that says the local stack is not production about where it connects.
warn_local_destinations() {
  warn "local stack: reply callbacks and event webhooks may go to loopback/private addresses over plain http (GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS, EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS in $(env_file)); production refuses them"
}

export_env() { set -a; source "$(env_file "${1:-}")"; set +a; }

app_python() { echo "$ROOT_DIR/.venv/bin/python"; }

# Bucket and Weaviate collection are created by the app's own bootstrap (idempotent).
bootstrap_stores() {
  (cd "$ROOT_DIR" && export_env "${1:-}" && "$(app_python)" -m shared.bootstrap) \
    >"$LOG_DIR/bootstrap${1:+-$1}.log" 2>&1 || { tail -n 15 "$LOG_DIR/bootstrap${1:+-$1}.log" >&2; die "store bootstrap failed; log: $LOG_DIR/bootstrap${1:+-$1}.log"; }
  ok "bucket and vector collection ready"
}

# One worker per priority class (shared/queue_classes.py), each consuming only its class's queues:
# a backlog of bulk work never holds the threads a live customer message needs.
WORKER_CLASSES="live reply bulk"

class_worker_ready() { [[ -f "$RUN_DIR/worker-$1.ready" ]] && pid_alive "worker-$1"; }

worker_ready() {
  local c
  for c in $WORKER_CLASSES; do class_worker_ready "$c" || return 1; done
}

start_worker() {
  if worker_ready; then ok "workers already running ($WORKER_CLASSES)"; return 0; fi
  stop_pid worker  # a single all-queue worker of an older checkout: its class workers replace it
  local c
  for c in $WORKER_CLASSES; do
    pid_alive "worker-$c" && continue
    rm -f "$RUN_DIR/worker-$c.ready"
    (cd "$ROOT_DIR" && export_env && WORKER_READY_FILE="$RUN_DIR/worker-$c.ready" \
      spawn "worker-$c" "$ROOT_DIR/.venv/bin/dramatiq" shared.worker --processes 1 \
        $("$(app_python)" -m shared.queue_classes args "$c"))
  done
  for c in $WORKER_CLASSES; do wait_ready "worker-$c" 90 class_worker_ready "$c"; done
  for c in $WORKER_CLASSES; do ok "dramatiq worker $c (queues: $(cat "$RUN_DIR/worker-$c.ready"))"; done
}

stop_worker() {
  local c
  stop_pid worker
  for c in $WORKER_CLASSES; do stop_pid "worker-$c"; done
}

gateway_ready() { http_ok "http://$BIND_HOST:$GATEWAY_PORT/healthz"; }

# "name watchdog-port metrics-port app-port" per function (shared/gateway/local.py port_plan).
function_plan() {
  (cd "$ROOT_DIR" && FUNCTION_PORT_BASE="$FUNCTION_PORT_BASE" "$(app_python)" -m shared.gateway.local plan) \
    || die "cannot list the functions (python -m shared.gateway.local plan failed); is the project venv installed?"
}

# The watchdog's /_/ready proxies to the app's ready_path: 200 only once uvicorn's lifespan started.
function_ready() { http_ok "http://$BIND_HOST:$1/_/ready"; }

# Every function as its image runs it: of-watchdog (env from Dockerfile.fn) forking uvicorn. All start
# at once and are awaited together; the first that exits or stays unready ends with one line naming it.
start_functions() {
  local watchdog; watchdog="$(of_watchdog_path)"
  [[ -x "$watchdog" ]] || die "of-watchdog is not built ($watchdog): run scripts/stack install"
  local name port metrics app t0=$SECONDS pending=()
  while read -r name port metrics app; do
    if pid_alive "fn-$name" && function_ready "$port"; then continue; fi
    stop_pid "fn-$name"
    require_free_port "$port" "function $name (of-watchdog)" FUNCTION_PORT_BASE
    require_free_port "$metrics" "function $name (of-watchdog metrics)" FUNCTION_PORT_BASE
    require_free_port "$app" "function $name (uvicorn behind its watchdog)" FUNCTION_PORT_BASE
    (cd "$ROOT_DIR" && export_env && spawn "fn-$name" "$(app_python)" -m shared.gateway.local exec "$name" \
      --watchdog "$watchdog" --state-dir "$STATE_DIR")
    pending+=("$name:$port")
  done < <(function_plan)
  ((${#pending[@]})) || { ok "functions already running under of-watchdog"; return 0; }
  local deadline=$((SECONDS + ${FUNCTION_START_TIMEOUT:-120})) entry still started=("${pending[@]}")
  while ((${#pending[@]})); do
    still=()
    for entry in "${pending[@]}"; do
      name="${entry%%:*}"; port="${entry##*:}"
      if function_ready "$port"; then continue; fi
      if ! pid_alive "fn-$name"; then
        tail -n 15 "$LOG_DIR/fn-$name.log" >&2 || true
        stop_started_functions "${started[@]}"
        die "function $name (of-watchdog + uvicorn) exited during start-up; full log: $LOG_DIR/fn-$name.log"
      fi
      if ((SECONDS >= deadline)); then
        tail -n 15 "$LOG_DIR/fn-$name.log" >&2 || true
        stop_started_functions "${started[@]}"
        die "function $name (of-watchdog on port $port) was not ready after ${FUNCTION_START_TIMEOUT:-120}s; full log: $LOG_DIR/fn-$name.log"
      fi
      still+=("$entry")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) && sleep 0.3
  done
  ok "functions under of-watchdog $OF_WATCHDOG_VERSION ready in $(elapsed $t0)"
}

# A failed start leaves nothing half-up: the functions this attempt started are stopped (quietly).
stop_started_functions() {
  local entry f
  for entry in "$@"; do
    f="$(pid_file "fn-${entry%%:*}")"
    [[ -f "$f" ]] && { kill -KILL -- "-$(cat "$f")" 2>/dev/null || true; rm -f "$f"; }
  done
}

# SIGTERM to every watchdog at once (it forwards SIGTERM to uvicorn, which finishes in-flight requests).
stop_functions() {
  local f name pid pids=()
  for f in "$RUN_DIR"/fn-*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for _ in $(seq 1 75); do
    local alive=0
    for pid in "${pids[@]+"${pids[@]}"}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for f in "$RUN_DIR"/fn-*.pid; do
    [[ -f "$f" ]] || continue
    name="$(basename "$f" .pid)"
    stop_pid "$name"  # whatever is left of the process group (uvicorn), then the pid file
  done
}

start_gateway() {
  install_of_watchdog
  start_functions
  if gateway_ready; then ok "gateway already running on $BIND_HOST:$GATEWAY_PORT"; return 0; fi
  require_free_port "$GATEWAY_PORT" "local gateway" GATEWAY_PORT
  # The port chosen now, not the one the env file remembers.
  local port="$GATEWAY_PORT"
  (cd "$ROOT_DIR" && export_env && spawn gateway "$(app_python)" -m shared.gateway --watchdogs \
    --host "$BIND_HOST" --port "$port")
  wait_ready gateway 60 gateway_ready
  ok "gateway on http://$BIND_HOST:$GATEWAY_PORT → each function's of-watchdog"
}

# The gateway component is the router and the functions behind it: restarting it reloads function code.
stop_gateway() {
  stop_pid gateway
  stop_functions
}
