"""Dutch cues."""

WORD_NUMBERS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90,
    "honderd": 100, "duizend": 1000,
}
# "achtendertig", "tweeëntwintig": the units, "en", the tens.
COMPOUND_NUMBER = r"{units}(?:en|ën){tens}"
SCALES = {"miljoen": 1e6, "duizend": 1e3, "mln": 1e6, "miljard": 1e9}
FRACTIONS = [
    (r"(?:een|één)\s?derde|eenderde", 33.3), (r"twee\s?derde|tweederde", 66.7), (r"een\s+kwart", 25.0),
    (r"driekwart|drie\s+kwart", 75.0), (r"een\s+vijfde", 20.0), (r"een\s+zesde", 16.7),
    (r"de\s+helft", 50.0), (r"heel|geheel", 100.0), (r"het\s+grootste\s+deel", -50.0),
]
RANGE_OPEN = [r"tussen"]
RANGE_AND = [r"en", r"tot"]
# "100 to 120 square kilometres": a range without an opening word.
RANGE_BARE = [r"tot"]
# Hedges written after the figure and its unit ("450 km² environ").
POST_QUALIFIERS = {"of meer": "at_least"}
QUALIFIERS = {
    "ongeveer": "approx", "zo'n": "approx", "zo’n": "approx", "circa": "approx", "rond": "approx",
    "ruwweg": "approx", "ruim": "at_least", "meer dan": "at_least", "minstens": "at_least",
    "ten minste": "at_least", "bijna": "at_most", "minder dan": "at_most", "tot": "at_most",
    "hooguit": "at_most", "nagenoeg": "at_most", "krap": "at_most", "slechts": "exact",
}
CUES = {
    "gain": [r"verover\w*", r"ingenomen", r"kwam(?:en)?\s+er(?=[^.;]{0,80}\bbij\b)", r"innam\w*", r"nam(?:en)?(?=[^.;]{0,80}\bin\b)", r"bevrijd\w*", r"opgerukt", r"terreinwinst\w*",
             r"gewonnen", r"bezet(?=\s+in)"],
    "regain": [r"herover\w*", r"heroverd", r"teruggewonnen", r"terugveroverd"],
    "loss": [r"verloren", r"prijsgeven", r"prijsgegeven", r"moeten\s+opgeven", r"opgeven", r"verlies\w*"],
    "occupy": [r"bezet"],
    "hold": [r"controleer\w*", r"in\s+(?:\w+\s+)?handen", r"onder\s+(?:\w+\s+)?controle", r"houdt", r"hield",
             r"bezet\s+houdt", r"bezette?\s+gebied"],
    "net": [r"netto"],
    # ISW's "observed presence" / infiltration: weaker than control.
    "present": [r"aanwezigheid", r"aanwezig", r"infiltr\w*"],
    "evac": [r"evacuatiebevel\w*"],
    "not_evac": [r"niet\s+onder\s+evacuatiebevel\w*"],
    "outside": [r"niet\s+(?:meer\s+|volledig\s+)?(?:in\s+handen|onder\s+controle)", r"(?:de\s+)?controle\s+over(?=[^.;]{0,80}\bverloren)",
                r"(?:de\s+)?controle\s+verloren\s+over"],
    "same_as_previous": [r"gaat\s+het\s+om", r"waaronder", r"^(?:dat|dit)\s+(?:is|zijn|was|waren)", r"dat\s+is", r"wat\s+overeenkomt\s+met", r"goed\s+voor"],
    "distract": [r"groter\s+dan", r"oppervlakte", r"keer", r"doden", r"gewonden", r"inwoners",
                 r"mensen", r"soldaten", r"fractie"],
}
POST_CUES = {
    "gain": [r"(?:werden|zijn|waren|werd)\s+(?:\w+\s+){0,3}(?:bevrijd|veroverd|ingenomen)", r"bevrijd|veroverd|ingenomen"],
    "regain": [r"(?:werden|zijn|waren|werd)\s+(?:\w+\s+){0,3}heroverd"],
    "hold": [r"(?:is|zijn|was|waren)?\s*(?:\w+\s+){0,2}in\s+(?:\w+\s+)?handen", r"onder\s+(?:\w+\s+)?controle"],
    "distract": [],
}
DISTRACT_AFTER = [r"meer\b(?!\s+dan)", r"minder\b(?!\s+dan)", r"keer\b", r"procentpunt",
                  r"van\s+de\s+(?:bevolking|inwoners|winst)", r"(?:mensen|inwoners|soldaten|doden)"]
# Before a percentage these make it a relative change ("slowed by 40%").
CHANGE_BY = [r"(?:vertraagd|gedaald|gestegen|afgenomen|toegenomen|daalde|steeg|vertraagde)\s+met\s+(?:bijna\s+|ongeveer\s+)?"]
DISTRACT_BEFORE = [r"[€$£]", r"op", r"oppervlakte\s+van"]
AREA_UNITS = [
    (r"^[\s\u00a0]*(?:vierkante\s+kilometers?|km²|km2|vierkante\s+km)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*vierkante\s+mijl(?:en)?(?![\w])", 2.589988, "mi2"),
    (r"^[\s\u00a0]*(?:vierkante\s+meters?|m²|m2)(?![\w])", 1e-6, "m2"),
    (r"^[\s\u00a0]*(?:hectare|ha)(?![\w])", 0.01, "ha"),
]
PERCENT = [r"%", r"procent", r"percent"]
PERMILLE = [r"‰", r"promille"]
LINEAR_UNITS = [r"km", r"kilometers?", r"meters?", r"m", r"mijl"]
PER_DAY = [r"per\s+dag", r"dagelijks", r"elke\s+dag"]
COUNT_FILLERS = [r"andere", r"nieuwe", r"kleine"]
SETTLEMENT_NOUNS = [r"dorpjes", r"dorpen", r"dorp", r"plaatsen", r"plaatsjes", r"nederzettingen", r"steden", r"gemeenten"]
ADMIN_UNIT_NOUNS = [r"districten", r"provincies", r"staten", r"townships", r"posities"]
OF_THE = [r"van\s+de", r"van"]
MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
_Y = r"(?P<y>(?:19|20)\d\d)"
_DM = r"(?<!\d)(?P<d>\d{1,2})\s+(?P<m>{M})(?:\s+" + _Y + r")?"
PERIODS = [
    (r"(?:tussen|van)\s+(?P<d>\d{1,2})\s+(?:(?P<m>{M})\s+)?(?:en|tot(?:\s+en\s+met)?)\s+(?P<d2>\d{1,2})\s+(?P<m2>{M})", "date_range"),
    (r"(?:in\s+)?de\s+eerste\s+(?P<n>\w+)\s+maanden\s+van\s+(?:het\s+jaar|dit\s+jaar|" + _Y + r")", "first_n_months"),
    (r"de\s+maand\s+(?:ervoor|daarvoor)|(?:in\s+)?de\s+voorgaande\s+maand", "previous_month"),
    (r"(?:aan\s+het\s+)?eind(?:e)?\s+(?:van\s+)?(?:het|vorig)\s+jaar|bij\s+de\s+jaarwisseling", "year_end"),
    (r"(?:vergeleken\s+met|tegenover)\s+(?P<m>{M})(?!\s*\d)", "compared_month"),
    (r"vorig\s+jaar|(?:het\s+)?afgelopen\s+jaar", "last_year"),
    (r"sinds\s+(?:het\s+begin\s+van\s+)?de\s+(?:oekraïense\s+)?(?:inval|opmars|operatie|offensief)\s+in\s+(?:de\s+(?:russische\s+)?regio\s+)?koersk", "since_kursk_incursion"),
    (r"in\s+(?:die|deze|dezelfde)\s+periode", "this_period"),
    (r"sinds\s+(?:het\s+)?begin\s+van\s+(?:het\s+jaar|dit\s+jaar|" + _Y + r")", "since_year_start"),
    (r"sinds\s+(?:het\s+)?begin\s+van\s+(?P<m>{M})", "since_month_start"),
    (r"sinds\s+(?:het\s+begin\s+van\s+)?(?:de\s+)?(?:invasie|oorlog)", "since_invasion"),
    (r"voor\s+de\s+(?:invasie|oorlog)", "before_invasion"),
    (r"sinds\s+" + _DM, "since_date"),
    (r"sinds\s+(?:[\w'’-]+\s+){1,6}?op\s+" + _DM, "since_date"),
    (r"sinds\s+(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    (r"eind\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:tot|per)\s+" + _DM, "cutoff_date"),
    (r"half\s+(?P<m>{M})", "mid_month"),
    (r"(?:op\s+)?" + _DM, "date"),
    (r"in\s+(?P<m>{M})(?:\s+en\s+(?P<m2>{M}))?(?:\s+" + _Y + r")?", "month"),
    (r"in\s+" + _Y, "year"),
    (r"dit\s+jaar", "this_year"),
    (r"(?:de\s+)?vorige\s+maand|afgelopen\s+maand", "last_month"),
    (r"deze\s+maand", "this_month"),
    (r"(?:de\s+)?(?:afgelopen|voorbije)\s+(?:week|(?:zeven|7)\s+dagen)|vorige\s+week|deze\s+week", "past_week"),
    (r"in\s+anderhalve\s+week", "past_10_days"),
    (r"(?:de\s+)?(?:jongste|afgelopen|laatste)\s+(?P<n>\w+)\s+maanden", "past_n_months"),
    (r"(?:de\s+)?(?:jongste|afgelopen|laatste)\s+(?P<n>\w+)\s+dagen", "past_n_days"),
    (r"kort\s+daarna", "shortly_after"),
    (r"een\s+jaar\s+geleden", "year_ago"),
    (r"aanvankelijk|op\s+het\s+hoogtepunt", "peak"),
    (r"nu|momenteel|inmiddels|thans|al", "now"),
    (r"binnen\s+(?P<n>\w+)\s+weken", "within_n_weeks"),
    (r"binnen\s+(?P<n>\w+)\s+dagen", "within_n_days"),
]
SPEECH_VERBS = [r"zegt", r"zei", r"meldt", r"meldde", r"volgens", r"stelt", r"verklaarde", r"laten\s+zien"]
ACCORDING_TO = [r"volgens"]
ANALYSIS_WORDS = [r"analyse", r"berekening\w*", r"telling"]
PRECISELY = [r"precies", r"om\s+precies\s+te\s+zijn"]
# Weekdays (Monday = 0): "said on Tuesday" dates the statement.
WEEKDAYS = {"maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6}
# The outlet's own derivation: figures after these are the outlet's calculation.
OUTLET_CALC = [r"dat\s+(?:komt\s+neer\s+op|betekent)", r"volgens\s+onze\s+berekening", r"op\s+basis\s+daarvan"]
# "gave the same figure": a second source vouching for the figure.
SAME_FIGURE = [r"hetzelfde\s+(?:cijfer|getal)"]
# Head nouns of unnamed sources ("analysts and war bloggers said", "the army said").
GENERIC_SOURCES = [r"analisten", r"functionarissen", r"bronnen", r"experts", r"waarnemers", r"leger", r"generale\s+staf"]
# Unnamed sources after "volgens" ("volgens een anonieme cartograaf"), labelled in English.
SOURCE_NOUNS = {
    "analist": "analyst", "analisten": "analysts", "expert": "expert", "experts": "experts",
    "deskundige": "expert", "deskundigen": "experts", "waarnemer": "observer", "waarnemers": "observers",
    "cartograaf": "cartographer", "cartografen": "cartographers", "blogger": "blogger", "bloggers": "bloggers",
    "functionaris": "official", "functionarissen": "officials", "bron": "source", "bronnen": "sources",
    "onderzoeker": "researcher", "onderzoekers": "researchers",
}
SOURCE_ADJECTIVES = {
    "anoniem": "anonymous", "anonieme": "anonymous", "onafhankelijk": "independent", "onafhankelijke": "independent",
    "westerse": "Western", "oekraïense": "Ukrainian", "russische": "Russian", "militaire": "military",
    "amerikaanse": "US", "israëlische": "Israeli",
}
SOURCE_BRIDGE = [r"(?:de|het)\s+(?:telling|berekening(?:en)?|analyse|schatting(?:en)?|cijfers|gegevens|kaart)(?:\s+[\w-]+)?\s+(?:van)"]
SOURCE_DETERMINERS = [r"een", r"de", r"het", r"enkele", r"twee", r"drie"]
# Pronouns that keep a reported speaker in view in the next sentence.
SPEAKER_PRONOUNS = [r"hij", r"zij", r"ze"]
COUNTRY_ANAPHORA = [r"het\s+land", r"van\s+het\s+land"]
TERRITORY_ANAPHORA = [r"daar", r"daarvan", r"het\s+gebied", r"de\s+regio"]
SPEAKER_SIDE = [r"onze\s+troepen"]
ACTORS = [
    (r"rusland|russische?|russen|moskou|kremlin", "Russia"),
    (r"oekraï\w*|oekrai\w*|kiev|kyiv", "Ukraine"),
    (r"israël|israel|israëlisch\w*", "Israel"),
    (r"(?:de\s+)?russische\s+bezetter|bezetter|vijand", "ENEMY"),
    (r"(?:het\s+)?leger", "ARMY"), (r"rebellen", "REBELS"),
]
STOPWORDS = ["de", "het", "een", "van", "en", "in", "is", "dat", "op", "te", "zijn", "voor", "met",
             "niet", "aan", "er", "maar", "om", "ook", "als", "heeft", "werd", "wordt", "dan"]
