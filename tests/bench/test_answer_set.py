"""The labelled answer set (bench/data/answers, issue 20) is well-formed and its test split frozen.

Pure file checks, no servers: the counts and language minimums the issue asks for, every covered
question's key facts really in its shop's documents, no facts on the other kinds, and the sha256 of
questions_test.jsonl equal to FROZEN.sha256 — editing the test split fails this test on purpose.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.answer_set import (FILES, ROOT, fact_found, frozen_split_intact, load_questions, load_shops,
                              split_sha256)


@pytest.fixture(scope="module")
def shops():
    return load_shops()


@pytest.fixture(scope="module")
def questions():
    return load_questions("all")


def test_shops_are_varied_and_documented(shops):
    assert len(shops) >= 6
    languages = Counter(shop.language for shop in shops.values())
    assert languages["pl"] >= 4 and languages["ro"] >= 1
    assert any(shop.language == "ro" and shop.platform == "emag" for shop in shops.values())
    for shop in shops.values():
        assert 4 <= len(shop.documents) <= 7, shop.slug
        for document in shop.documents:
            words = len(document.text.split())
            assert 150 <= words <= 600, (shop.slug, document.filename, words)
            assert document.title and document.title != document.filename, (shop.slug, document.filename)


def test_counts_and_languages(questions):
    kinds = Counter(q.kind for q in questions)
    assert kinds["covered"] >= 170 and kinds["not_covered"] >= 170 and kinds["needs_person"] >= 40, kinds
    languages = Counter(q.language for q in questions)
    assert languages["pl"] >= 0.65 * len(questions), languages
    for language in ("ro", "hu", "bg", "en"):
        assert languages[language] >= 12, languages


def test_ids_unique_and_splits_disjoint():
    train, test = load_questions("train"), load_questions("test")
    ids = [q.id for q in train + test]
    assert len(ids) == len(set(ids))
    texts = [(q.shop, q.text.casefold()) for q in train + test]
    assert len(texts) == len(set(texts)), "the same question twice for one shop"
    # about 40% of every kind in the test split
    for kind in ("covered", "not_covered", "needs_person"):
        share = sum(q.kind == kind for q in test) / sum(q.kind == kind for q in train + test)
        assert 0.3 <= share <= 0.5, (kind, share)


def test_every_question_belongs_to_a_shop(shops, questions):
    assert {q.shop for q in questions} <= set(shops)
    assert {q.shop for q in questions} == set(shops), "a shop without questions"


def test_covered_key_facts_are_in_the_shops_documents(shops, questions):
    missing = []
    for q in questions:
        if q.kind != "covered":
            continue
        assert 1 <= len(q.key_facts) <= 3, q.id
        knowledge = shops[q.shop].knowledge()
        for fact in q.key_facts:
            # every acceptable form, not just one of them, is the shop's own wording
            missing += [(q.id, form) for form in fact.split("|") if not fact_found(form, knowledge)]
    assert not missing, missing


def test_other_kinds_have_no_key_facts(questions):
    assert not [q.id for q in questions if q.kind != "covered" and q.key_facts]


def test_the_files_are_one_object_a_line_with_the_documented_fields():
    for name in FILES.values():
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            assert set(json.loads(line)) == {"id", "shop", "language", "kind", "text", "keyFacts"}


def test_test_split_is_frozen():
    recorded = (ROOT / "FROZEN.sha256").read_text().split()[0]
    assert split_sha256() == recorded, "questions_test.jsonl changed: the test split is frozen"
    assert frozen_split_intact()


def test_fact_found():
    assert fact_found("14 dni", "Masz 14 DNI na zwrot.")
    assert fact_found("dwa tygodnie|14 dni", "Na zwrot masz 14\u00a0dni.")  # alternative, NBSP
    assert fact_found("12,99 zł", "Paczkomat kosztuje 12.99 zł")  # decimal point vs comma
    assert fact_found("12.99", "Paczkomat: 12,99 zł")
    assert fact_found("1–2 dni robocze", "wysyłka w 1-2   dni\nrobocze")  # dash, whitespace
    assert fact_found("10 000 mAh", "pojemność 10000 mAh")  # digit groups
    assert fact_found("darmow", "Zwrot jest darmowy.")  # a longer form may end inside a word
    assert not fact_found("15 zł", "Dopłata wynosi 115 zł.")  # not inside a longer number
    assert not fact_found("14", "Zwrot w ciągu 140 dni albo 1,14 roku")
    assert not fact_found("L", "Wybierz rozmiar XL, to 19 cali lat temu")  # a short form is a whole word
    assert fact_found("L", "Przy 178 cm wybierz rozmiar L (19\").")
    assert not fact_found("30 dni", "Masz 14 dni na zwrot.")
    assert not fact_found("", "anything") and not fact_found("|", "anything")
