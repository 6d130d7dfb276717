"""Stems and phrases behind handoff classification: Polish first, then en, ro, hu, bg.

Patterns are written with diacritics for readability and compiled diacritics- and case-insensitive
(`textnorm.compile_folded`); each matches whole words only, and a space matches any whitespace.
`W` stands for "up to N words in between".
"""

from __future__ import annotations


def W(n: int) -> str:  # noqa: N802 - reads as part of a pattern
    return rf"(?:\w+ ){{0,{n}}}"


# Phrases that look like a topic but are not: removed before topics are matched.
NOT_A_RETURN = [
    r"zwr[oó]c\w* si[eę]", r"zwrac\w* si[eę]", r"si[eę] zwr[oó]c\w*", r"zwr[oó]c\w* uwag\w*",
    r"zwrac\w* uwag\w*", r"informacj\w* zwrotn\w*", r"sprz[eę][zż]eni\w* zwrotn\w*",
    r"punkt\w* zwrotn\w*", r"zwrotni\w*", r"zwrotk\w*", r"zwrot\w* (?:akcji|grzeczno[sś]ciow\w*)",
    r"obci[aą][zż]eni\w* zwrotn\w*",  # a chargeback: matched as a dispute instead
    r"in return", r"return (?:the )?(?:call|favou?r)",
]
NOT_A_DEFECT = [
    # "nie działa mi link do płatności": a payment or site problem, not faulty goods
    rf"(?:link\w*|stron\w*|p[lł]atno\w*|kod\w*|blik\w*|aplikacj\w*|koszyk\w*|formularz\w*|kupon\w*|"
    rf"rabat\w*|przelew\w*|logowani\w*|konto|sklep\w*|karta|strona|payment|website|code|link) {W(3)}"
    rf"(?:nie dzia[lł]\w*|doesn'?t work|does not work|not working)",
    rf"(?:nie dzia[lł]\w*|doesn'?t work|does not work|not working) {W(3)}(?:link\w*|stron\w*|"
    rf"p[lł]atno\w*|kod\w*|blik\w*|aplikacj\w*|koszyk\w*|formularz\w*|kupon\w*|rabat\w*|przelew\w*|"
    rf"logowani\w*|sklep\w*|payment|website|code)",
]
# Romanian "după" (after) folds to the Polish vulgar "dupa": "după ce returnez", "după 2 zile".
NOT_AN_INSULT = [
    r"dup[aă] (?:ce|cum|ca|o|un|una|dou[aă]|prima|primul|primele|c[aâ]teva|ora|\d+\w*)",
]
# "Chcę zapytać, ..." asks; it does not announce a return.
ASKING = [
    rf"(?:chc\w*|chcia[lł]\w*|want\w*|would like|wanted) (?:si[eę] )?(?:zapyta\w*|spyta\w*|dopyta\w*|"
    rf"dowiedzie\w*|wiedzie\w*|upewni\w*|ask|know)",
    r"mam (?:takie )?pytani\w*", r"pytani\w* (?:odno[sś]nie|dotycz\w*|o|w sprawie)", r"zapytani\w*",
    r"i have a question",
]

TOPICS: dict[str, list[str]] = {
    "complaint": [
        r"re?k?lamac\w*", r"reklamcj\w*", r"rekalmac\w*", r"zareklamow\w*", r"reklamuj[eę]",
        r"reklamowa(?:[cć]|[lł]\w*)", r"skarg\w*", r"r[eę]kojmi\w*",
        r"niezgodn\w* z (?:opisem|zam[oó]wieniem|umow[aą]|ofert[aą]|aukcj[aą]|zdj[eę]ci\w*)",
        rf"(?:przys[lł]ali\w*|wys[lł]ali\w*|przysz\w*|dosta[lł]\w*|otrzyma[lł]\w*) {W(3)}"
        r"(?:z[lł][yaeą]|inn[yaeą]|niew[lł]a[sś]ciw\w*|nie ten|nie t[eaą]|nie to)\b",
        r"inn\w* ni[zż] na zdj[eę]ciu", rf"brakuj\w* {W(4)}w (?:paczce|zestawie|przesy[lł]ce|zam[oó]wieniu)",
        r"w (?:paczce|zestawie|przesy[lł]ce) brak\w*", r"niekompletn\w*", rf"zam(?:[oó]wi|awia)[lł]\w* {W(3)}a (?:przysz|przys[lł]a|dosta|otrzyma|jest|s[aą])\w*", r"[sś]lad\w* u[zż]ytkowani\w*",
        # en, ro, hu, bg
        r"complain\w*", r"wrong (?:item|size|colou?r|product)", r"not as described", r"missing (?:parts?|items?)",
        r"reclama[tț]i\w*", r"nu corespunde", r"pl[aâ]nger\w*", r"panasz\w*", r"reklam[aá]ci\w*",
        r"рекламаци\w*", r"оплакван\w*", r"жалб\w*",
    ],
    "return": [
        r"zwrot\w*", r"zwr[oó][cć]\w*", r"zwrac\w*", r"odes[lł](?!ij)\w*", r"odsy[lł]\w*",
        r"odst[aąeę]p\w* od umowy", r"odst[aą]pieni\w*", r"odst[eę]puj[eę]", r"rezygn\w*", r"zrezygnow\w*",
        r"anul\w*", rf"pieni[aą]dz\w* {W(2)}(?:z powrotem|spowrotem)", r"odda(?:[cćm]|j\w*|wa\w*|cie)",
        r"return\w*", r"refund\w*", r"money back", rf"send {W(1)}back", r"cancel\w*",
        r"retur\w*", r"rambursa\w*", r"banii [iî]napoi", r"anul(?:ez|are|a[tț]i)\w*",
        r"vissza(?:k[uü]ld|t[eé]r[ií]t|fizet)\w*", r"vissza \w+ k[uü]ld\w*", r"p[eé]nz\w* vissza", r"el[aá]ll\w*", r"lemond\w*",
        r"в[ъ]рн\w*", r"връщан\w*", r"възстановяван\w* на (?:сумата|парите)", r"парите (?:си )?обратно",
    ],
    "defect": [
        r"uszkod\w*", r"uszkodon\w*", r"zeps[uó]\w*", r"nie dzia[lł]\w*", r"przesta[lł]\w* dzia[lł]\w*",
        r"nie (?:w[lł][aą]cza|[lł]aduj|odpala|grzeje|ch[lł]odzi|[sś]wieci|reaguje|uruchamia|zapala|"
        r"[lł][aą]czy|pompuje|kr[eę]ci|wy[sś]wietla|drukuje|pierze|zamyka|otwiera)\w*",
        r"nie gra(?! rol)",
        r"wadliw\w*", r"wad[aęyąo]", r"wad(?:ami|liwy)", r"defekt\w*", r"usterk\w*", r"awari\w*",
        r"p[eę]k(?:a|aj[aą]|[lł]|[lł]a|[lł]o|[lł]y|li|ni[eę]t\w*|ni[eę]ci\w*)", r"po[lł]aman\w*",
        r"z[lł]aman\w*", r"rozbit\w*", r"(?:po|s)t[lł]uc\w*", r"zbit[aey]", r"porysowan\w*",
        r"zarysowan\w*", r"podrapan\w*", r"rozdar\w*", r"dziur[aęy]", r"przecieka\w*", r"cieknie",
        r"wgniec\w*", r"odpad[lł]\w*", r"rozpad\w*", r"zniszcz\w*", r"(?:s|po|roz)pru\w*",
        r"puchn\w*", r"(?:s|na)puch\w*", r"martw[yae]", r"(?:od|roz)kle[ij]\w*", r"spru[lł]\w*",
        r"poplamion\w*", r"zaplamion\w*",
        # "Is it normal that ...?" — in a shop, a defect asked as a question
        r"czy (?:to )?(?:jest )?normaln\w*", r"is (?:it|this|that) normal", r"e normal (?:ca|s[aă])",
        r"norm[aá]lis,? hogy", r"нормално ли е",
        r"broken", r"damaged", r"defective", r"faulty", r"cracked", r"scratched", r"leak\w*",
        r"(?:doesn'?t|does not|won'?t|not|stopped) (?:work\w*|turn on|charg\w*)",
        r"deteriorat\w*", r"defect\w*", r"stricat\w*", r"spart\w*", r"nu (?:mai )?(?:func[tț]ion\w*|merge)",
        r"zg[aâ]riat\w*", r"(?:meg)?s[eé]r[uü]l\w*", r"hib[aá]s\w*", r"nem m[uű]k[oö]dik", r"t[oö]r[oö]tt\w*",
        r"(?:el|[oö]ssze)t[oö]rt\w*", r"repedt\w*", r"karcos\w*",
        r"повреден\w*", r"повреда\w*", r"дефект\w*", r"счупен\w*", r"не работи", r"развален\w*", r"пукнат\w*",
    ],
    "dispute": [
        r"chargeback\w*", r"obci[aą][zż]eni\w* zwrotn\w*", rf"(?:otw\w*|wszcz\w*|za[lł]o[zż]\w*) {W(1)}sp[oó]r",
        r"sporu", r"sporze", r"dyskusj\w*",
        rf"zg[lł]o(?:sz|si)\w* {W(2)}problem\w*", r"zg[lł]oszeni\w* problem\w*",
        rf"zg[lł]o(?:sz|si)\w* {W(2)}do (?:allegro|olx|amazon\w*|paypal\w*|banku)",
        r"ochron\w* kupuj\w*", r"allegro protect", r"paypal\w* (?:dispute|claim|roszczeni\w*)",
        r"oszus\w*", r"oszuk\w*", r"naci[aą]ga\w*", r"z[lł]odziej\w*", r"wy[lł]udz\w*",
        r"dispute\w*", r"scam\w*", r"fraud\w*", r"a-to-z", r"a to z (?:claim|guarantee)",
        r"escroc\w*", r"[tț]eap[aă]", r"disput\w*", r"csal[oó]\w*", r"csal[aá]s\w*", r"[aá]tver\w*",
        r"измам\w*", r"мошени\w*",
    ],
    "legal": [
        r"uokik\w*", r"rzecznik\w*", r"inspekcj\w* handlow\w*", r"europejsk\w* centrum konsumenck\w*",
        r"prawni(?:k|cz)\w*", r"adwokat\w*", r"radc\w* prawn\w*", r"kancelari\w*", r"krok\w* prawn\w*",
        r"konsekwencj\w* prawn\w*", r"drog\w* s[aą]dow\w*",
        r"s[aą]d(?:u|zie|em|owi|y|ach|ami|ow[yaei]\w*|own\w*)", r"(?:do|w|przed) s[aą]d",
        r"pozw(?:[eę]|iemy|a[cć]|ie|ani\w*)", r"pozew\w*", r"policj\w*", r"prokurat\w*",
        r"przest[eę]pstw\w*", r"kodeks\w*", r"ustaw\w* o prawach konsument\w*",
        r"lawyer\w*", r"attorney\w*", r"legal action", r"sue", r"court", r"police",
        r"consumer protection", r"trading standards",
        r"avocat\w*", r"anpc", r"protec[tț]i\w* consumatorului", r"instan[tț]\w*", r"poli[tț]i[ae]\w*",
        r"[uü]gyv[eé]d\w*", r"fogyaszt[oó]v[eé]delem\w*", r"b[ií]r[oó]s[aá]g\w*", r"rend[oő]rs[eé]g\w*",
        r"feljelent\w*",
        r"адвокат\w*", r"кзп", r"съд(?:а|ът)?", r"полици\w*", r"защита на потребителите",
    ],
    "angry": [
        r"\w*kurw\w*", r"\w*chuj\w*", r"huj\w*", r"\w*pierd[oa]l\w*", r"\w*pierdziel\w*", r"\w*jeb\w*",
        r"pizd\w*", r"dziwk\w*", r"g[oó]wn\w*", r"dup(?:a|y|ie|[eę]|[aą]|ek|ki|k[oó]w)",
        r"choler\w*", r"do diab[lł]a", r"szlag\w*", r"debil\w*", r"idio[tc]\w*", r"kretyn\w*",
        r"g[lł]up(?:ek|ki|cy|ol\w*|k[oó]w)", r"palant\w*", r"frajer\w*", r"mato[lł]\w*", r"ciul\w*",
        r"cham(?:y|em|ie|stwo|sk\w*|[oó]w)?", r"bezczel\w*", r"[zż]enad\w*", r"[zż]a[lł]osn\w*",
        r"skandal\w*", r"[zż]enuj\w*", r"niepowa[zż]n\w*", r"kpin\w*", r"syf(?:u|ie|em)?", r"badziew\w*", r"szajs\w*", r"ch[lł]am\w*",
        r"nieudaczni\w*", r"nieudoln\w*", r"wkurz\w*", r"wkurw\w*", r"w[sś]ciek\w*",
        r"ile mo[zż]na czeka[cć]", rf"nigdy wi[eę]cej {W(2)}(?:nie kupi\w*|u was|w tym sklepie)",
        # threats of a bad rating
        rf"(?:wystawi\w*|dam|dostaniecie|daj[eę]|zostawi\w*|napisz[eę]) {W(3)}"
        r"(?:negatyw\w*|z[lł][aąy] (?:opini\w*|ocen\w*|komentarz\w*)|jedn\w* gwiazd\w*|minus\w*)",
        r"negatywn\w* (?:komentarz\w*|opini\w*|ocen\w*|recenzj\w*)", r"(?:komentarz|opini\w*|ocen\w*) negatywn\w*",
        r"(?:jedn\w*|1) gwiazd\w*", rf"ostrzeg\w* {W(1)}(?:innych|wszystkich|kupuj\w*)",
        r"fuck\w*", r"shit\w*", r"wtf", r"moron\w*", r"stupid", r"useless", r"disgrac\w*",
        r"negative (?:feedback|review|rating)", r"(?:1|one)[\s-]star",
        r"nesim[tț]i[tț]\w*", r"bat[aă]ie de joc", r"ho[tț]i\w*", r"recenzie negativ\w*",
        r"h[uü]lye\w*", r"idi[oó]t\w*", r"bunk[oó]\w*", r"negat[ií]v [eé]rt[eé]kel\w*", r"sz[eé]gyen\w*",
        r"идиот\w*", r"срамота", r"негативн\w* (?:отзив|оценка|коментар)\w*",
    ],
}

# Return wording that makes it a request to act on, not a question the knowledge base answers.
RETURN_DONE_OR_DEMANDED = [
    r"odes[lł]a[lł]\w*", r"odsy[lł]am\w*", r"przesy[lł]am", r"wysy[lł]am", r"zwracam", r"zwr[oó]ci[lł]\w*",
    rf"(?:wys[lł]a[lł]|nada[lł]|przes[lł]a[lł])\w* {W(3)}(?:z powrotem|spowrotem|zwrot\w*|do was)",
    r"[zż][aą]dam\w*", r"domagam\w*", r"oczekuj[eę]", rf"prosz[eę] {W(2)}o (?:zwrot\w*|anul\w*)",
    r"zwr[oó][cć]cie", r"odda(?:jcie|wajcie|cie)", r"anulujcie", r"anuluj", r"odst[eę]puj[eę]", r"rezygnuj[eę]",
    r"o[sś]wiadczam", rf"moj\w* {W(1)}(?:pieni[aą]dz\w*|zwrot\w*|[sś]rodk\w*|kas\w*)",
    r"i (?:have )?(?:returned|sent (?:it )?back)", r"refund me", r"my (?:money|refund)", r"i demand",
    r"am (?:returnat|trimis [iî]napoi)", r"visszak[uü]ldtem", r"върнах",
]
# "Kiedy dostanę pieniądze?": the customer's own money, unless the question is plainly generic
# ("Kiedy wracają pieniądze po zwrocie?") — see PROCEDURE_QUESTION and OWN_CASE. The verbs are the
# customer's or the shop's own future ("dostanę", "zwrócicie"), not an infinitive ("gdzie oddać zwrot").
RETURN_WHEN_MONEY = [
    rf"(?:kiedy|gdzie) {W(2)}(?:dostan\w*|otrzym(?:am|amy|a)|wr[oó]c[aą]|odda(?:cie|dz\w*)|zwr[oó]c(?:icie|[aą]))"
    rf" {W(2)}(?:pieni[aą]dz\w*|zwrot\w*|kas(?:a|[eęy]|ie|[aą])|[sś]rodk\w*)",  # "kasę", not "kask"
]
RETURN_HOW = [
    r"jak", r"w jaki spos[oó]b", rf"co {W(1)}(?:mam|musz[eę]|nale[zż]y|trzeba) zrobi[cć]",
    rf"gdzie {W(2)}(?:wys[lł]a[cć]|odes[lł]a[cć]|nada[cć]|odda[cć])", r"jaki\w* (?:jest )?adres\w*",
    r"czy (?:mog[eę]|mo[zż]na|jest mo[zż]liw\w*|przys[lł]uguje)", r"ile (?:mam|jest|czasu|dni)",
    r"do kiedy", r"kto (?:p[lł]aci|pokrywa)", r"procedur\w*", r"formularz\w*", r"je[sś]li", r"je[zż]eli",
    r"gdyby", r"how", r"can i", r"what is", r"where do", r"is it possible", r"cum", r"pot s[aă]",
    r"hogyan", r"lehet", r"как", r"мога ли",
]

# Asked in advance — before buying, "what if": even defect words describe no problem yet.
IN_ADVANCE = [
    r"gdyby", r"gdybym", r"a jakby", r"co je[sś]li", r"co w razie", r"w razie (?:gdyby|czego)", r"hipotetyczn\w*",
    r"profilaktyczn\w*", r"na przysz[lł]o[sś][cć]", r"na zapas", r"zanim (?:kupi\w*|zam[oó]wi\w*)",
    r"przed zakupem", r"pytam (?:og[oó]lnie|teoretycznie|z ciekawo[sś]ci|na wszelki wypadek)",
    r"what (?:happens )?if", r"in case", r"before (?:i )?(?:buy|order)\w*",
    r"ce (?:se [iî]nt[aâ]mpl[aă] )?dac[aă]", r"[iî]n cazul [iî]n care", r"[iî]nainte (?:s[aă] )?(?:cump[aă]r|comand)\w*",
    r"el[oő]re k[eé]rdezem", r"v[aá]s[aá]rl[aá]s el[oő]tt", r"mi (?:a teend[oő]|t[oö]rt[eé]nik),? ha",
    r"какво (?:става|да правя),? ако", r"преди да (?:купя|поръчам)",
]
# Saying nothing is wrong, or asking how the procedure works: complaint and return WORDS name a
# procedure here (defect words still describe a problem).
PROCEDURE_ONLY = [
    r"nie reklamuj\w*", r"nie zwracam", r"nie chc[eę] (?:nic )?(?:zwraca[cć]|reklamowa[cć]|odsy[lł]a[cć])",
    r"wszystko (?:jest )?(?:ok|okej|dzia[lł]a|w porz[aą]dku|gra|dobrze)", r"nic si[eę] nie (?:dzieje|sta[lł]o|zepsu[lł]o)",
    r"nie ma (?:[zż]adnego )?problem\w*", r"bez problem[oó]w", r"z ciekawo[sś]ci", r"just (?:asking|curious)",
    r"nothing (?:is )?wrong", r"no problem", r"everything (?:is )?(?:fine|ok|okay|works)", r"totul e ok",
    r"nu e nicio problem[aă]", r"minden rendben", r"всичко е наред",
    r"ile (?:\w+ ){0,2}(?:trwa|trwaj\w*|czasu) (?:\w+ ){0,3}rozpatr\w*", r"rozpatr\w* (?:\w+ ){0,2}trwa",
    r"je[sś]li(?:by)?", r"je[zż]eli", r"w przypadku",
]

# How complaints, returns, refunds and warranty work, asked in general: duration, channel, what is
# needed, what happens after a return. Complaint and return words name a procedure here — unless
# OWN_CASE shows the customer's own case ("moja reklamacja trwa już 5 tygodni").
PROCEDURE_QUESTION = [
    rf"ile {W(3)}(?:trwa\w*|czeka\w*|czasu|dni|tygodni|rozpatr\w*)", r"po ilu dniach", r"w ile dni",
    r"jak (?:d[lł]ugo|szybko|wygl[aą]da|dzia[lł]a|przebiega)", r"w jakim (?:czasie|terminie)",
    rf"(?:rozpatruj|rozpatru|odpowiad|uznaj)\w* {W(3)}reklamac\w*", rf"reklamac\w* {W(2)}(?:rozpatruj|trwa|trwaj)\w*",
    r"mo[zż]na", r"da si[eę]", r"trzeba", r"nale[zż]y", r"potrzebn\w*", r"wymagan\w*", r"obowi[aą]zuj\w*",
    r"(?:sk[lł]ada|zg[lł]asza|wysy[lł]a|odsy[lł]a|robi|za[lł]atwia|nadaje|liczy) si[eę]",
    r"si[eę] (?:sk[lł]ada|zg[lł]asza|wysy[lł]a|odsy[lł]a|robi|za[lł]atwia|nadaje|liczy)",
    r"po (?:zwrocie|odes[lł]aniu|odst[aą]pieniu|otrzymaniu|przyj[eę]ciu|dotarciu|zwr[oó]ceniu|uznaniu)",
    r"przy (?:zwrocie|reklamacji|odst[aą]pieniu|zwrotach|reklamacjach)",
    r"zazwyczaj", r"zwykle", r"standardowo", r"[sś]rednio", r"og[oó]lnie", r"z regu[lł]y", r"przewa[zż]nie",
    r"how (?:long|soon|quickly|many days|does|do)", r"usual\w*", r"normally", r"typical\w*", r"in general",
    r"be (?:submitted|filed|made|sent|done|returned|lodged)",
    r"after (?:a|the) (?:return|refund)", r"once you (?:get|receive)",
    r"c[aâ]t (?:dureaz\w*|timp)", r"[iî]n c[aâ]te zile", r"[iî]n c[aâ]t timp", r"de (?:obicei|regul[aă])",
    r"[iî]n general", r"se (?:poate|pot|fac\w*|trimit\w*|depun\w*|returneaz\w*)",
    r"mennyi id[oő]\w*", r"h[aá]ny nap\w*", r"meddig tart\w*", r"[aá]ltal[aá]ban",
    r"колко (?:време|дни)", r"за колко", r"обикновено", r"по принцип", r"може ли",
]
# The customer's own case: a complaint or return already made, awaited, or announced now.
OWN_CASE = [
    r"m[oó]j\w*", r"ju[zż]", r"nadal", r"wci[aą][zż]", r"ci[aą]gle", r"dalej (?:nic|brak|nie)", r"min[eę][lł]\w*",
    r"czekam\w*", r"temu", r"z[lł]o[zż]y[lł]\w*", r"zg[lł]osi[lł]\w*", r"wys[lł]a[lł]\w*", r"nada[lł]\w*",
    r"odes[lł]a[lł]\w*", r"zwr[oó]ci[lł]\w*", r"(?:za)?reklamowa[lł]\w*", r"\d{4,}", r"(?:zam[oó]wieni\w*|nr|numer) \d+",
    rf"(?:chc[eę]\w*|chcia[lł]\w*) {W(2)}(?:z[lł]o[zż]y[cć]|zg[lł]osi[cć]|zareklamowa[cć]|reklamowa[cć]|zwr[oó]ci[cć]|"
    r"odes[lł]a[cć]|odda[cć]|skorzysta[cć])",
    r"mam (?:reklamacj\w*|zwrot\w*|problem\w*)",
    r"my", r"mine", r"already", r"still", r"ago", r"i (?:have |'ve )?(?:filed|submitted|sent|returned|opened|made)",
    r"(?:want|would like|need) to (?:return|complain|file|send|make)",
    r"mea", r"meu", r"mei", r"mele", r"deja", r"[iî]nc[aă]", r"am (?:trimis|depus|returnat|f[aă]cut)", r"acum \d+",
    r"vreau s[aă]",
    r"m[aá]r", r"m[eé]g (?:mindig|nem)", r"\w*k[uü]ldtem", r"feladtam", r"beadtam", r"szeretn[eé]m",
    r"ми", r"вече", r"още", r"подадох", r"изпратих", r"върнах", r"преди", r"искам да",
]
