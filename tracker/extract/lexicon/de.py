"""German cues."""

WORD_NUMBERS = {
    "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20,
    "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
    "hundert": 100, "tausend": 1000,
    "einhundert": 100, "eintausend": 1000,
}
# "achtunddreißig", "einundzwanzig": the units, "und", the tens.
COMPOUND_NUMBER = r"{units}und{tens}"
SCALES = {"Million": 1e6, "Millionen": 1e6, "Mio": 1e6, "tausend": 1e3, "Tsd": 1e3, "Milliarden": 1e9, "Mrd": 1e9}
FRACTIONS = [
    (r"(?:ein(?:em|en)?|1)\s+drittel", 33.3), (r"zwei\s+drittel", 66.7), (r"(?:ein(?:em|en)?)\s+viertel", 25.0),
    (r"drei\s+viertel|dreiviertel", 75.0), (r"(?:ein(?:em|en)?)\s+fünftel", 20.0),
    (r"(?:ein(?:em|en)?)\s+sechstel", 16.7), (r"die\s+hälfte|der\s+hälfte", 50.0),
    (r"(?:das\s+)?gesamte?n?|ganz(?:e|en)?(?=\s+(?:gebiet|region|territorium))", 100.0),
    (r"de[nr]\s+größten\s+teil|großteil", -50.0),
]
RANGE_OPEN = [r"zwischen", r"von"]
RANGE_AND = [r"und", r"bis"]
# "100 to 120 square kilometres": a range without an opening word.
RANGE_BARE = [r"bis"]
# Hedges written after the figure and its unit ("450 km² environ").
POST_QUALIFIERS = {"oder mehr": "at_least"}
QUALIFIERS = {
    "etwa": "approx", "rund": "approx", "ungefähr": "approx", "circa": "approx", "ca.": "approx",
    "zirka": "approx", "annähernd": "approx", "gut": "at_least", "mehr als": "at_least",
    "über": "at_least", "mindestens": "at_least", "knapp über": "at_least", "fast": "at_most",
    "beinahe": "at_most", "knapp": "at_most", "weniger als": "at_most", "bis zu": "at_most",
    "höchstens": "at_most", "nahezu": "at_most", "nur": "exact", "lediglich": "exact",
    "durchschnittlich mehr als": "at_least", "gut über": "at_least", "etwas mehr als": "at_least",
}
CUES = {
    "gain": [r"erober\w*", r"eingenommen", r"rückt(?:e|en)?(?=\s+(?:\w+\s+){0,6}?um\s)", r"nahmen", r"nahm", r"einnahmen", r"vorgerückt", r"vorger[üu]ckt\w*",
             r"vormarsch", r"vorgestoßen", r"gewonnen", r"gewinnen", r"geländegewinne?n?", r"gebietsgewinne?n?",
             r"befreit\w*", r"besetzt\w*(?=\s+(?:im|in|seit))", r"unter\s+(?:ihre|seine)\s+kontrolle\s+gebracht",
             r"eingenommen\s+hat", r"erobert\s+wurden", r"gewann\w*", r"zurückerober\w*"],
    "regain": [r"zurückerober\w*", r"zurückgewonnen", r"zurückgeholt", r"rückerober\w*"],
    "loss": [r"verloren", r"verlieren", r"verlor", r"verluste?n?", r"aufgeben", r"aufgegeben", r"abgeben"],
    "occupy": [r"besetzt\w*", r"okkupiert\w*"],
    "hold": [r"kontrolliert\w*", r"kontrolle", r"hielt\w*", r"hält", r"halten", r"halte", r"besetzt\s+hält", r"besitzt",
             r"in\s+\w+\s+hand", r"unter\s+\w+\s+kontrolle"],
    "net": [r"netto\w*", r"nettogewinn\w*"],
    # ISW's "observed presence" / infiltration: weaker than control.
    "present": [r"präsenz", r"präsent", r"infiltr\w*"],
    "evac": [r"evakuierungsanordnung\w*", r"evakuierungsbefehl\w*", r"räumungsbefehl\w*"],
    "not_evac": [r"nicht\s+von\s+evakuierungs\w+\s+betroffen"],
    "outside": [r"nicht\s+(?:mehr\s+|vollständig\s+)?kontrolliert", r"(?:die\s+)?kontrolle\s+über(?=[^.;]{0,80}\bverlor)",
                r"(?:die\s+)?kontrolle\s+verloren\s+über"],
    "same_as_previous": [r"als\s+es(?=\s+(?:noch\s+|erst\s+|nur\s+)?[\d.,]+)", r"(?:es\s+)?handelt\s+(?:es\s+)?sich\s+um", r"darunter", r"^das\s+(?:sind|ist|waren|war|macht)", r"das\s+entspricht", r"was\s+(?:etwa\s+)?\w*\s*entspricht", r"entspricht"],
    "distract": [r"fläche\s+des", r"fläche\s+von", r"groß\s+wie", r"größer\s+als", r"umfasst", r"getötet\w*",
                 r"verletzt\w*", r"menschen", r"einwohner\w*", r"soldaten", r"kilometer\s+vor", r"tagen",
                 r"vertrieben\w*", r"vermint\w*", r"beschädigt\w*", r"mal", r"weniger"],
}
POST_CUES = {
    "gain": [r"(?:erobert|eingenommen|befreit)\s+(?:wurden|wurde|worden)", r"erobert\s+wurden"],
    "hold": [r"(?:sind|ist|war|waren)\s+(?:\w+\s+){0,2}(?:unter\s+(?:\w+\s+){0,2}kontrolle|in\s+\w+\s+hand|besetzt)",
             r"unter\s+(?:\w+\s+){0,2}kontrolle"],
    "distract": [],
}
DISTRACT_AFTER = [r"mehr\b(?!\s+als)", r"weniger\b(?!\s+als)",
                  r"(?:mehr|weniger)\s+als\s+(?:im|in|der|die|das|(?:19|20)\d\d)\b", r"mal\b", r"prozentpunkte",
                  r"der\s+(?:bevölkerung|einwohner|gewinne|geländegewinne|einnahmen)", r"(?:menschen|einwohner|soldaten|tote)",
                  r"vor\s+dem\b", r"groß\s+(?:ist|sind|war|waren)\b"]
# Before a percentage these make it a relative change ("slowed by 40%").
CHANGE_BY = [r"(?:verlangsamt\w*|gesunken|gestiegen|zurückgegangen|verringert\w*|erhöht\w*|sank|stieg)\s+(?:sich\s+)?um\s+(?:fast|etwa|rund|knapp)?\s*"]
DISTRACT_BEFORE = [r"fläche\s+von", r"größe\s+von", r"(?:das|die|der)\s+mit", r"[€$£]", r"bis\s+auf"]
AREA_UNITS = [
    (r"^[\s\u00a0]*(?:quadratkilometer[ns]?|km²|km2|qkm|quadrat-?kilometer)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*(?:quadratmeilen?)(?![\w])", 2.589988, "mi2"),
    (r"^[\s\u00a0]*(?:quadratmeter[ns]?|m²|m2)(?![\w])", 1e-6, "m2"),
    (r"^[\s\u00a0]*(?:hektar|ha)(?![\w])", 0.01, "ha"),
]
PERCENT = [r"%", r"prozent"]
PERMILLE = [r"‰", r"promille"]
LINEAR_UNITS = [r"km", r"kilometer[ns]?", r"meter[ns]?", r"m", r"meilen"]
PER_DAY = [r"täglich", r"pro\s+tag", r"am\s+tag", r"je\s+tag", r"jeden\s+tag"]
COUNT_FILLERS = [r"weitere", r"weiteren", r"kleine", r"neue"]
SETTLEMENT_NOUNS = [r"ortschaften", r"ortschaft", r"dörfer[n]?", r"dorf", r"siedlungen", r"orte[n]?", r"städte[n]?", r"gemeinden"]
ADMIN_UNIT_NOUNS = [r"bezirke", r"provinzen", r"bundesstaaten", r"townships", r"stellungen"]
OF_THE = [r"der", r"von\s+den", r"von"]
MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}
_Y = r"(?P<y>(?:19|20)\d\d)"
_DM = r"(?<!\d)(?P<d>\d{1,2})\.\s*(?P<m>{M})(?:\s+" + _Y + r")?"
PERIODS = [
    (r"(?:in\s+den\s+)?(?:vergangenen|letzten)\s+(?P<n>\w+)\s+tagen", "past_n_days"),
    (r"(?:in\s+den\s+)?(?:vergangenen|letzten)\s+(?P<n>\w+)\s+wochen", "past_n_weeks"),
    (r"(?:vom|zwischen\s+dem)\s+(?P<d>\d{1,2})\.\s+(?:(?P<m>{M})\s+)?(?:bis(?:\s+zum)?|und(?:\s+dem)?)\s+(?P<d2>\d{1,2})\.\s+(?P<m2>{M})", "date_range"),
    (r"in\s+den\s+ersten\s+(?P<n>\w+)\s+monaten\s+(?:des\s+jahres|dieses\s+jahres|" + _Y + r")", "first_n_months"),
    (r"im\s+vormonat|im\s+monat\s+davor", "previous_month"),
    (r"für\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month"),
    (r"zum\s+jahresende|am\s+jahresende|ende\s+(?:des|letzten)\s+jahres", "year_end"),
    (r"(?:gegenüber|verglichen\s+mit)\s+(?:dem\s+)?(?P<m>{M})(?!\s*\d)", "compared_month"),
    (r"im\s+vergangenen\s+jahr|(?:im\s+)?letzten\s+jahr|im\s+vorjahr", "last_year"),
    (r"seit\s+(?:dem\s+)?(?:beginn\s+)?(?:der|des|dem|ihrer|ihres|seiner|seines)\s+(?:ukrainischen\s+)?(?:kursk-offensive|kursk-vorstoßes|vorstoß(?:es)?\s+(?:in\s+(?:die\s+(?:russische\s+)?(?:grenz)?region\s+)?)?kursk|offensive\s+in\s+(?:der\s+region\s+)?kursk)", "since_kursk_incursion"),
    (r"in\s+(?:diesem|dem\s+gleichen|demselben)\s+zeitraum", "this_period"),
    (r"kurz\s+(?:darauf|danach)", "shortly_after"),
    (r"vom\s+(?P<d>\d{1,2})\.\s*(?:(?P<m>{M})\s+)?bis\s+(?:zum\s+)?(?P<d2>\d{1,2})\.\s*(?P<m2>{M})", "date_range"),
    (r"seit\s+(?:jahresbeginn|jahresanfang|neujahr|anfang\s+des\s+jahres|beginn\s+des\s+jahres|anfang\s+" + _Y + r")", "since_year_start"),
    (r"seit\s+(?:anfang|beginn)\s+(?P<m>{M})", "since_month_start"),
    (r"seit\s+(?:kriegsbeginn|beginn\s+des\s+(?:krieges|angriffskrieges|einmarschs?)|dem\s+einmarsch|der\s+invasion)", "since_invasion"),
    (r"vor\s+(?:dem\s+)?(?:kriegsbeginn|einmarsch|der\s+invasion)", "before_invasion"),
    (r"seit\s+dem\s+" + _DM, "since_date"),
    (r"seit\s+(?:[\w'’-]+\s+){1,6}?am\s+" + _DM, "since_date"),
    (r"seit\s+(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    (r"ende\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:bis\s+zum|bis|stand|mit\s+stand)\s+" + _DM, "cutoff_date"),
    (r"mitte\s+(?P<m>{M})(?:\s+" + _Y + r")?", "mid_month"),
    (r"(?:am\s+)?" + _DM, "date"),
    (r"(?:im|in|zwischen)\s+(?P<m>{M})\s+(?:und|bis)\s+(?P<m2>{M})(?:\s+" + _Y + r")?", "month"),
    (r"(?:im|in|während\s+des)\s+(?:monat\s+)?(?P<m>{M})(?:\s+" + _Y + r")?", "month"),
    (r"anfang\s+(?P<m>{M})", "early_month"),
    (r"(?:im\s+jahr|in|während)\s+" + _Y, "year"),
    (r"(?:in\s+)?diese[mn]?\s+jahr(?:es)?|heuer", "this_year"),
    (r"(?:im\s+)?(?:vergangenen|letzten|vorigen)\s+monat", "last_month"),
    (r"(?:in\s+)?diese[mn]\s+monat", "this_month"),
    (r"(?:in\s+der\s+)?(?:vergangenen|letzten)\s+woche|diese\s+woche|(?:in\s+den\s+)?(?:vergangenen|letzten)\s+(?:sieben|7)\s+tagen", "past_week"),
    (r"(?:in\s+den\s+)?(?:vergangenen|letzten)\s+24\s+stunden|am\s+vortag", "past_day"),
    (r"(?:in\s+den\s+)?(?:vergangenen|letzten)\s+(?P<n>\w+)\s+monaten", "past_n_months"),
    (r"binnen\s+(?P<n>\w+)\s+wochen|innerhalb\s+von\s+(?P<n2>\w+)\s+wochen", "within_n_weeks"),
    (r"vor\s+einem\s+jahr", "year_ago"),
    (r"anfangs|zunächst|zu\s+(?:ihrem|seinem)\s+höhepunkt", "peak"),
    (r"zuletzt|jetzt|derzeit|inzwischen|mittlerweile|aktuell|heute|noch|bereits", "now"),
    (r"binnen\s+(?P<n>\w+)\s+tagen|innerhalb\s+von\s+(?P<n2>\w+)\s+tagen", "within_n_days"),
]
SPEECH_VERBS = [r"sagte", r"sagt", r"sagten", r"erklärte", r"mitteilte", r"mitteilten", r"räumte\s+ein", r"betonte", r"teilte\s+mit", r"berichtete", r"laut", r"zufolge", r"nach\s+angaben", r"meldete", r"schätzt"]
ACCORDING_TO = [r"laut", r"zufolge", r"nach\s+angaben", r"nach"]
ANALYSIS_WORDS = [r"berechnungen", r"auswertung", r"analyse", r"afp-berechnungen", r"ausgewertet", r"zählung"]
PRECISELY = [r"genauer\s+gesagt", r"genau"]
# Weekdays (Monday = 0): "said on Tuesday" dates the statement.
WEEKDAYS = {"montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5, "sonntag": 6}
# The outlet's own derivation: figures after these are the outlet's calculation.
OUTLET_CALC = [r"das\s+(?:entspricht|bedeutet)", r"nach\s+unseren\s+berechnungen", r"auf\s+dieser\s+grundlage"]
# "gave the same figure": a second source vouching for the figure.
SAME_FIGURE = [r"(?:dieselbe|die\s+gleiche)\s+zahl"]
# Head nouns of unnamed sources ("analysts and war bloggers said", "the army said").
GENERIC_SOURCES = [r"analysten", r"beamte", r"quellen", r"experten", r"beobachter", r"armee", r"militär", r"generalstab"]
# Unnamed sources after "laut" / "nach Angaben" ("laut einem anonymen Kartografen"),
# labelled in English like every attribution.
SOURCE_NOUNS = {
    "analyst": "analyst", "analysten": "analysts", "experte": "expert", "experten": "experts",
    "militärexperte": "military expert", "militärexperten": "military experts",
    "beobachter": "observers", "kartograf": "cartographer", "kartografen": "cartographer",
    "kartograph": "cartographer", "kartographen": "cartographer", "blogger": "bloggers",
    "militärblogger": "military bloggers", "beamte": "officials", "beamten": "officials", "beamter": "officials",
    "quelle": "source", "quellen": "sources", "forscher": "researchers",
}
SOURCE_ADJECTIVES = {
    **{"anonym" + e: "anonymous" for e in ("", "e", "en", "er", "em")},
    **{"unabhängig" + e: "independent" for e in ("", "e", "en", "er", "em")},
    **{"westlich" + e: "Western" for e in ("e", "en", "er", "em")},
    **{"ukrainisch" + e: "Ukrainian" for e in ("e", "en", "er", "em")},
    **{"russisch" + e: "Russian" for e in ("e", "en", "er", "em")},
    **{"militärisch" + e: "military" for e in ("e", "en", "er", "em")},
    **{"amerikanisch" + e: "US" for e in ("e", "en", "er", "em")},
}
SOURCE_BRIDGE = [r"(?:der|den|die|dem)\s+(?:zählung|berechnung(?:en)?|analyse|schätzung(?:en)?|angaben|daten|karte)(?:\s+[\w-]+)?\s+(?:von|eines|einer|des|der)"]
SOURCE_DETERMINERS = [r"einem", r"einer", r"eines", r"ein", r"eine", r"den", r"dem", r"der", r"des", r"die", r"mehreren", r"zwei", r"drei"]
# Pronouns that keep a reported speaker in view in the next sentence.
SPEAKER_PRONOUNS = [r"er", r"sie"]
COUNTRY_ANAPHORA = [r"des\s+landes", r"das\s+land", r"des\s+nachbarlandes", r"das\s+nachbarland"]
TERRITORY_ANAPHORA = [r"dort", r"dortigen", r"der\s+region", r"die\s+region", r"der\s+grenzregion", r"dem\s+gebiet"]
SPEAKER_SIDE = [r"unsere\s+truppen", r"seine\s+truppen"]
ACTORS = [
    (r"russ(?:land|lands|ische[nrms]?|en)|moskau[s]?|kreml", "Russia"),
    (r"ukrain\w*|kiew|kyjiw", "Ukraine"),
    (r"israel\w*", "Israel"),
    (r"(?:die\s+)?armee|militär", "ARMY"), (r"rebellen", "REBELS"), (r"feind\w*|besatzer", "ENEMY"),
]
STOPWORDS = ["der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "ein", "eine", "im",
             "auf", "für", "sich", "dem", "des", "auch", "nach", "als", "wurde", "sind", "hat"]
