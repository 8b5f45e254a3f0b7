"""French cues."""

WORD_NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000,
    "une dizaine": 10, "une centaine": 100,
}
# "trente-huit", "vingt et un", "quarante-et-un".
COMPOUND_NUMBER = r"{tens}(?:-et-|\s+et\s+|-){units}"
SCALES = {"million": 1e6, "millions": 1e6, "mille": 1e3, "milliard": 1e9, "milliards": 1e9, "Md": 1e9}
FRACTIONS = [
    (r"(?:un|1)\s+tiers", 33.3), (r"deux\s+tiers", 66.7), (r"(?:un|1)\s+quart", 25.0),
    (r"trois\s+quarts", 75.0), (r"(?:un|1)\s+cinquième", 20.0), (r"(?:un|1)\s+sixième", 16.7),
    (r"la\s+moitié", 50.0), (r"l['’]ensemble", 100.0), (r"la\s+totalité", 100.0),
    (r"la\s+majeure\s+partie|la\s+plupart", -50.0),
]
RANGE_OPEN = [r"entre", r"de"]
RANGE_AND = [r"et", r"à"]
# "100 to 120 square kilometres": a range without an opening word.
RANGE_BARE = [r"à"]
# Hedges written after the figure and its unit ("450 km² environ").
POST_QUALIFIERS = {"environ": "approx", "au moins": "at_least"}
QUALIFIERS = {
    "environ": "approx", "d'environ": "approx", "d’environ": "approx", "qu'environ": "approx", "qu’environ": "approx", "quelque": "approx", "quelques": "approx", "près de": "at_most",
    "autour de": "approx", "approximativement": "approx", "à peu près": "approx", "plus de": "at_least",
    "au moins": "at_least", "dépasse": "at_least", "dépassé": "at_least", "au-delà de": "at_least",
    "presque": "at_most", "moins de": "at_most", "moins d'": "at_most", "jusqu'à": "at_most",
    "jusqu’à": "at_most", "pas plus de": "at_most", "quasiment": "at_most", "un peu plus de": "at_least",
    "plus d'": "at_least", "plus d’": "at_least", "moins d’": "at_most", "seulement": "exact",
}
CUES = {
    "gain": [r"(?:sont|est|étaient)\s+pass[ée]e?s?\s+sous\s+(?:le\s+)?contrôle", r"(?:a|ont|avait|avaient)\s+pris\s+le\s+contrôle", r"pris\s+le\s+contrôle", r"prend\w*\s+le\s+contrôle", r"pris\w*", r"prend\w*", r"conqui[st]\w*", r"progress\w*", r"avanc[ée]\w*", r"gagn[ée]\w*",
             r"gains?", r"lib[ée]r[ée]\w*", r"empar[ée]\w*", r"maîtres?", r"s['’]est\s+emparée?",
             r"occup[ée]\s+(?:en|au\s+cours)", r"grignot\w*", r"avait\s+pris"],
    "regain": [r"repris\w*", r"reconqui\w*", r"repren\w*", r"récupér\w*"],
    "loss": [r"perdu\w*", r"perd\w*", r"pertes?", r"cédé\w*", r"abandonn\w*"],
    "occupy": [r"occup[ée]\w*"],
    "hold": [r"contrôl\w*", r"tien[ts]?", r"tiennent", r"tenait", r"tenaient", r"détient", r"détenait", r"occupait",
             r"occupe", r"occupent", r"sous\s+(?:le\s+)?contrôle", r"entre\s+les\s+mains", r"aux\s+mains",
             r"n['’]y\s+tient"],
    "hold_opp": [r"territoires?\s+perdus\s+par"],
    "net": [r"gain\s+net", r"net"],
    # ISW's "observed presence" / infiltration: weaker than control.
    "present": [r"présence", r"infiltr\w*"],
    "evac": [r"ordres?\s+d['’]évacuation", r"zones?\s+d['’]évacuation"],
    "not_evac": [r"pas\s+(?:\w+\s+)?(?:couvert|concern)\w*\s+par\s+(?:des\s+|les\s+)?ordres?\s+d['’]évacuation"],
    "outside": [r"ne\s+contrôl\w+\s+(?:pas|plus)(?!\s+qu)", r"perd\w*\s+(?:le\s+)?contrôle\s+(?:de|d['’]|du|des|sur)", r"échapp\w+\s+(?:au|à)\s+contrôle"],
    "same_as_previous": [r"il\s+s['’]agit\s+d[e'’]", r"dont", r"contre(?!-)", r"^(?:c['’]est|cela\s+(?:fait|représente))", r"soit", r"ce\s+qui\s+représente", r"l['’]équivalent\s+de"],
    "distract": [r"superficie", r"couvr\w*", r"s['’]étend\w*", r"comparable", r"taille", r"tués?",
                 r"blessés?", r"morts?", r"déplacés?", r"habitants?", r"population", r"soldats",
                 r"combattants", r"mis\s+hors\s+de\s+combat",
                 r"minées?", r"endommag\w*", r"besoins?", r"financement"],
}
POST_CUES = {
    "gain": [r"(?:a|ont|avait|avaient)\s+été\s+(?:pris|conquis|libérés?)", r"(?:pris|conquis)\s+par",
             r"(?:sont|est|étaient|était)\s+pass[ée]e?s?\s+sous\s+(?:le\s+)?contrôle"],
    "hold": [r"(?:est|sont|était|étaient)\s+(?:\w+\s+){0,2}(?:sous\s+(?:\w+\s+){0,2}contrôle|occupée?s?|entre\s+les\s+mains|aux\s+mains)",
             r"sous\s+(?:\w+\s+){0,2}contrôle"],
    "distract": [],
}
DISTRACT_AFTER = [r"(?:de\s+)?plus\b(?!\s+de)", r"de\s+moins", r"fois", r"points?\b",
                  r"d[eu]s?\s+(?:la\s+)?(?:population|habitants|gains?|progression|recettes|revenus|financement|besoins)",
                  r"des\s+gains", r"de\s+(?:ces|ses|leurs|cette)\s+(?:gains|avancées|conquêtes|progression)", r"(?:de\s+)?(?:personnes|habitants|civils|soldats|morts|tués|blessés)"]
# Before a percentage these make it a relative change ("slowed by 40%").
CHANGE_BY = [r"(?:ralenti|baissé|diminué|augmenté|progressé|chuté|reculé)\s+de\s+(?:près\s+de\s+|environ\s+)?"]
DISTRACT_BEFORE = [r"taille\s+de", r"superficie\s+de", r"[€$£]", r"à\s+moins\s+de", r"à", r"de\s+plus\s+de\s+(?=\d)"]
AREA_UNITS = [
    (r"^[\s\u00a0]*(?:km²|km2|km\s?carrés?|kilomètres?\s+carrés?|kms²)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*(?:miles?\s+carrés?)(?![\w])", 2.589988, "mi2"),
    (r"^[\s\u00a0]*(?:m²|m2|mètres?\s+carrés?)(?![\w])", 1e-6, "m2"),
    (r"^[\s\u00a0]*(?:hectares?|ha)(?![\w])", 0.01, "ha"),
]
PERCENT = [r"%", r"pour\s*cent", r"pourcent", r"p\.\s?100"]
PERMILLE = [r"‰", r"pour\s+mille"]
LINEAR_UNITS = [r"km", r"kilomètres?", r"mètres?", r"m", r"miles?"]
PER_DAY = [r"par\s+jour", r"quotidiennement", r"chaque\s+jour"]
COUNT_FILLERS = [r"(?-i:[A-Z][\w'’-]+)", r"autres", r"nouvelles?", r"nouveaux", r"petites?", r"de\s+plus", r"des", r"du"]
SETTLEMENT_NOUNS = [r"localités?", r"villages?", r"villes?", r"bourgades?", r"agglomérations?", r"communes?"]
ADMIN_UNIT_NOUNS = [r"cantons?", r"districts?", r"provinces?", r"états", r"territoires", r"positions"]
OF_THE = [r"des", r"de", r"sur"]
MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_Y = r"(?P<y>(?:19|20)\d\d)"
_DM = r"(?<!\d)(?P<d>\d{1,2})(?:er)?\s+(?P<m>{M})(?:\s+" + _Y + r")?"
PERIODS = [
    (r"entre\s+le\s+(?P<d>\d{1,2})(?:er)?\s+(?:(?P<m>{M})\s+)?et\s+le\s+(?P<d2>\d{1,2})\s+(?P<m2>{M})", "date_range"),
    (r"(?:au\s+cours\s+des|durant\s+les|sur\s+les|pendant\s+les)\s+(?P<n>\w+)\s+premiers\s+mois\s+de\s+(?:l['’]année|" + _Y + r")", "first_n_months"),
    (r"le\s+mois\s+précédent|un\s+mois\s+plus\s+tôt", "previous_month"),
    (r"(?:à\s+la\s+)?fin\s+(?:de\s+l['’]année|d['’]année|de\s+l['’]an)(?:\s+dernière)?", "year_end"),
    (r"(?:par\s+rapport\s+à|comparé\s+à|contre)\s+(?P<m>{M})(?!\s*\d)", "compared_month"),
    (r"l['’]an\s+dernier|l['’]année\s+(?:dernière|précédente)", "last_year"),
    (r"depuis\s+(?:le\s+début\s+de\s+)?(?:l[\'’]|son\s+|leur\s+)(?:incursion|offensive|opération)\s+(?:ukrainienne\s+)?(?:dans\s+(?:la\s+région\s+(?:russe\s+)?de\s+)?|en\s+)koursk", "since_kursk_incursion"),
    (r"(?:sur|pendant|durant)\s+(?:cette|la\s+même)\s+période", "this_period"),
    (r"peu\s+(?:après|de\s+temps\s+après)", "shortly_after"),
    (r"du\s+(?P<d>\d{1,2})(?:er)?\s+(?:(?P<m>{M})\s+)?au\s+(?P<d2>\d{1,2})\s+(?P<m2>{M})", "date_range"),
    (r"depuis\s+le\s+début\s+de\s+(?:l['’]année|" + _Y + r")", "since_year_start"),
    (r"depuis\s+le\s+début\s+(?:du\s+mois\s+)?(?:de\s+|d['’])(?P<m>{M})", "since_month_start"),
    (r"depuis\s+le\s+début\s+(?:de\s+l['’]invasion|de\s+la\s+guerre|de\s+l['’]offensive)", "since_invasion"),
    (r"(?:à\s+la\s+)?veille\s+de\s+(?:l['’]offensive|l['’]invasion|la\s+guerre)|avant\s+(?:l['’]invasion|la\s+guerre)", "before_invasion"),
    (r"depuis\s+le\s+" + _DM, "since_date"),
    (r"depuis\s+(?:[\w'’-]+\s+){1,6}?le\s+" + _DM, "since_date"),
    (r"depuis\s+(?:le\s+mois\s+de\s+)?(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    (r"fin\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:au|jusqu['’]au)\s+" + _DM, "cutoff_date"),
    (r"mi-(?P<m>{M})(?:\s+" + _Y + r")?", "mid_month"),
    (r"(?:le\s+)?" + _DM, "date"),
    (r"(?:en|au\s+mois\s+de|au\s+mois\s+d['’]|au\s+cours\s+du\s+mois\s+de|au\s+cours\s+du\s+mois\s+d['’]|durant|pendant)\s*(?P<m>{M})(?:\s+" + _Y + r")?", "month"),
    (r"(?P<m>{M})\s+compris", "month"),
    (r"(?:en|entre)\s+(?P<m>{M})\s+(?:et|à)\s+(?P<m2>{M})(?:\s+" + _Y + r")?", "month"),
    (r"(?:gains?|progression|avancée)\s+(?:de\s+|d['’])(?P<m>{M})", "month"),
    (r"(?:en|sur\s+l['’]année|durant|pendant\s+l['’]année)\s+" + _Y, "year"),
    (r"cette\s+année", "this_year"),
    (r"le\s+mois\s+dernier|au\s+cours\s+du\s+mois\s+dernier", "last_month"),
    (r"ce\s+mois-ci", "this_month"),
    (r"la\s+semaine\s+dernière|(?:au\s+cours\s+de\s+)?la\s+(?:dernière\s+semaine|semaine\s+écoulée)|cette\s+semaine|"
     r"(?:au\s+cours\s+des\s+|ces\s+|les\s+)?(?:sept|7)\s+derniers\s+jours", "past_week"),
    (r"(?:au\s+cours\s+des\s+)?dernières\s+24\s+heures", "past_day"),
    (r"(?:au\s+cours\s+des|ces)\s+(?P<n>\w+)\s+derniers\s+mois", "past_n_months"),
    (r"il\s+y\s+a\s+un\s+an", "year_ago"),
    (r"au\s+plus\s+fort|initialement", "peak"),
    (r"maintenant|actuellement|désormais|aujourd['’]hui|encore|déjà|n['’]y\s+tient\s+plus", "now"),
    (r"en\s+(?:l['’]espace\s+de\s+)?(?P<n>\w+)\s+semaines", "within_n_weeks"),
    (r"en\s+(?:l['’]espace\s+de\s+)?(?P<n>\w+)\s+jours", "within_n_days"),
]
SPEECH_VERBS = [r"a\s+(?:déclaré|affirmé|annoncé|indiqué|estimé)", r"déclare", r"affirme", r"annonce",
                r"selon", r"d['’]après", r"rapporte", r"estime", r"indique"]
ACCORDING_TO = [r"selon", r"d['’]après", r"d['’]après\s+le\s+décompte"]
ANALYSIS_WORDS = [r"analyse", r"décompte", r"calculs?", r"étude"]
PRECISELY = [r"plus\s+précisément", r"exactement"]
# Weekdays (Monday = 0): "said on Tuesday" dates the statement.
WEEKDAYS = {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6}
# The outlet's own derivation: figures after these are the outlet's calculation.
OUTLET_CALC = [r"ce\s+qui\s+(?:représente|équivaut\s+à|signifie)", r"selon\s+nos\s+calculs", r"sur\s+cette\s+base"]
# "gave the same figure": a second source vouching for the figure.
SAME_FIGURE = [r"le\s+même\s+chiffre"]
# Head nouns of unnamed sources ("analysts and war bloggers said", "the army said").
GENERIC_SOURCES = [r"analystes", r"responsables", r"sources", r"experts", r"observateurs", r"armée", r"état-major"]
# Unnamed sources after "selon" / "d'après" ("d'après le décompte d'un cartographe anonyme"),
# labelled in English like every attribution.
SOURCE_NOUNS = {
    "analyste": "analyst", "analystes": "analysts", "expert": "expert", "experts": "experts",
    "observateur": "observer", "observateurs": "observers", "cartographe": "cartographer",
    "cartographes": "cartographers", "blogueur": "blogger", "blogueurs": "bloggers",
    "responsable": "official", "responsables": "officials", "chercheur": "researcher",
    "chercheurs": "researchers", "spécialiste": "specialist", "spécialistes": "specialists",
    "source": "source", "sources": "sources", "société civile": "civil society",
}
SOURCE_ADJECTIVES = {
    "anonyme": "anonymous", "anonymes": "anonymous", "militaire": "military", "militaires": "military",
    "indépendant": "independent", "indépendante": "independent", "indépendants": "independent",
    "occidental": "Western", "occidentale": "Western", "occidentaux": "Western",
    "ukrainien": "Ukrainian", "ukrainienne": "Ukrainian", "ukrainiens": "Ukrainian",
    "russe": "Russian", "russes": "Russian", "américain": "US", "américains": "US",
    "européen": "European", "européens": "European", "locale": "local", "local": "local", "locaux": "local", "israélien": "Israeli", "israéliens": "Israeli",
}
# (The cue may already hold the noun: "d'après le décompte" is one cue.)
SOURCE_BRIDGE = [r"(?:(?:(?:le|la|les|l['’]|un|une)\s*)?(?:décompte|relevé|bilan|suivi|recensement|évaluation|calculs?|analyse|estimations?|chiffres|données|comptage|cartes?|cartographie|travaux)\s+)?(?:(?!d['’]|de\b|du\b|des\b)[\w-]+\s+)?(?:d['’]|de|du|des)"]
SOURCE_DETERMINERS = [r"un", r"une", r"des", r"les", r"le", r"la", r"l['’]", r"plusieurs", r"deux", r"trois"]
# Pronouns that keep a reported speaker in view in the next sentence.
SPEAKER_PRONOUNS = [r"il", r"elle", r"ils", r"elles"]
COUNTRY_ANAPHORA = [r"du\s+pays", r"le\s+pays", r"l['’]ensemble\s+du\s+pays"]
TERRITORY_ANAPHORA = [r"y", r"n['’]y", r"la\s+région", r"le\s+territoire", r"la\s+zone"]
SPEAKER_SIDE = [r"nos\s+troupes", r"ses\s+troupes", r"nos\s+forces"]
ACTORS = [
    (r"russ(?:ie|e|es)|l['’]armée\s+russe|moscou|kremlin|les\s+russes", "Russia"),
    (r"ukrain\w*|kiev|kyiv|l['’]ukraine", "Ukraine"),
    (r"israël|israel|israélien\w*|tsahal", "Israel"),
    (r"rebelles?", "REBELS"), (r"l['’]armée|armée|militaires", "ARMY"), (r"régime|junte", "REGIME"),
    (r"l['’]ennemi|occupants?", "ENEMY"),
]
STOPWORDS = ["le", "la", "les", "de", "des", "du", "et", "en", "un", "une", "est", "que", "qui",
             "dans", "pour", "sur", "au", "aux", "par", "avec", "selon", "ont", "été"]
