"""Phrases the marketplace policy guard looks for in a draft reply (pl first, then en, ro, hu, bg).

Written with diacritics, compiled diacritics- and case-insensitive as whole words
(`textnorm.compile_folded`); a space matches any whitespace.
"""

from __future__ import annotations

_W2 = r"(?:\w+ ){0,2}"
_W3 = r"(?:\w+ ){0,3}"

TLDS = (
    "pl", "com", "eu", "net", "org", "ro", "bg", "hu", "de", "cz", "sk", "uk", "co", "io", "me", "info",
    "biz", "shop", "store", "online", "site", "app", "link", "ly", "gl", "xyz", "page", "tv", "to", "cc",
)

# Moving the buyer to another channel: forbidden on marketplaces, whatever the contact detail.
OFF_PLATFORM = [
    rf"zadzwo[nń]\w* {_W2}(?:do nas|pod (?:nasz |ten )?numer\w*|na (?:nasz |ten )?numer\w*)",
    rf"kontakt\w* {_W2}(?:telefoniczn\w*|mailow\w*|bezpo[sś]redni\w*|przez (?:whatsapp|messenger\w*|sms))",
    rf"skontaktuj\w* si[eę] {_W2}(?:telefoniczn\w*|mailow\w*|bezpo[sś]redni\w*|poza)",
    rf"napisz\w* {_W2}(?:maila|mailem|e-?mail\w*|sms\w*|na priv\w*|prywatnie)",
    r"whats ?app\w*", r"messenger\w*", r"telegram\w*", r"viber\w*", r"na priv\w*",
    r"poza (?:allegro|olx|amazon\w*|emag\w*|platform\w*|serwis\w*|portal\w*)",
    r"nasz\w* (?:adres\w* )?e-?mail\w*", r"nasz\w* (?:numer\w* )?telefon\w*", r"numer\w* telefonu",
    r"nasz\w* sklep\w* internetow\w*", r"nasz\w* stron\w* (?:internetow\w*|www)",
    r"newsletter\w*", r"facebook\w*", r"instagram\w*", r"tik ?tok\w*", r"youtube\w*",
    rf"(?:obserwuj|polub)\w* nas", r"call us", r"email us", r"e-mail us", r"text us",
    r"contact us directly", r"outside (?:of )?(?:amazon|allegro|emag)", r"follow us",
    r"suna[tț]i-ne", r"h[ií]vjon", r"обадете се",
]
RATING_REQUEST = [
    rf"(?:wystaw|zostaw|dodaj|napisz|prosimy o|prosz[eę] o|wdzi[eę]czn\w* za|liczymy na|zach[eę]ca\w* do)"
    rf"\w* {_W3}(?:komentarz\w*|ocen\w*|opini\w*|recenzj\w*|gwiazd\w*|feedback|review\w*)",
    rf"oce[nń]\w* {_W2}(?:transakcj\w*|zakup\w*|nas|sprzedawc\w*|sklep\w*|produkt\w*)",
    r"pozytywn\w* (?:komentarz|ocen|opini|recenzj)\w*", r"(?:5|pi[eę][cć]) gwiazd\w*",
    rf"(?:leave|give|write) {_W3}(?:feedback|review|rating)\w*", r"rate us", r"positive (?:feedback|review)",
    r"l[aă]sa[tț]i (?:o|un) (?:recenzie|review|feedback)", r"[eé]rt[eé]kel\w*", r"оставете (?:отзив|оценка)",
]
INVOICE_LINK = [
    rf"link\w* {_W2}(?:do |z )?faktur\w*", rf"faktur\w* {_W3}(?:pod|przez|w) link\w*",
    rf"faktur\w* {_W3}(?:do )?pobrania (?:pod|ze? stron\w*|z link\w*)", r"invoice link", r"link to (?:the )?invoice",
]
PAYMENT_OFF_PLATFORM = [
    rf"(?:zap[lł]a[cć]\w*|wp[lł]a[cć]\w*|przelej\w*|przela[cć]\w*|wy[sś]lij\w* pieni\w*) {_W3}"
    r"na (?:nasz\w* |moj\w* |poni[zż]sz\w* |podan\w* |nast[eę]puj[aą]c\w* |ten |to )?(?:konto|rachunek)",
    rf"(?:prosz[eę]|prosimy) {_W2}o (?:przelew\w*|wp[lł]at\w*)", r"(?:numer|nr\.?) (?:naszego )?(?:konta|rachunku)",
    r"dane do przelewu", r"iban", r"paypal\w*", r"revolut\w*", rf"blik\w* {_W2}na (?:numer|telefon)",
    rf"zap[lł]a[cć]\w* {_W2}poza", r"(?:bank|wire) transfer", r"pay (?:us )?directly", r"transfer bancar",
    r"cont bancar", r"[aá]tutal\w*", r"banksz[aá]ml\w*", r"банков\w* (?:сметка|превод)",
]
ACCOUNT_NUMBER = r"(?<!\d)(?:PL ?)?\d{2}(?: ?\d{4}){6}(?!\d)"
MARKETING = [
    r"rabat\w*", r"kod\w* rabatow\w*", r"zni[zż]k\w*", r"kupon\w*",
    r"wyprzeda[zż]\w*", r"nowa kolekcj\w*", r"nowo[sś]ci\w*", r"black friday",
    rf"sprawd[zź]\w* {_W2}(?:ofert\w*|produkt\w*|kolekcj\w*|asortyment\w*)",
    rf"zapraszamy {_W2}(?:do )?(?:zakup\w*|sklepu|naszego sklepu)", r"polecamy (?:r[oó]wnie[zż]|tak[zż]e)",
    r"discount\w*", r"coupon\w*", r"promo\w*", r"on sale", r"special offer\w*", r"check out our", r"subscrib\w*",
    r"reducer\w*", r"promo[tț]i\w*", r"oferta speciala", r"akci[oó]\w*", r"kedvezm[eé]ny\w*",
    r"промоци\w*", r"отстъпк\w*",
]
MARKETING_PERCENT = r"(?:-\s?\d{1,2}\s?%|\d{1,2}\s?%\s?(?:taniej|zni[zż]ki|rabatu|off|reducere))"
AI_ARTEFACTS = [
    r"jako (?:model\w* j[eę]zykow\w*|sztuczn\w* inteligencj\w*|ai|asystent\w* ai|model\w* ai)",
    r"jestem (?:model\w* j[eę]zykow\w*|sztuczn\w* inteligencj\w*|chatbotem|asystentem ai)",
    r"model\w* j[eę]zykow\w*", r"as an ai", r"as a language model", r"i(?: am|'m) an ai\w*",
    r"(?:large )?language model", r"openai", r"chatgpt", r"gpt-\d\w*", r"ca model de limbaj",
    r"mint (?:egy )?(?:mesters[eé]ges intelligencia|nyelvi modell)", r"като (?:езиков модел|изкуствен интелект)",
]
AI_MARKUP = r"<\|[a-z_]+\|>|\[/?INST\]|</?s>|^#{2,}\s|^\s*(?:assistant|asystent|odpowied[zź]|answer|user|system)\s*:"
PROMPT_LEAK = [
    r"prompt\w* systemow\w*", r"system prompt\w*", r"instrukcj\w* systemow\w*", r"moje instrukcj\w*",
    r"my instructions", r"moich instrukcji", r"my system message",
]
PROMPT_TAGS = r"</?\s*(?:wiedza|klient|system|instructions?)\s*>"
PLACEHOLDER = r"\[(?!\s*(?:\d|źródło|zrodlo|source))[^\[\]\n]*[^\W\d_][^\[\]\n]*\]|\{\{?[^{}\n]{1,40}\}\}?|_{3,}"
