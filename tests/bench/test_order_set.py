"""The order question set of bench.order_eval: at least 40 Polish questions, every kind, every scenario real."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench import worst_case_model
from bench.order_eval import DATA, load_questions, snapshot_of
from shared.ai.language import detect
from shared.orders.evidence import order_facts


def test_the_set_has_every_kind_and_each_question_names_a_known_scenario():
    questions = load_questions()
    scenarios = json.loads((DATA / "scenarios.json").read_text())
    assert len(questions) >= 40 and len({q.id for q in questions}) == len(questions)
    assert Counter(q.kind for q in questions).keys() == {"with_order", "no_order", "foreign", "needs_person"}
    assert all(q.scenario in scenarios for q in questions if q.kind != "no_order")
    assert all(q.scenario is None for q in questions if q.kind == "no_order")
    assert all(q.key_facts for q in questions if q.kind == "with_order")
    assert all(detect(q.text).language == "pl" or detect(q.text).fallback for q in questions)


def test_every_key_fact_stands_in_its_orders_sentences():
    # A key fact the order does not state could never be answered: the set would measure nothing.
    from datetime import datetime, timezone

    from bench.answer_set import fact_found

    scenarios = json.loads((DATA / "scenarios.json").read_text())
    for question in load_questions():
        if question.kind == "with_order":
            facts = "\n".join(order_facts(snapshot_of(scenarios[question.scenario], "o1", datetime.now(timezone.utc))))
            assert all(fact_found(f, facts) for f in question.key_facts), question.id


def test_the_worst_case_model_also_copies_from_the_order():
    prompt = ("<zamowienie>\nZamówienie nr 1 złożono 2.12.2026.\nPrzesyłka, czyli paczka, nadana przez przewoźnika "
              "InPost, ostatni status przesyłki u przewoźnika: doręczona, 4.12.2026, godz. 10:05.\n</zamowienie>\n\n"
              "<wiedza>\n(brak)\n</wiedza>\n\n<klient>\nGdzie jest moja paczka i jaki ma status?\n</klient>")
    answer = json.loads(worst_case_model.answer_for([{"content": prompt}]))
    assert answer["quotes"] == ["Przesyłka, czyli paczka, nadana przez przewoźnika InPost, ostatni status przesyłki "
                                "u przewoźnika: doręczona, 4.12.2026, godz. 10:05."]


@pytest.mark.integration
def test_the_order_eval_runs_through_the_reply_path_with_the_worst_case_model():
    """The bench itself, on the test database: a question with its order tied the way a synced thread ties
    it, through the agent, scored (a change to the linking or the agent that breaks the bench fails here)."""
    run = subprocess.run([sys.executable, "-m", "bench.order_eval", "--model", "worst-case", "--limit", "5"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "model=worst-case safe=yes" in run.stdout and " questions 5\n" in run.stdout
