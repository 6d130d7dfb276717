"""Deterministic, varied Polish shop text for the benchmarks: product sheets, policies, questions."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (nominative, genitive, category, feature phrases)
PRODUCTS: list[tuple[str, str, str, list[str]]] = [
    ("czajnik elektryczny", "czajnika elektrycznego", "AGD do kuchni",
     ["pojemność {cap} l", "moc {watt} W", "filtr antywapienny", "podświetlenie LED",
      "automatyczne wyłączanie po zagotowaniu", "regulacja temperatury 40–100°C"]),
    ("toster", "tostera", "AGD do kuchni",
     ["{slots} komory", "7 stopni opiekania", "funkcja rozmrażania", "ruszt do bułek", "tacka na okruchy"]),
    ("blender kielichowy", "blendera kielichowego", "AGD do kuchni",
     ["dzbanek {cap} l ze szkła", "moc {watt} W", "kruszenie lodu", "6 noży ze stali nierdzewnej",
      "program do smoothie"]),
    ("ekspres do kawy", "ekspresu do kawy", "AGD do kuchni",
     ["ciśnienie 15 bar", "spieniacz mleka", "młynek żarnowy", "zbiornik na wodę {cap} l",
      "automatyczne odkamienianie", "dwie filiżanki jednocześnie"]),
    ("frytkownica beztłuszczowa", "frytkownicy beztłuszczowej", "AGD do kuchni",
     ["kosz {cap} l", "moc {watt} W", "8 programów", "timer 60 minut", "kosz z powłoką nieprzywierającą"]),
    ("robot planetarny", "robota planetarnego", "AGD do kuchni",
     ["misa {cap} l", "moc {watt} W", "hak do ciasta", "trzepaczka i mieszadło", "10 prędkości"]),
    ("odkurzacz bezworkowy", "odkurzacza bezworkowego", "Sprzątanie",
     ["filtr HEPA", "moc {watt} W", "pojemnik {cap} l", "szczotka do parkietu", "zasięg pracy 9 m"]),
    ("odkurzacz pionowy", "odkurzacza pionowego", "Sprzątanie",
     ["akumulator 25,2 V", "czas pracy do {hours} min", "oświetlenie LED ssawki", "funkcja 2w1"]),
    ("mop parowy", "mopa parowego", "Sprzątanie",
     ["nagrzewanie w 30 sekund", "zbiornik {cap} l", "dwie nakładki z mikrofibry", "regulacja pary"]),
    ("słuchawki bezprzewodowe", "słuchawek bezprzewodowych", "Elektronika",
     ["Bluetooth 5.3", "aktywna redukcja szumów", "czas pracy {hours} h", "etui ładujące USB-C",
      "wodoodporność IPX4"]),
    ("głośnik przenośny", "głośnika przenośnego", "Elektronika",
     ["moc {watt} W", "Bluetooth 5.0", "wodoodporność IP67", "czas pracy {hours} h", "parowanie dwóch głośników"]),
    ("powerbank", "powerbanku", "Elektronika",
     ["pojemność {mah} mAh", "szybkie ładowanie 22,5 W", "dwa porty USB-A i jeden USB-C", "wskaźnik naładowania"]),
    ("ładowarka sieciowa", "ładowarki sieciowej", "Elektronika",
     ["moc {watt} W", "technologia GaN", "port USB-C Power Delivery", "zabezpieczenie przed przegrzaniem"]),
    ("smartwatch", "smartwatcha", "Elektronika",
     ["ekran AMOLED 1,4 cala", "pomiar tętna i SpO2", "GPS", "czas pracy {days} dni", "płatności zbliżeniowe"]),
    ("kurtka zimowa", "kurtki zimowej", "Odzież",
     ["rozmiary S–XXL", "wodoodporność 10 000 mm", "ocieplenie syntetyczne", "odpinany kaptur",
      "kieszenie zapinane na zamek"]),
    ("buty trekkingowe", "butów trekkingowych", "Obuwie",
     ["membrana wodoodporna", "podeszwa Vibram", "rozmiary 36–47", "skóra nubukowa", "cholewka za kostkę"]),
    ("bluza z kapturem", "bluzy z kapturem", "Odzież",
     ["bawełna organiczna 80%", "rozmiary XS–XL", "kieszeń kangurka", "ściągacze przy rękawach"]),
    ("plecak miejski", "plecaka miejskiego", "Akcesoria",
     ["pojemność {liters} l", "kieszeń na laptopa 15,6 cala", "materiał wodoodporny", "port USB do ładowania"]),
    ("kosiarka elektryczna", "kosiarki elektrycznej", "Dom i ogród",
     ["szerokość koszenia {cm} cm", "moc {watt} W", "kosz {liters} l", "regulacja wysokości w 6 poziomach"]),
    ("grill węglowy", "grilla węglowego", "Dom i ogród",
     ["ruszt {cm} cm", "pokrywa z termometrem", "półka boczna", "popielnik wysuwany"]),
    ("wąż ogrodowy", "węża ogrodowego", "Dom i ogród",
     ["długość {meters} m", "średnica 1/2 cala", "odporność na UV", "4 warstwy z oplotem"]),
    ("wiertarko-wkrętarka", "wiertarko-wkrętarki", "Narzędzia",
     ["akumulator 18 V", "moment obrotowy {nm} Nm", "dwa akumulatory w zestawie", "uchwyt 13 mm", "walizka"]),
    ("szlifierka kątowa", "szlifierki kątowej", "Narzędzia",
     ["tarcza 125 mm", "moc {watt} W", "łagodny rozruch", "dodatkowy uchwyt boczny"]),
    ("krem do twarzy", "kremu do twarzy", "Kosmetyki",
     ["pojemność {ml} ml", "kwas hialuronowy", "filtr SPF 30", "dla skóry suchej i wrażliwej", "bez parabenów"]),
    ("szampon do włosów", "szamponu do włosów", "Kosmetyki",
     ["pojemność {ml} ml", "bez siarczanów", "z olejem arganowym", "do włosów farbowanych"]),
    ("klocki konstrukcyjne", "klocków konstrukcyjnych", "Zabawki",
     ["{pieces} elementów", "od 6 lat", "instrukcja w języku polskim", "kompatybilne z popularnymi seriami"]),
    ("lampa biurkowa", "lampy biurkowej", "Oświetlenie",
     ["źródło światła LED {watt} W", "regulacja barwy światła", "ładowarka indukcyjna w podstawie",
      "ściemniacz dotykowy"]),
    ("materac piankowy", "materaca piankowego", "Sypialnia",
     ["wysokość {cm} cm", "pianka termoelastyczna", "pokrowiec zdejmowany do prania", "twardość H3"]),
    ("pościel bawełniana", "pościeli bawełnianej", "Sypialnia",
     ["satyna bawełniana", "wymiary 160×200 cm", "zamek błyskawiczny", "pranie w 60°C"]),
    ("karma dla psa", "karmy dla psa", "Zoologia",
     ["opakowanie {kg} kg", "bez zbóż", "dla ras średnich", "70% mięsa z kurczaka"]),
]
BRANDS = ["Zelmer", "Amica", "Bosch", "Philips", "Tefal", "Xiaomi", "Sencor", "Eldom", "Samsung", "Karcher",
          "Gardena", "Makita", "Ziaja", "Vistula", "Wojas", "Kross", "Lego", "Kaufmann", "Hama", "Camry"]
COLORS = ["czarny", "biały", "srebrny", "grafitowy", "czerwony", "granatowy", "zielony", "beżowy", "różowy",
          "szary"]
MATERIALS = ["stal nierdzewna", "tworzywo sztuczne BPA free", "szkło hartowane", "aluminium", "bawełna",
             "poliester z recyklingu", "drewno bukowe", "silikon"]
CITIES = ["Warszawy", "Krakowa", "Gdańska", "Wrocławia", "Poznania", "Łodzi", "Szczecina", "Lublina",
          "Białegostoku", "Rzeszowa", "Katowic", "Olsztyna"]
CARRIERS = ["InPost", "DPD", "DHL", "GLS", "Pocztę Polską", "FedEx", "Orlen Paczkę"]
PAYMENTS = ["BLIK", "szybki przelew Przelewy24", "PayU", "kartę płatniczą Visa lub Mastercard",
            "przelew tradycyjny", "płatność przy odbiorze", "odroczoną płatność PayPo", "raty 0%", "Google Pay",
            "Apple Pay"]
EXTRAS = [
    "Produkt posiada certyfikat CE.", "W zestawie instrukcja obsługi w języku polskim.",
    "Opakowanie nadaje się do recyklingu.", "Produkt wyprodukowany w Polsce.",
    "Dostępne części zamienne w naszym serwisie.", "Wysyłka w oryginalnym opakowaniu producenta.",
    "Towar dostępny od ręki w magazynie w {city}.", "Ostatnie sztuki w tej cenie.",
    "Nowość w naszym sklepie.", "Bestseller w kategorii {category}.",
]

POLICY_TEMPLATES: list[tuple[str, list[str]]] = [
    ("Zwroty", [
        "Masz {days} dni na odstąpienie od umowy bez podania przyczyny, licząc od dnia otrzymania przesyłki.",
        "Zwrot zgłoś przez formularz na stronie albo mailowo na adres zwroty@{shop}.pl.",
        "Towar odeślij na adres naszego magazynu w {city_loc}, najlepiej przez {carrier}.",
        "Koszt odesłania towaru pokrywa {payer}.",
        "Pieniądze zwracamy w ciągu {refund} dni roboczych tą samą metodą płatności.",
        "Produkty higieniczne po otwarciu opakowania nie podlegają zwrotowi.",
        "Do paczki dołącz dowód zakupu lub numer zamówienia.",
    ]),
    ("Dostawa", [
        "Zamówienia złożone do godziny {hour}:00 w dni robocze wysyłamy tego samego dnia.",
        "Wysyłamy przez {carrier}; koszt dostawy to {ship_price} zł.",
        "Darmowa dostawa od {free_from} zł dla zamówień do paczkomatu i kurierem.",
        "Przesyłka dociera zwykle w {ship_days} dni robocze na terenie całej Polski.",
        "Numer przesyłki wysyłamy SMS-em i mailem zaraz po nadaniu paczki.",
        "Wysyłka za granicę jest możliwa do krajów Unii Europejskiej, koszt od {abroad} zł.",
        "Odbiór osobisty w naszym punkcie w {city_loc} jest bezpłatny.",
    ]),
    ("Płatności", [
        "Akceptujemy {pay1}, {pay2} oraz {pay3}.",
        "Za zamówienie możesz zapłacić przez {pay1}; płatność księgujemy natychmiast.",
        "Przy płatności przelewem tradycyjnym zamówienie czeka na wpłatę {wait} dni robocze.",
        "Płatność przy odbiorze kosztuje dodatkowo {cod} zł.",
        "Zakupy na raty są dostępne od {raty} zł wartości koszyka.",
    ]),
    ("Gwarancja i reklamacje", [
        "Na {product_gen} udzielamy {months} miesięcy gwarancji producenta.",
        "Reklamację z tytułu rękojmi możesz złożyć przez 2 lata od wydania towaru.",
        "Na reklamację odpowiadamy w ciągu {answer} dni kalendarzowych.",
        "Uszkodzony produkt odeślij do serwisu w {city_loc} razem z opisem usterki.",
        "Koszt przesyłki reklamowanego towaru pokrywa sklep.",
        "Jeśli naprawa nie jest możliwa, wymieniamy towar na nowy lub zwracamy pieniądze.",
    ]),
    ("Faktury", [
        "Fakturę VAT wystawiamy automatycznie, jeśli podasz NIP podczas składania zamówienia.",
        "Faktury wysyłamy mailem w formacie PDF w ciągu {inv} dni od wysyłki towaru.",
        "Korektę faktury wystawiamy na prośbę wysłaną na adres faktury@{shop}.pl.",
        "Nie dołączamy papierowych paragonów do paczki; paragon elektroniczny przychodzi mailem.",
    ]),
    ("Zmiana zamówienia", [
        "Zamówienie możesz zmienić lub anulować do momentu nadania paczki.",
        "Zmianę adresu dostawy zgłoś telefonicznie pod numerem {phone} w godzinach {open}–{close}.",
        "Anulowane zamówienie opłacone online zwracamy w ciągu {refund} dni roboczych.",
        "Do zamówienia nie można dodać produktów po opłaceniu; złóż nowe zamówienie.",
    ]),
    ("Kontakt", [
        "Biuro obsługi klienta pracuje od poniedziałku do piątku w godzinach {open}:00–{close}:00.",
        "Napisz do nas na adres sklep@{shop}.pl, odpowiadamy w ciągu {answer_h} godzin.",
        "Infolinia: {phone}, koszt połączenia według taryfy operatora.",
        "Sklep stacjonarny w {city_loc} jest otwarty także w soboty.",
    ]),
]
SHOPS = ["domowedobra", "kuchniaplus", "sportmax", "ogrodek24", "elektroland", "modnaszafa", "zoomarket"]
# Locative forms for "w {city}".
CITY_LOC = {"Warszawy": "Warszawie", "Krakowa": "Krakowie", "Gdańska": "Gdańsku", "Wrocławia": "Wrocławiu",
            "Poznania": "Poznaniu", "Łodzi": "Łodzi", "Szczecina": "Szczecinie", "Lublina": "Lublinie",
            "Białegostoku": "Białymstoku", "Rzeszowa": "Rzeszowie", "Katowic": "Katowicach",
            "Olsztyna": "Olsztynie"}


@dataclass(frozen=True, slots=True)
class BenchChunk:
    heading: str
    text: str

    @property
    def embedding_text(self) -> str:
        # Same shape as shared.knowledge.chunking.Chunk.embedding_text.
        return f"{self.heading}\n{self.text}"


def _values(rng: random.Random) -> dict[str, object]:
    return {
        "cap": rng.choice(["0,5", "1", "1,2", "1,5", "1,7", "2", "3,5", "5"]),
        "watt": rng.choice([20, 45, 65, 300, 800, 1200, 1500, 1800, 2000, 2200]),
        "slots": rng.choice([2, 4]), "hours": rng.choice([8, 12, 20, 30, 40, 60]),
        "mah": rng.choice([5000, 10000, 20000]), "days": rng.choice([7, 10, 14]),
        "liters": rng.choice([20, 25, 30, 45, 50]), "cm": rng.choice([18, 33, 37, 42, 46, 54]),
        "meters": rng.choice([15, 20, 25, 50]), "nm": rng.choice([40, 55, 60]),
        "ml": rng.choice([50, 200, 300, 500]), "pieces": rng.choice([150, 420, 780, 1200]),
        "kg": rng.choice([2, 3, 7, 12, 15]),
    }


def product_chunk(rng: random.Random) -> BenchChunk:
    name, _genitive, category, features = rng.choice(PRODUCTS)
    brand = rng.choice(BRANDS)
    model = f"{rng.choice('ABCDEKMPSTXZ')}{rng.choice('ABCDEKMPSTXZ')}-{rng.randint(100, 9999)}"
    values = _values(rng)
    chosen = rng.sample(features, k=min(len(features), rng.randint(2, 4)))
    parts = [f"{name.capitalize()} {brand} {model}: " + ", ".join(f.format(**values) for f in chosen) + "."]
    if rng.random() < 0.6:
        parts.append(f"Kolor: {rng.choice(COLORS)}.")
    if rng.random() < 0.4:
        parts.append(f"Materiał: {rng.choice(MATERIALS)}.")
    parts.append(f"Gwarancja {rng.choice([12, 24, 36, 60])} mies.")
    parts.append(f"Cena {rng.randint(19, 2999)},{rng.choice(['00', '49', '99'])} zł.")
    if rng.random() < 0.5:
        parts.append(rng.choice(EXTRAS).format(city=CITY_LOC[rng.choice(CITIES)], category=category))
    return BenchChunk(f"{category} — {name}", " ".join(parts))


def policy_chunk(rng: random.Random) -> BenchChunk:
    heading, sentences = rng.choice(POLICY_TEMPLATES)
    pays = rng.sample(PAYMENTS, 3)
    product = rng.choice(PRODUCTS)
    values = {
        "days": rng.choice([14, 21, 30, 60, 100]), "shop": rng.choice(SHOPS),
        "city_loc": CITY_LOC[rng.choice(CITIES)], "carrier": rng.choice(CARRIERS),
        "payer": rng.choice(["kupujący", "sklep", "sklep przy zwrocie powyżej 200 zł"]),
        "refund": rng.choice([3, 5, 7, 14]), "hour": rng.choice([11, 12, 13, 14, 15]),
        "ship_price": rng.choice(["9,99", "12,99", "14,99", "16,90", "19,99"]),
        "free_from": rng.choice([99, 149, 199, 249, 300]), "ship_days": rng.choice(["1–2", "2–3", "1–3"]),
        "abroad": rng.choice([39, 49, 59]), "pay1": pays[0], "pay2": pays[1], "pay3": pays[2],
        "wait": rng.choice([3, 5, 7]), "cod": rng.choice([5, 7, 9]), "raty": rng.choice([300, 500, 1000]),
        "product_gen": product[1], "months": rng.choice([12, 24, 36, 60]), "answer": rng.choice([7, 14]),
        "inv": rng.choice([1, 2, 3]), "phone": f"+48 {rng.randint(500, 799)} {rng.randint(100, 999)} "
                                              f"{rng.randint(100, 999)}",
        "open": rng.choice([7, 8, 9]), "close": rng.choice([16, 17, 18, 20]), "answer_h": rng.choice([12, 24, 48]),
    }
    picked = rng.sample(sentences, k=rng.randint(2, min(4, len(sentences))))
    return BenchChunk(heading, " ".join(s.format(**values) for s in picked))


def review_chunk(rng: random.Random) -> BenchChunk:
    name, genitive, category, features = rng.choice(PRODUCTS)
    brand = rng.choice(BRANDS)
    feature = rng.choice(features).format(**_values(rng))
    openings = ["Pytanie klienta", "Opinia klienta", "Najczęstsze pytanie"]
    bodies = [
        f"Czy {name} {brand} ma {feature}? Tak, model ma {feature}, co potwierdza karta produktu.",
        f"Używam {genitive} {brand} od {rng.randint(2, 18)} miesięcy. Plus: {feature}. "
        f"Minus: {rng.choice(['głośna praca', 'krótki przewód', 'wysoka cena', 'brak etui'])}.",
        f"Jak czyścić {name} {brand}? Elementy zdejmowane myj ręcznie, a obudowę przecieraj wilgotną ściereczką.",
        f"Czy do {genitive} {brand} są dostępne części zamienne? Tak, zamówisz je przez formularz serwisowy.",
    ]
    return BenchChunk(f"{rng.choice(openings)} — {category}", rng.choice(bodies))


def shop_chunks(count: int, seed: int = 7) -> list[BenchChunk]:
    """``count`` distinct chunks: ~65% product sheets, ~25% policy paragraphs, ~10% customer Q&A."""
    rng = random.Random(seed)
    seen: set[str] = set()
    chunks: list[BenchChunk] = []
    while len(chunks) < count:
        roll = rng.random()
        chunk = product_chunk(rng) if roll < 0.65 else policy_chunk(rng) if roll < 0.9 else review_chunk(rng)
        if chunk.text not in seen:
            seen.add(chunk.text)
            chunks.append(chunk)
    return chunks


QUERY_TEMPLATES = [
    "Ile kosztuje {name} {brand}?", "czy {name} {brand} jest dostępny w kolorze {color}m?",
    "Jak długo trwa gwarancja {gen} {brand}?", "jaką moc ma {name} {brand}", "{name} {brand} cena",
    "Szukam {gen} z funkcją: {feature}", "Czy macie {gen} {brand} na stanie?",
    "Ile dni mam na zwrot towaru?", "jak zwrócić towar kupiony w sklepie", "kto płaci za odesłanie paczki przy zwrocie",
    "Ile kosztuje wysyłka kurierem {carrier}?", "od jakiej kwoty jest darmowa dostawa", "Kiedy wyślecie moją paczkę?",
    "czy mozna zaplacic blikiem", "Czy mogę zapłacić przy odbiorze?", "czy są raty 0%",
    "Jak złożyć reklamację {gen}?", "ile trwa rozpatrzenie reklamacji", "Potrzebuję faktury VAT na firmę",
    "jak zmienić adres dostawy zamówienia", "Czy mogę anulować zamówienie?", "W jakich godzinach działa infolinia?",
    "czy wysyłacie do Niemiec", "Gdzie jest wasz sklep stacjonarny w {city}?", "czy {name} ma {feature}",
    "jak czyścić {name}", "części zamienne do {gen} {brand}", "kiedy dostanę zwrot pieniędzy",
]


def queries(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        name, genitive, _category, features = rng.choice(PRODUCTS)
        result.append(rng.choice(QUERY_TEMPLATES).format(
            name=name, gen=genitive, brand=rng.choice(BRANDS), color=rng.choice(COLORS),
            feature=rng.choice(features).format(**_values(rng)), carrier=rng.choice(CARRIERS),
            city=CITY_LOC[rng.choice(CITIES)],
        ))
    return result
