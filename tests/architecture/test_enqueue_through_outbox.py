"""Every job that follows a database change is staged in the outbox with that change (issue 22).

A direct enqueue after a commit fails (a 500 for a change that is in fact made) or blocks while Redis
is away, and a blocking enqueue on the worker's event loop freezes every async actor and the relay.
The modules below are the only ones allowed to enqueue directly; each says why it needs no outbox.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.imports import ROOT

ALLOWED = {
    "shared/broker.py": "defines enqueue itself",
    "shared/outbox/staging.py": "publish: a staged job, once its transaction committed",
    "shared/outbox/relay.py": "the relay: the staged jobs publish could not enqueue",
    "shared/ai/actors.py": "a running job's next step after reads only: the job is acknowledged after the "
                           "enqueue, so a failed enqueue runs the job again",
    "shared/knowledge/idle_tenants.py": "the periodic Weaviate sweep: no database change, no tenant to stage under",
    "functions/sync/handler.py": "the polling round's trigger: no database change, no tenant to stage under",
    "shared/crashing_jobs.py": "broker middleware deferring or giving up the message it is handling, like "
                               "Dramatiq's own retries: no database change",
}
# Names that enqueue at once, wherever they are imported from.
ENQUEUERS = {"enqueue", "enqueue_or_fail", "enqueue_job"}
# Dramatiq's own ways: Actor.send / send_with_options, Broker.enqueue.
SENDS = {"send", "send_with_options"}


def _sources(root: Path):
    for top in ("shared", "functions"):
        for path in sorted((root / top).rglob("*.py")):
            yield str(path.relative_to(root)), ast.parse(path.read_text())


def _is_actor(node: ast.AST) -> bool:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(target, ast.Attribute) and target.attr == "actor") or \
                (isinstance(target, ast.Name) and target.id == "actor"):
            return True
    return False


def _actor_names(root: Path) -> set[str]:
    return {node.name for _, tree in _sources(root) for node in ast.walk(tree) if _is_actor(node)}


def _imported_enqueuers(tree: ast.Module) -> set[str]:
    """Local names bound to an enqueuer by ``from … import enqueue [as x]``."""
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names if alias.name in ENQUEUERS}


def _enqueue_references(tree: ast.Module, actors: set[str]) -> list[ast.AST]:
    local = _imported_enqueuers(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in local and isinstance(node.ctx, ast.Load):
            found.append(node)
        elif isinstance(node, ast.Attribute) and node.attr in ENQUEUERS:
            found.append(node)
        elif isinstance(node, ast.Attribute) and node.attr in SENDS:
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            via_lookup = isinstance(owner, ast.Call) and getattr(owner.func, "attr", None) == "get_actor"
            if name in actors or via_lookup or node.attr == "send_with_options":
                found.append(node)
    return found


def direct_enqueues(root: Path = ROOT) -> dict[str, list[int]]:
    """Module → lines that enqueue a job directly (not through ``shared.outbox.staging.stage``)."""
    actors = _actor_names(root)
    found = {}
    for relative, tree in _sources(root):
        lines = sorted({node.lineno for node in _enqueue_references(tree, actors)})
        if lines:
            found[relative] = lines
    return found


def enqueues_on_the_event_loop(root: Path = ROOT) -> dict[str, list[int]]:
    """Module → lines where an ``async def`` calls an enqueuer itself instead of handing it to a thread."""
    actors = _actor_names(root)
    found: dict[str, list[int]] = {}
    for relative, tree in _sources(root):
        references = {id(node) for node in _enqueue_references(tree, actors)}
        for function in ast.walk(tree):
            if not isinstance(function, ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and id(node.func) in references:
                    found.setdefault(relative, []).append(node.lineno)
    return found


def test_only_the_allowed_modules_enqueue_directly():
    unexpected = {module: lines for module, lines in direct_enqueues().items() if module not in ALLOWED}
    assert unexpected == {}, (
        "stage the job with the change that needs it (shared.outbox.staging.stage / insert_and_stage, then "
        f"publish after the commit); see docs/architecture.md 'Jobs': {unexpected}")


def test_the_allow_list_holds_no_module_that_stopped_enqueueing():
    stale = {module for module in ALLOWED if (ROOT / module).exists()} - set(direct_enqueues())
    assert stale == set(), f"remove these from ALLOWED: {stale}"


def test_no_enqueue_blocks_an_event_loop():
    assert enqueues_on_the_event_loop() == {}, "a blocking enqueue in async code: use asyncio.to_thread"


OLD_SERVICE = '''
from shared.broker import enqueue

async def complete_olx_connect(state, code):
    account_id = await save_connected_account(tenant_id, platform="olx", credentials=credentials)
    enqueue(*SYNC_ACTOR, str(tenant_id), str(account_id))
'''
OLD_FAN_OUT = '''
import dramatiq
from shared.broker import enqueue as put

@dramatiq.actor(actor_name="channels.sync_account")
async def sync_account(tenant_id, account_id): ...

@dramatiq.actor(actor_name="channels.schedule_sync")
async def schedule_sync():
    for tenant_id, account_id in await sync.sync_targets():
        put("channels", "channels.sync_account", str(tenant_id), str(account_id))
        sync_account.send(str(tenant_id), str(account_id))
        dramatiq.get_broker().get_actor("channels.sync_account").send_with_options(args=())
        broker.enqueue(message)
'''
IN_A_THREAD = '''
import asyncio
from shared.broker import enqueue

async def trigger():
    await asyncio.to_thread(enqueue, "channels", "channels.schedule_sync")
'''


def test_the_checks_catch_the_patterns_they_forbid(tmp_path):
    (tmp_path / "functions").mkdir()
    channels = tmp_path / "shared" / "channels"
    channels.mkdir(parents=True)
    (channels / "service.py").write_text(OLD_SERVICE)
    (channels / "actors.py").write_text(OLD_FAN_OUT)
    (channels / "trigger.py").write_text(IN_A_THREAD)
    assert direct_enqueues(tmp_path) == {"shared/channels/actors.py": [11, 12, 13, 14],
                                         "shared/channels/service.py": [6],
                                         "shared/channels/trigger.py": [6]}
    assert enqueues_on_the_event_loop(tmp_path) == {"shared/channels/actors.py": [11, 12, 13, 14],
                                                    "shared/channels/service.py": [6]}
