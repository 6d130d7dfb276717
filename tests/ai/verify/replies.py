"""Real model outputs for the send verifier: what the local SmolLM2 and the last review's run produced
(bad) and replies a careful person would send (good), each with the knowledge it was given.

Bad ones were copied from the review of 2026-12 (issue "Verify before send") and from the local stack
(`smollm2-135m-instruct`, this repo's prompt, collected with tests/ai/verify/collect.py); good ones
were written from the same documents.
"""

BIKE_SHOP = [
    "Wysyłka\n\nZamówienia złożone do 14:00 wysyłamy tego samego dnia. Dostawa kurierem DPD kosztuje 19 zł, "
    "a przy zamówieniu powyżej 500 zł jest darmowa. Rowery wysyłamy na palecie za 149 zł.",
    "Zwroty\n\nTowar można zwrócić w ciągu 14 dni od otrzymania przesyłki. Paczkę ze zwrotem należy odesłać na "
    "adres: Rowerownia, ul. Polna 3, 60-001 Poznań. Zwrot przez Paczkomat InPost jest bezpłatny. Pieniądze "
    "zwracamy w ciągu 7 dni od otrzymania zwrotu.",
    "Rozmiary ram\n\nDla wzrostu 160–170 cm polecamy ramę S, 170–177 cm ramę M, 178–188 cm ramę L.",
    "Reklamacje\n\nReklamację rozpatrujemy w ciągu 14 dni. Numer przesyłki znajdziesz w zakładce Moje zakupy.",
]
TITLES = ["Wysylka.md", "Zwroty", "Rozmiary ram", "Reklamacje"]
# The instruction sentences of the prompts the bad outputs were generated with (the review's, then ours).
OLD_INSTRUCTIONS = [
    'Zwróć wyłącznie obiekt JSON: {"answerable": true, "quotes": ["zdanie skopiowane dosłownie z <wiedza>"], '
    '"answer": "odpowiedź dla klienta"}.',
    "Odpowiadasz kupującym na wiadomości z platformy Allegro. Opieraj się wyłącznie na informacjach z bloku "
    "<wiedza>. Jeśli ich tam nie ma, napisz, że sprawdzisz to i wrócisz z odpowiedzią; niczego nie zmyślaj.",
    "Napisz odpowiedź dla klienta (po polsku, 2–3 zdania).",
]

# (customer message, quotes, answer, the reason the verifier must give). Not caught, by design: a fact
# the quotes contain, paired wrongly ("ramę S" for 178 cm quoting the 160–170 cm row) — the verifier
# checks that facts exist in the evidence, not how they relate.
BAD = [
    ("Czy jest kod rabatowy na pierwszy zakup?", ["Rowery wysyłamy na palecie za 149 zł."],
     "Za płatku 1000 zł do 2000 zł otrzymasz rabat.", "unsupported_claim"),
    ("Mam 178 cm wzrostu, jaką ramę wybrać?", ["178–188 cm ramę L"],
     "Dla wzrostu 178 cm polecamy ramę S.", "unsupported_claim"),
    ("Ile mam czasu na zwrot?", ["Towar można zwrócić w ciągu 14 dni od otrzymania przesyłki."],
     "Zwrot jest możliwy w ciągu 149 dni.", "unsupported_claim"),
    ("Ile mam czasu na zwrot?", ["Towar można zwrócić w ciągu 14 dni od otrzymania przesyłki."],
     "Za jedną klientach wybrócie.", "not_fluent"),
    ("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
     "Wysylka.md: Czas wysyłowie, krót za pomilę 149 zł.", "prompt_echo"),
    ("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
     "Napisz odpowiedź dla klienta (Po polsku, 2–3 zdania)", "prompt_echo"),
    ("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
     "<wiedza> [1] Wysyłka: Dostawa kurierem DPD kosztuje 19 zł </wiedza>", "prompt_echo"),
    ("Czy macie ubezpieczenie od kradzieży?", ["Rower jest ubezpieczony od kradzieży przez rok."],
     "Tak, rower jest ubezpieczony od kradzieży przez rok.", "unsupported_quote"),
    ("Czy macie ubezpieczenie od kradzieży?", [],
     "Tak, oferujemy ubezpieczenie od kradzieży.", "no_evidence"),
    ("Czy macie ubezpieczenie od kradzieży?", ["Towar można zwrócić w ciągu 14 dni od otrzymania przesyłki."],
     "Tak, ubezpieczenie jest dostępne dla każdego roweru.", "not_answered"),
    ("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
     "Delivery by DPD courier costs 19 PLN.", "wrong_language"),
    ("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
     "Dostawa kurierem GLS kosztuje 19 zł.", "unsupported_claim"),
    ("Do której wysyłacie?", ["Zamówienia złożone do 14:00 wysyłamy tego samego dnia."],
     "Zamówienia złożone do 16:00 wysyłamy tego samego dnia.", "unsupported_claim"),
    ("Gdzie odesłać zwrot?", ["Paczkę ze zwrotem należy odesłać na adres: Rowerownia, ul. Polna 3, 60-001 Poznań."],
     "Zwrot prosimy odesłać na adres: Rowerownia, ul. Polna 3, 60-001 Poznań lub napisać na zwroty@rowerownia.pl.",
     "unsupported_claim"),
    # From the local model with this repo's JSON prompt (bench.answer_eval --show, 2026-12-04): it fills
    # the object with the prompt's own example, or with invented words.
    ("Ile kosztuje wysyłka?", ["zdanie skopiowane dosłownie z <wiedza>"], "odpowiedź dla klienta", "prompt_echo"),
    ("Jaki rozmiar ramy?", [], "odpowiedź dla klientach czy lub wykrycja aplikacji móď.", "not_fluent"),
    ("Ile kosztuje wysyłka?", [], "odpowiedżerze dla klienta", "not_fluent"),
]

GOOD = [
    ("Ile kosztuje wysyłka roweru?", ["Rowery wysyłamy na palecie za 149 zł."],
     "Dzień dobry, rower wysyłamy na palecie, a taka wysyłka kosztuje 149 zł."),
    ("Mam 178 cm wzrostu, jaką ramę wybrać?",
     ["Dla wzrostu 160–170 cm polecamy ramę S, 170–177 cm ramę M, 178–188 cm ramę L."],
     "Przy wzroście 178 cm polecamy ramę L."),
    ("Gdzie mam odesłać paczkę przy zwrocie?",
     ["Paczkę ze zwrotem należy odesłać na adres: Rowerownia, ul. Polna 3, 60-001 Poznań."],
     "Dzień dobry, paczkę ze zwrotem prosimy odesłać na adres: Rowerownia, ul. Polna 3, 60-001 Poznań."),
    ("Czy zwrot przez paczkomat jest bezpłatny?", ["Zwrot przez Paczkomat InPost jest bezpłatny."],
     "Tak, zwrot przez Paczkomat InPost jest bezpłatny."),
    ("Kiedy dostanę pieniądze po zwrocie?", ["Pieniądze zwracamy w ciągu 7 dni od otrzymania zwrotu."],
     "Pieniądze zwracamy w ciągu 7 dni od otrzymania Pana zwrotu. Pozdrawiamy!"),
    ("Ile trwa rozpatrzenie reklamacji?", ["Reklamację rozpatrujemy w ciągu 14 dni."],
     "Reklamację rozpatrujemy w ciągu 14 dni od jej otrzymania."),
    ("Gdzie znajdę numer przesyłki?", ["Numer przesyłki znajdziesz w zakładce Moje zakupy."],
     "Numer przesyłki znajdzie Pani w zakładce Moje zakupy."),
]

# Good replies the verifier still holds for a person (`not_answered`): a word or number of the question
# is not in the quoted sentence (a synonym; the customer's own amount compared with a threshold), so
# sending alone is not proven safe. A draft costs the seller a click.
HELD_GOOD = [
    ("Zamówię dziś o 13, kiedy wysyłacie?", ["Zamówienia złożone do 14:00 wysyłamy tego samego dnia."],
     "Zamówienia złożone do 14:00 wysyłamy tego samego dnia, więc zamówienie z 13 wyślemy dzisiaj."),
    ("Czy przy zamówieniu za 600 zł dostawa jest darmowa?",
     ["Dostawa kurierem DPD kosztuje 19 zł, a przy zamówieniu powyżej 500 zł jest darmowa."],
     "Tak, przy zamówieniu powyżej 500 zł dostawa kurierem DPD jest darmowa."),

    ("Czy zwrot przez paczkomat jest darmowy?", ["Zwrot przez Paczkomat InPost jest bezpłatny."],
     "Tak, zwrot przez Paczkomat InPost jest bezpłatny."),
]
