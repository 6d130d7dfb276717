"""The order question set of bench.order_eval: at least 40 Polish questions, every kind, every scenario real."""

from __future__ import annotations

import json
from collections import Counter

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
