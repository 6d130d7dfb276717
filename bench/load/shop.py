"""What every simulated seller has and what their customers ask (Polish, grounded in that KB).

Every seller gets the same small knowledge base — one short shop policy document (3 sections, one
chunk each) and 3 curated answers — so its embeddings are computed once per run, whatever the number
of sellers (the local embedding server is CPU-only). Every customer question below is grounded by
that KB (a passage above the grounding threshold, or a curated question verbatim), so the agent
drafts a reply to each: a message without a reply or draft at the end of a run was lost or is late.
"""

from __future__ import annotations

POLICY_TITLE = "Regulamin sklepu"
POLICY = """# Wysyłka

Zamówienia złożone do 13:00 wysyłamy tego samego dnia kurierem InPost lub do Paczkomatu. Wysyłka do
Paczkomatu kosztuje 12,99 zł, kurierem 15,99 zł; od 200 zł dostawa jest darmowa.

# Zwroty

Towar można zwrócić w ciągu 30 dni od otrzymania przesyłki. Zwrot przez Paczkomat jest bezpłatny z kodem
z panelu klienta.

# Płatności

Przyjmujemy BLIK, przelew, kartę i płatność przy odbiorze (dopłata 5 zł). Faktury VAT wystawiamy do
każdego zamówienia.
"""

CURATED_ANSWERS = [
    ("Czy wysyłacie za granicę?", "Wysyłamy wyłącznie na terenie Polski."),
    ("Czy produkty są nowe?", "Tak, sprzedajemy wyłącznie nowe, oryginalnie zapakowane produkty."),
    ("Czy mogę odebrać zamówienie osobiście?",
     "Nie prowadzimy odbioru osobistego; wysyłamy kurierem InPost lub do Paczkomatu."),
]

CUSTOMER_QUESTIONS = [
    "Ile kosztuje wysyłka do paczkomatu?", "Czy zwrot przez paczkomat jest darmowy?",
    "Do której godziny muszę zamówić, żeby paczka wyszła dziś?", "Czy mogę zapłacić przy odbiorze?",
    "Ile mam dni na zwrot towaru?", "Czy wystawiacie faktury VAT?", "Od jakiej kwoty dostawa jest darmowa?",
    "Jakie formy płatności przyjmujecie?", "Ile kosztuje kurier?", "Czy można zapłacić BLIKiem?",
    "Czy wysyłacie za granicę?", "Czy produkty są nowe?",
]

SEARCH_QUERIES = ["zwrot towaru", "koszt wysyłki kurierem", "płatność BLIK", "faktura VAT", "darmowa dostawa"]
