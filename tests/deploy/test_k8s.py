"""deploy/k8s (worker, config, migration Job) validated by kubeconform, offline, and checked against the code.

kubeconform and the standalone schemas are built by the install step (scripts/lib/install.sh
`install_k8s_validation`: kubeconform from the Go proxy, schemas from the kubernetes-validate wheel).
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.deploy.project import ROOT, common_sh, stack, tool_cache

K8S = ROOT / "deploy" / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def kubeconform(*paths: Path) -> subprocess.CompletedProcess:
    binary = tool_cache() / "bin" / f"kubeconform-{common_sh('KUBECONFORM_VERSION')}" / "kubeconform"
    schemas = tool_cache() / "k8s-schemas" / f"v{common_sh('K8S_SCHEMA_VERSION')}-standalone-strict"
    assert binary.is_file() and (schemas / ".complete").is_file(), "run scripts/stack install (install_k8s_validation)"
    return subprocess.run(
        [str(binary), "-strict", "-summary", "-schema-location", f"{schemas}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
         *map(str, paths)], capture_output=True, text=True, timeout=60)


def documents() -> list[dict]:
    return [d for p in MANIFESTS for d in yaml.safe_load_all(p.read_text()) if d]


def test_manifests_are_valid_kubernetes_objects():
    result = kubeconform(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in result.stdout, result.stdout


def test_the_validator_rejects_a_wrong_field(tmp_path):
    broken = tmp_path / "worker.yaml"
    broken.write_text((K8S / "worker.yaml").read_text().replace("readOnlyRootFilesystem: true",
                                                                 "readOnlyRootFilesystm: true", 1))
    result = kubeconform(broken)
    assert result.returncode != 0 and "readOnlyRootFilesystm" in result.stdout, result.stdout


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in MANIFESTS)
    assert kustomization["namespace"] == "openfaas-fn", "the namespace where faas-cli creates the secrets"


@pytest.mark.parametrize("queue_class", ["live", "reply", "bulk"])
def test_worker_runs_the_worker_image_with_the_functions_settings_and_secrets(queue_class):
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in documents()}
    pod = by_kind[("Deployment", f"bokai-worker-{queue_class}")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].startswith("ghcr.io/bok-ai/worker:")
    assert container["securityContext"]["readOnlyRootFilesystem"] and pod["securityContext"]["runAsNonRoot"]
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/var/openfaas/secrets", "/tmp"}
    # The same plain settings as every function in stack.yml.
    config = by_kind[("ConfigMap", "bokai-config")]["data"]
    shared_env = stack()["x-environment"]
    assert set(config) == set(shared_env)
    # Each secret file is laid out as OpenFaaS lays it out: /var/openfaas/secrets/<name>, key <name>.
    sources = next(v for v in pod["volumes"] if v["name"] == "secrets")["projected"]["sources"]
    mounted = {s["secret"]["name"] for s in sources}
    for source in sources:
        assert source["secret"]["items"] == [{"key": source["secret"]["name"], "path": source["secret"]["name"]}]
    used_by_functions = {s for fn in stack()["functions"].values() for s in fn.get("secrets", [])}
    # Everything a function reads the worker may need, except what only the HTTP side uses.
    http_only = {"auth-signing-key", "auth-verify-keys", "auth-public-keys", "minio-webhook-token",
                 "billing-webhook-secret"}
    assert used_by_functions - http_only <= mounted, (used_by_functions - http_only) - mounted
    assert {"llm-api-key", "llm-cache-salt-secret"} <= mounted
    # Graceful shutdown outlasts the longest time limit of the class's actors.
    assert pod["terminationGracePeriodSeconds"] * 1000 > longest_time_limit_ms(queue_class)


def longest_time_limit_ms(queue_class: str) -> int:
    import dramatiq

    import shared.worker  # noqa: F401 — registers every actor
    from shared.broker import DEFAULT_TIME_LIMIT_MS
    from shared.queue_classes import QUEUE_CLASSES

    return max(actor.options.get("time_limit", DEFAULT_TIME_LIMIT_MS) for actor in dramatiq.get_broker().actors.values()
               if actor.queue_name in QUEUE_CLASSES[queue_class])


def test_one_worker_deployment_per_priority_class_consuming_only_its_queues_and_scaled_on_them():
    from shared.queue_classes import QUEUE_CLASSES, per_seller_cap

    deployments = {d["metadata"]["name"]: d for d in documents() if d["kind"] == "Deployment"}
    scalers = {d["spec"]["scaleTargetRef"]["name"]: d for d in documents() if d["kind"] == "HorizontalPodAutoscaler"}
    budgets = {d["metadata"]["name"] for d in documents() if d["kind"] == "PodDisruptionBudget"}
    assert set(deployments) == {f"bokai-worker-{name}" for name in QUEUE_CLASSES}
    for name, queues in QUEUE_CLASSES.items():
        deployment = deployments[f"bokai-worker-{name}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        args = container["args"]
        assert args[:4] == ["dramatiq", "shared.worker", "--processes", "1"]
        threads = int(args[args.index("--threads") + 1])
        assert args[args.index("--queues") + 1:] == list(queues)
        # Another seller always finds a thread while one seller holds its cap.
        assert threads > per_seller_cap(queues[0])
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert labels["app"] == "bokai-worker", "deploy/prometheus/prometheus.yml keeps pods by this label"
        assert f"bokai-worker-{name}" in budgets
        metrics = scalers[f"bokai-worker-{name}"]["spec"]["metrics"]
        assert {(m["external"]["metric"]["name"], m["external"]["metric"]["selector"]["matchLabels"]["queue_class"])
                for m in metrics} == {("bokai_queue_class_depth", name), ("bokai_queue_class_oldest_age_seconds", name)}


@pytest.mark.parametrize("kind, name", [("Job", "bokai-migrate")])
def test_migration_job_uses_the_owner_url_and_the_worker_image(kind, name):
    job = next(d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert container["command"] == ["piccolo", "migrations", "forwards", "all"]
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "database-owner-url"
    assert env["DATABASE_APP_ROLE"]["value"] == "bokai_app"
    # The image the job runs must contain the migrations (Dockerfile.fn's worker stage).
    worker_stage = (ROOT / "Dockerfile.fn").read_text().split("AS worker", 1)[1].split("\nFROM ", 1)[0]
    assert "piccolo_migrations" in worker_stage
