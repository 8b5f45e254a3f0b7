"""Norwegian (Bokmål) cues."""

WORD_NUMBERS = {
    "én": 1, "ett": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7,
    "åtte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tjue": 20, "tretti": 30, "førti": 40,
    "femti": 50, "seksti": 60, "sytti": 70, "åtti": 80, "nitti": 90, "hundre": 100, "tusen": 1000,
    "ett tusen": 1000,
}
# "trettiåtte", "førtifem": the tens, then the units.
COMPOUND_NUMBER = r"{tens}{units}"
SCALES = {"millioner": 1e6, "million": 1e6, "mill": 1e6, "tusen": 1e3, "milliarder": 1e9}
FRACTIONS = [
    (r"en\s+tredjedel|én\s+tredjedel|en\s+tredel", 33.3), (r"to\s+tredjedeler|to\s+tredeler", 66.7),
    (r"en\s+fjerdedel|en\s+firedel|en\s+kvart", 25.0), (r"tre\s+fjerdedeler|tre\s+firedeler", 75.0),
    (r"en\s+femtedel", 20.0), (r"en\s+sjettedel", 16.7), (r"halvparten", 50.0),
    (r"hele", 100.0), (r"størstedelen|mesteparten", -50.0),
]
RANGE_OPEN = [r"mellom"]
RANGE_AND = [r"og", r"til"]
# "100 to 120 square kilometres": a range without an opening word.
RANGE_BARE = [r"til"]
# Hedges written after the figure and its unit ("450 km² environ").
POST_QUALIFIERS = {"eller mer": "at_least"}
QUALIFIERS = {
    "omkring": "approx", "rundt": "approx", "cirka": "approx", "ca.": "approx", "om lag": "approx",
    "anslagsvis": "approx", "drøyt": "at_least", "mer enn": "at_least", "over": "at_least",
    "minst": "at_least", "i overkant av": "at_least", "nesten": "at_most", "nær": "at_most", "nærmere": "at_most",
    "mindre enn": "at_most", "under": "at_most", "opptil": "at_most", "så mye som": "at_most",
    "inntil": "at_most", "bare": "exact", "kun": "exact",
}
CUES = {
    "gain": [r"tatt", r"tok", r"tar", r"erobret", r"erobre", r"frigjort", r"frigjøre", r"rykket\s+fram",
             r"vunnet", r"okkupert(?=\s+i)", r"gjenerobret", r"tatt\s+tilbake", r"overtatt",
             r"lagt\s+under\s+seg", r"la\s+under\s+seg"],
    "regain": [r"gjenerobret", r"tatt\s+tilbake", r"tok\s+tilbake", r"gjenvunnet"],
    "loss": [r"mistet", r"tapt", r"tapte", r"gitt\s+opp"],
    "occupy": [r"okkupert"],
    "hold": [r"kontrollerer", r"kontrollerte", r"kontrollert", r"holder", r"dekker", r"under\s+(?:\w+\s+)?kontroll",
             r"har\s+(?:full\s+|fullstendig\s+)?kontroll\s+over",
             r"i\s+(?:\w+\s+)?hender", r"okkuperer"],
    "net": [r"netto"],
    # ISW's "observed presence" / infiltration: weaker than control.
    "present": [r"tilstedeværelse", r"til\s+stede", r"infiltr\w*"],
    "evac": [r"evakueringsordre\w*"],
    "not_evac": [r"ikke\s+omfattet\s+av\s+evakueringsordre\w*"],
    "outside": [r"ikke\s+(?:lenger\s+)?(?:full\s+)?kontroll", r"(?:mistet|tapt|tapte)\s+(?:den\s+)?kontroll(?:en)?\s+over"],
    "same_as_previous": [r"det\s+dreier\s+seg\s+om", r"(?:deriblant|blant\s+dem|inkludert)", r"^det\s+(?:er|var|utgjør)", r"det\s+tilsvarer", r"tilsvarer", r"betyr\s+det\s+at"],
    "distract": [r"samlet\s+areal", r"areal\s+på", r"mindre\s+enn\s+(?=[A-ZÆØÅ])", r"større\s+enn", r"bredde",
                 r"drept\w*", r"såret", r"mennesker", r"innbyggere", r"soldater", r"ganger"],
}
POST_CUES = {
    "gain": [r"(?:er|ble|var|har\s+blitt)\s+(?:\w+\s+){0,2}(?:gjenerobret|erobret|frigjort|tatt)"],
    "hold": [r"(?:er|var)\s+(?:\w+\s+){0,2}(?:under\s+(?:\w+\s+)?kontroll|i\s+\w+\s+hender|okkupert)"],
    "distract": [],
}
DISTRACT_AFTER = [r"mer\b(?!\s+enn)", r"mindre\b(?!\s+enn)", r"ganger", r"prosentpoeng", r"kilometers\s+bredde",
                  r"av\s+(?:befolkningen|innbyggerne|gevinsten)", r"(?:mennesker|innbyggere|soldater|drepte)"]
# Before a percentage these make it a relative change ("slowed by 40%").
CHANGE_BY = [r"(?:falt|sank|steg|økte|redusert|avtok|bremset)\s+(?:med\s+)?(?:nesten\s+|omkring\s+)?"]
DISTRACT_BEFORE = [r"[€$£]", r"areal\s+på", r"samlet\s+areal\s+på"]
AREA_UNITS = [
    (r"^[\s\u00a0]*(?:kvadratkilometer|km²|km2|kvkm|kvadrat-?kilometer)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*(?:kvadratmil)(?![\w])", 2.589988, "mi2"),
    (r"^[\s\u00a0]*(?:kvadratmeter|m²|m2)(?![\w])", 1e-6, "m2"),
    (r"^[\s\u00a0]*(?:dekar|daa)(?![\w])", 0.001, "daa"),
    (r"^[\s\u00a0]*(?:hektar)(?![\w])", 0.01, "ha"),
]
PERCENT = [r"%", r"prosent"]
PERMILLE = [r"‰", r"promille"]
LINEAR_UNITS = [r"km", r"kilometer", r"kilometers", r"meter", r"m", r"mil"]
PER_DAY = [r"per\s+dag", r"om\s+dagen", r"hver\s+dag", r"daglig"]
COUNT_FILLERS = [r"andre", r"nye", r"små"]
SETTLEMENT_NOUNS = [r"lokaliteter", r"landsbyer", r"byer", r"tettsteder", r"bosetninger", r"steder"]
ADMIN_UNIT_NOUNS = [r"distrikter", r"provinser", r"delstater", r"kommuner", r"stillinger"]
OF_THE = [r"av"]
MONTHS = {
    "januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
}
_Y = r"(?P<y>(?:19|20)\d\d)"
_DM = r"(?<!\d)(?P<d>\d{1,2})\.\s*(?P<m>{M})(?:\s+" + _Y + r")?"
PERIODS = [
    (r"(?:mellom|fra)\s+(?P<d>\d{1,2})\.\s+(?:(?P<m>{M})\s+)?(?:og|til)\s+(?P<d2>\d{1,2})\.\s+(?P<m2>{M})", "date_range"),
    (r"(?:i\s+)?(?:de|dei)\s+første\s+(?P<n>\w+)\s+månedene\s+(?:av|i)\s+(?:året|" + _Y + r")", "first_n_months"),
    (r"måneden\s+før|(?:i\s+)?forrige\s+måned", "previous_month"),
    (r"ved\s+årsskiftet|ved\s+utgangen\s+av\s+(?:året|fjoråret)|ved\s+nyttår", "year_end"),
    (r"i\s+fjor|forrige\s+år", "last_year"),
    (r"siden\s+(?:starten\s+på\s+)?(?:den\s+ukrainske\s+)?(?:innmarsjen|offensiven|operasjonen)\s+i\s+kursk", "since_kursk_incursion"),
    (r"i\s+(?:denne|samme)\s+perioden", "this_period"),
    (r"kort\s+tid\s+etter|like\s+etter", "shortly_after"),
    (r"siden\s+(?:starten|begynnelsen|begynnelse)\s+(?:av|på)\s+(?:året|" + _Y + r")|siden\s+nyttår", "since_year_start"),
    (r"(?:i\s+)?(?:starten|begynnelsen)\s+(?:av|på)\s+(?P<m>{M})", "since_month_start"),
    (r"siden\s+(?:starten\s+på\s+)?(?:invasjonen|krigen)", "since_invasion"),
    (r"før\s+(?:invasjonen|krigen)", "before_invasion"),
    (r"siden\s+" + _DM, "since_date"),
    (r"siden\s+(?:[\w'’-]+\s+){1,6}?(?:den\s+)?" + _DM, "since_date"),
    (r"siden\s+(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    (r"(?:ved\s+)?(?:utgangen|slutten)\s+av\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:per|fram\s+til|til)\s+" + _DM, "cutoff_date"),
    (r"(?:den\s+)?" + _DM, "date"),
    (r"i\s+(?P<m>{M})\s+(?:og|til)\s+(?P<m2>{M})(?:\s+" + _Y + r")?", "month"),
    (r"i\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month"),
    (r"i\s+" + _Y, "year"),
    (r"i\s+år|hittil\s+i\s+år", "this_year"),
    (r"(?:i\s+)?forrige\s+måned|(?:den\s+)?siste\s+måneden", "last_month"),
    (r"denne\s+måneden|i\s+måneden", "this_month"),
    (r"(?:den\s+)?siste\s+uken?|forrige\s+uke|denne\s+uken|(?:de\s+)?siste\s+(?:sju|syv|7)\s+dagene", "past_week"),
    (r"(?:det\s+)?siste\s+døgnet", "past_day"),
    (r"(?:de\s+)?siste\s+dagene", "past_few_days"),
    (r"(?:de\s+)?siste\s+(?P<n>\w+)\s+dagene", "past_n_days"),
    (r"(?:de\s+)?siste\s+(?P<n>\w+)\s+månedene", "past_n_months"),
    (r"for\s+et\s+år\s+siden", "year_ago"),
    (r"nå|fortsatt|allerede|i\s+dag", "now"),
    (r"(?:i\s+løpet\s+av|på)\s+(?P<n>\w+)\s+uker", "within_n_weeks"),
    (r"(?:i\s+løpet\s+av|på)\s+(?P<n>\w+)\s+(?:dager|døgn)", "within_n_days"),
]
SPEECH_VERBS = [r"sa", r"sier", r"fortelle", r"fortalte", r"forteller", r"opplyser", r"opplyste", r"ifølge", r"mener", r"anslår", r"oppga", r"melder"]
ACCORDING_TO = [r"ifølge"]
ANALYSIS_WORDS = [r"analyse", r"beregning\w*", r"opptelling"]
PRECISELY = [r"nærmere\s+bestemt", r"mer\s+presist", r"nøyaktig"]
# Weekdays (Monday = 0): "said on Tuesday" dates the statement.
WEEKDAYS = {"mandag": 0, "tirsdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lørdag": 5, "søndag": 6}
# The outlet's own derivation: figures after these are the outlet's calculation.
OUTLET_CALC = [r"betyr\s+det", r"det\s+betyr", r"tilsvarer\s+det", r"ifølge\s+våre\s+beregninger"]
# "gave the same figure": a second source vouching for the figure.
SAME_FIGURE = [r"samme\s+tall"]
# Head nouns of unnamed sources ("analysts and war bloggers said", "the army said").
GENERIC_SOURCES = [r"forsvarsstaben", r"analytikere", r"kilder", r"eksperter", r"observatører", r"hæren", r"generalstaben"]
# Unnamed sources after "ifølge" ("ifølge en anonym kartograf"), labelled in English.
SOURCE_NOUNS = {
    "analytiker": "analyst", "analytikere": "analysts", "ekspert": "expert", "eksperter": "experts",
    "observatør": "observer", "observatører": "observers", "kartograf": "cartographer",
    "kartografer": "cartographers", "blogger": "blogger", "bloggere": "bloggers",
    "tjenestemenn": "officials", "kilde": "source", "kilder": "sources", "forsker": "researcher", "forskere": "researchers",
}
SOURCE_ADJECTIVES = {
    "anonym": "anonymous", "anonyme": "anonymous", "uavhengig": "independent", "uavhengige": "independent",
    "vestlig": "Western", "vestlige": "Western", "ukrainsk": "Ukrainian", "ukrainske": "Ukrainian",
    "russisk": "Russian", "russiske": "Russian", "militær": "military", "militære": "military",
    "amerikansk": "US", "amerikanske": "US",
}
SOURCE_BRIDGE = [r"(?:(?:en|et)\s+)?(?:opptelling(?:en)?|beregning(?:en|er)?|analyse(?:n)?|anslag(?:et)?|tall(?:ene)?|kart(?:et)?)(?:\s+[\w-]+)?\s+(?:fra|av|til)"]
SOURCE_DETERMINERS = [r"en", r"ei", r"et", r"noen", r"to", r"tre"]
# Pronouns that keep a reported speaker in view in the next sentence.
SPEAKER_PRONOUNS = [r"han", r"hun"]
COUNTRY_ANAPHORA = [r"landet"]
TERRITORY_ANAPHORA = [r"der", r"området", r"regionen"]
SPEAKER_SIDE = [r"hans\s+styrker", r"våre\s+styrker"]
ACTORS = [
    (r"russland\w*|russiske|russerne|moskva|kreml", "Russia"),
    (r"ukraina\w*|ukrainske|kyiv|kiev|landet(?=\s+har\s+frigjort)", "Ukraine"),
    (r"israel\w*|israelske", "Israel"),
    (r"fienden|okkupantene", "ENEMY"), (r"hæren|militæret", "ARMY"), (r"opprørerne|opprørere", "REBELS"),
    (r"motstandsgrupp\w*|motstandsbevegels\w*|etniske\s+væpnede\s+(?:organisasjoner|grupper)", "OPPOSITION"),
]
STOPWORDS = ["og", "i", "det", "som", "en", "på", "er", "av", "for", "til", "med", "har", "at",
             "den", "ikke", "om", "et", "de", "fra", "var", "sa", "seg", "ble", "også", "etter"]
