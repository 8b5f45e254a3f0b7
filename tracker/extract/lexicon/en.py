"""English cues. Regex fragments unless the name says words; matched case-insensitively."""

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "a hundred": 100, "one hundred": 100, "a thousand": 1000,
    "dozen": 12, "a dozen": 12,
}
# Tens and units written as one number ("thirty-eight").
COMPOUND_NUMBER = r"{tens}-{units}"
SCALES = {"million": 1e6, "millions": 1e6, "mln": 1e6, "m": 1e6, "thousand": 1e3, "billion": 1e9, "bn": 1e9}

# (pattern, percent); a negative percent marks a vague lower bound ("most of").
FRACTIONS = [
    (r"(?:a|one)[\s-]third", 33.3), (r"two[\s-]thirds", 66.7), (r"(?:a|one)[\s-]quarter", 25.0),
    (r"three[\s-]quarters", 75.0), (r"(?:a|one)[\s-]fifth", 20.0), (r"(?:a|one)[\s-]sixth", 16.7),
    (r"(?:a|one)[\s-]tenth", 10.0), (r"(?:a|one)[\s-]half", 50.0), (r"half(?=\s+(?:of|the)\b)", 50.0),
    (r"the\s+whole\s+of", 100.0), (r"all\s+of", 100.0), (r"most\s+of", -50.0),
]
RANGE_OPEN = [r"between", r"from"]
RANGE_AND = [r"and", r"to"]
# "100 to 120 square kilometres": a range without an opening word.
RANGE_BARE = [r"to"]

# Hedges written after the figure and its unit ("450 km² environ").
POST_QUALIFIERS = {"or so": "approx", "or more": "at_least", "at most": "at_most", "at least": "at_least"}
QUALIFIERS = {
    "about": "approx", "around": "approx", "roughly": "approx", "some": "approx",
    "approximately": "approx", "an estimated": "approx", "estimated": "approx",
    "roughly another": "approx", "about another": "approx", "an approximate": "approx",
    "more than": "at_least", "over": "at_least", "just over": "at_least",
    "slightly more than": "at_least", "at least": "at_least", "upwards of": "at_least",
    "in excess of": "at_least", "well over": "at_least", "a good": "at_least",
    "almost": "at_most", "nearly": "at_most", "close to": "at_most", "less than": "at_most",
    "fewer than": "at_most", "no more than": "at_most", "up to": "at_most",
    "as much as": "at_most", "just under": "at_most", "under": "at_most", "nearly all": "at_most",
    "just": "exact", "only": "exact", "exactly": "exact",
}

# Verb classes read leftwards from the figure (the nearest cue governs it).
CUES = {
    "gain": [
        r"seiz(?:e|es|ed|ing)", r"captur(?:e|es|ed|ing)", r"t(?:ook|aken?|akes|aking)",
        r"advanc(?:e|es|ed|ing)(?:\s+by)?", r"gain(?:s|ed|ing)?", r"conquer(?:s|ed|ing)?",
        r"liberat(?:e|es|ed|ing)", r"free(?:s|d|ing)?", r"cleared", r"overr?an", r"overrun",
        r"brought", r"bring(?:s|ing)?", r"pick(?:ed|s)?\s+up", r"grabb?(?:ed|ing)?",
        r"push(?:ed)?\s+(?:forward|into)", r"added", r"progress", r"pace",
        r"taken\s+control\s+of", r"took\s+control\s+of", r"seized\s+control\s+of",
    ],
    "regain": [
        r"re(?:took|taken|take|takes|taking)", r"recaptur(?:e|es|ed|ing)", r"regain(?:s|ed|ing)?",
        r"regained\s+control\s+of", r"won\s+back", r"win(?:s|ning)?\s+back", r"t(?:ook|aken)\s+back",
        r"recover(?:s|ed|ing)?", r"reclaim(?:s|ed|ing)?", r"claw(?:ed|s|ing)?\s+back",
    ],
    "loss": [r"los(?:e|es|t|ing)", r"ced(?:e|ed|ing)", r"surrender(?:s|ed|ing)?", r"loss\s+of",
             r"give\s+up", r"gave\s+up"],
    "occupy": [r"occupied", r"occupy(?:ing)?"],
    "hold": [
        r"control(?:s|led|ling)?", r"hold(?:s|ing)?", r"held", r"occupies", r"occupying",
        r"govern(?:s|ed|ing)?", r"administer(?:s|ed|ing)?",
        r"occupied\s+share", r"(?:its|their|the)\s+share", r"in\s+(?:[\w'’]+\s+)?hands", r"under\s+(?:[\w'’]+\s+){0,2}control",
        r"under\s+(?:\w+\s+)?occupation", r"keeps?", r"retains?", r"ha(?:s|ve)\s+(?:now\s+)?left",
        # "Ukraine's foothold covered some 1,300 km²", "which at its height covered 500 sq mi"
        r"(?:foothold|bridgehead|salient|pocket|(?:at\s+(?:its|their)\s+(?:height|peak)))\s+(?:\w+\s+){0,2}(?:covered|spanned|covers|spans)",
    ],
    "net": [r"net\s+gains?", r"net\s+advance", r"net"],
    # ISW's "observed presence" / infiltration: weaker than control.
    "present": [r"(?:observed\s+|infiltration\s+)?presence", r"infiltrat(?:e|ed|es|ing|ion)"],
    "evac": [r"evacuation\s+orders?", r"evacuation\s+zones?", r"displacement\s+orders?"],
    "not_evac": [r"not\s+(?:\w+\s+)?(?:covered|under)\s+(?:by\s+)?evacuation\s+orders?"],
    "outside": [r"(?:does|do|did)\s+not\s+(?:fully\s+|completely\s+)?control",
                r"no\s+longer\s+(?:fully\s+)?under", r"no\s+longer\s+(?:fully\s+)?controls?",
                r"los(?:e|es|t|ing)\s+(?:complete\s+|full\s+|effective\s+|all\s+)?(?:authority|control)\s+(?:over|of)",
                r"outside\s+(?:\w+\s+)?control"],
    "distract": [
        r"covering", r"covers", r"spans?", r"measur(?:es|ed|ing)", r"total\s+area",
        r"size\s+of", r"as\s+large\s+as", r"larger\s+than", r"bigger\s+than", r"comparable\s+to",
        r"contaminated", r"mined", r"damaged", r"demin\w*", r"de-min\w*", r"burn(?:ed|t|s|ing)?", r"fires?", r"home\s+to", r"country\s+of", r"makes?\s+up",
        r"accounts?\s+for", r"accounted\s+for", r"struck", r"spread\s+to", r"fought\s+over",
        r"surrounded", r"encircled", r"swept", r"equal\s+to", r"packed\s+into", r"killed",
        r"whose", r"moved\s+forward\s+by", r"fighting\s+continues", r"contested",
    ],
    "same_as_previous": [r"including", r"^(?:that|this)\s+(?:is|was|means|works\s+out\s+(?:to|at))",
                         r"^(?:that|this|it)\s+(?:compares|compared)\s+(?:with|to)", r"^(?:that|this)\s+(?:is\s+|was\s+)?(?:up|down)\s+from", r"^that['’]s", r"(?:that|this|which)\s+(?:equals|is\s+equal\s+to|amounts\s+to|represents|corresponds\s+to)",
                         r"equivalent\s+to"],
}
# Cues read rightwards from the figure: passives and predicates ("was already in Russian
# hands", "had been liberated", "held by the regime").
POST_CUES = {
    "gain": [r"(?:had|have|has|was|were)\s+(?:been\s+)?(?:liberated|captured|seized|taken|freed|cleared|overrun)",
             r"(?:liberated|captured|seized|taken|freed|overrun|taken\s+completely)\s+by"],
    "regain": [r"(?:had|have|has|was|were)\s+(?:been\s+)?(?:retaken|recaptured|won\s+back|regained)"],
    "outside": [r"(?:were|was|are|is)\s+no\s+longer\s+(?:fully\s+|completely\s+)?under\s+(?:\w+\s+)?control"],
    "evac": [r"(?:is|are|was|were)\s+(?:\w+\s+){0,3}under\s+(?:\w+\s+){0,2}evacuation\s+orders?",
             r"(?:has|have|had)\s+been\s+(?:placed|put)\s+under\s+(?:\w+\s+){0,2}evacuation\s+orders?"],
    "hold": [r"(?:is|was|are|were|remains?|remained)\s+(?:\w+\s+){0,2}(?:in\s+[\w'’]+\s+hands|under\s+(?:[\w'’]+\s+){0,2}(?:control|occupation))",
             r"(?:still\s+)?held\s+by", r"controlled\s+by", r"occupied\s+by", r"under\s+(?:[\w'’]+\s+){0,2}(?:control|occupation)",
             r"in\s+[\w'’]+\s+hands", r"(?:are|is)\s+(?:completely|fully)\s+(?:stable|controlled)"],
    "distract": [r"(?:were|was|had\s+been)\s+(?:killed|struck|wounded|damaged|destroyed)"],
    # "99.7% ... under Russian control, with less than 60 sq km left": the rest, held by the other side.
    "hold_opp": [r"left(?!\s+(?:bank|flank|wing|behind))", r"remaining"],
}
# Directly after a figure+unit these make it a comparison or someone else's share.
DISTRACT_AFTER = [
    r"compared\s+(?:with|to)\b",
    r"(?:more|less|fewer|larger|smaller|bigger)\b(?!\s+than)", r"(?:more|less)\s+than\s+(?:in|the|a|during|(?:19|20)\d\d)\b",
    r"times\b", r"points?\b", r"(?:square\s+)?(?:kilomet(?:er|re)|mile)?\s*(?:area|zone|strip)\b",
    r"of\s+(?:the\s+|its\s+|their\s+|all\s+|this\s+|that\s+|last\s+)?(?:[\w'’-]+(?:'s|’s)\s+)?(?:[\w-]+\s+)?(?:population|people(?!['’]s)|residents|inhabitants|civilians|revenue|income|budget|financing|funding|needs|gains?|advances?|progress|casualties|forces|troops|army|homes|buildings)\b",
    r"casualties", r"people\b(?!['’]s)", r"residents", r"soldiers", r"troops", r"fighters", r"civilians",
    r"of\s+(?:the\s+)?(?:\w+(?:'s|’s)\s+)?total\s+area",
]
# Before a percentage these make it a relative change ("slowed by 40%").
CHANGE_BY = [r"(?:slowed|slowed\s+down|fell|dropped|decreased|declined|shrank|rose|increased|grew|jumped|accelerated|sped\s+up)\s+by\s+(?:almost|nearly|about|some|around|roughly|more\s+than)?\s*"]
DISTRACT_BEFORE = [r"size\s+of\s+(?:about|some|roughly|around)?", r"as\s+large\s+as", r"larger\s+than",
                   r"country\s+of", r"total\s+area\s+(?:of|is)\s+(?:about|some|roughly|around)?",
                   r"to\s+within", r"within", r"[€$£]", r"US\$", r"USD"]

# Before a count these make it a reference set, not a holding ("of each of the four regions").
COUNT_DISTRACT_BEFORE = [r"of\s+(?:each\s+of\s+)?the\s+(?:other\s+)?", r"of\s+the\s+[\w'’]+(?:'s|’s)\s+",
                         r"most\s+of\s+the\s+(?:other\s+)?"]

AREA_UNITS = [
    # (pattern anchored after the numeral, km² per unit, kind)
    (r"^[\s\u00a0]*(?:sq\.?\s*|square[\s-]+)(?:kilomet(?:er|re)s?|kms?\.?)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*(?:km²|km2|kms²|km\^2|sqkm)(?![\w])", 1.0, "km2"),
    (r"^[\s\u00a0]*(?:sq\.?\s*|square[\s-]+)mi(?:les?|\.)?(?![\w])", 2.589988, "mi2"),
    (r"^[\s\u00a0]*(?:sq\.?\s*|square[\s-]+)met(?:er|re)s?(?![\w])|^[\s\u00a0]*m²(?![\w])", 1e-6, "m2"),
    (r"^[\s\u00a0]*hectares?(?![\w])|^[\s\u00a0]*ha(?![\w])", 0.01, "ha"),
    (r"^[\s\u00a0]*acres?(?![\w])", 0.00404686, "acre"),
]
PERCENT = [r"%", r"percent", r"per\s+cent", r"pct"]
PERMILLE = [r"‰", r"per\s+mille", r"per\s+mil"]
LINEAR_UNITS = [r"km", r"kilomet(?:er|re)s?", r"miles?", r"mi", r"met(?:er|re)s?", r"m", r"yards?", r"feet", r"ft"]
PER_DAY = [r"per\s+day", r"a\s+day", r"each\s+day", r"every\s+day", r"daily", r"/\s*day"]
COUNT_FILLERS = [r"(?-i:[A-Z][\w'’-]+)", r"more", r"other", r"further", r"additional", r"key", r"small", r"large",
                 r"major", r"strategic", r"important", r"border", r"trade", r"frontline",
                 r"front-line", r"nearby", r"new", r"of\s+the", r"[A-Z][\w'’-]+(?:'s|’s)"]
SETTLEMENT_NOUNS = [r"settlements?", r"villages?(?:\s+and\s+towns)?", r"towns?(?:\s+and\s+villages)?",
                    r"localities", r"locality", r"hamlets?", r"cities", r"city", r"communities"]
ADMIN_UNIT_NOUNS = [r"townships?", r"states", r"districts", r"provinces", r"regions", r"points",
                    r"(?:hilltop\s+|military\s+|border\s+)?positions", r"outposts",
                    r"municipalities", r"counties", r"governorates"]
OF_THE = [r"of\s+the", r"of", r"out\s+of"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_D = r"(?<!\d)(?P<d>\d{1,2})(?!\d)(?:st|nd|rd|th)?"
_Y = r"(?P<y>(?:19|20)\d\d)"
_MD = r"(?P<m>{M})\.?\s+" + _D + r"(?:,?\s+" + _Y + r")?"
_DM = _D + r"\s+(?:of\s+)?(?P<m>{M})\.?(?:,?\s+" + _Y + r")?"
PERIODS = [
    (r"between\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:(?P<m>{M})\s+)?and\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>{M})", "date_range"),
    (r"between\s+(?P<m>{M})\s+(?P<d>\d{1,2})\s+and\s+(?:(?P<m2>{M})\s+)?(?P<d2>\d{1,2})", "date_range_md"),
    (r"from\s+(?P<d>\d{1,2})\s+(?:(?P<m>{M})\s+)?to\s+(?P<d2>\d{1,2})\s+(?P<m2>{M})", "date_range"),
    (r"(?:in\s+|over\s+|during\s+)?the\s+first\s+(?P<n>\w+)\s+months\s+of\s+(?:the\s+year|this\s+year|" + _Y + r")", "first_n_months"),
    (r"(?:in\s+|over\s+|during\s+)?the\s+(?:previous|preceding)\s+month|a\s+month\s+earlier", "previous_month"),
    (r"(?:by|at|as\s+of)\s+(?:the\s+)?(?:end\s+of\s+(?:the|last)\s+year|year-end|year\s+end)", "year_end"),
    (r"(?:compared\s+(?:with|to)|against|versus|vs\.?)\s+(?P<m>{M})(?!\s*\d)", "compared_month"),
    (r"last\s+year|the\s+previous\s+year", "last_year"),
    (r"(?:since|from)\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:the\s+|its\s+|their\s+|kyiv(?:\'s|’s)\s+|ukraine(?:\'s|’s)\s+)?(?:surprise\s+)?(?:cross-border\s+)?(?:incursion|offensive|operation|attack)\s+(?:into|in|on)\s+(?:russia(?:\'s|’s)\s+)?(?:the\s+)?kursk(?:\s+region)?(?:\s+(?:began|started))?", "since_kursk_incursion"),
    (r"(?:since|from)\s+(?:the\s+(?:start|beginning)\s+of\s+)?the\s+kursk\s+(?:incursion|offensive|operation)(?:\s+(?:began|started))?", "since_kursk_incursion"),
    (r"(?:since|after)\s+(?:the\s+)?(?:ukrainian\s+)?(?:counteroffensive|counter-offensive)\s+(?:began|started)|since\s+the\s+start\s+of\s+the\s+(?:ukrainian\s+)?(?:counteroffensive|counter-offensive)", "since_counteroffensive"),
    (r"(?:over|in|during)\s+(?:this|that|the\s+same)\s+(?:period|time)|in\s+that\s+time", "this_period"),
    (r"shortly\s+(?:afterwards|thereafter)|soon\s+(?:afterwards|after(?=[,.;]))", "shortly_after"),
    (r"from\s+(?P<m>{M})\.?\s+(?P<d>\d{1,2})\s+(?:to|until|through)\s+(?P<m2>{M})\.?\s+(?P<d2>\d{1,2})", "date_range"),
    (r"(?:since|from)\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+year|this\s+year|" + _Y + r")|since\s+(?:the\s+)?new\s+year", "since_year_start"),
    (r"(?:since|from)\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?P<m>{M})(?:\s+" + _Y + r")?", "since_month_start"),
    (r"(?:since|from)\s+(?:the\s+)?(?:start|beginning)\s+of\s+the\s+month", "since_this_month"),
    (r"from\s+the\s+beginning\s+of\s+the\s+month", "since_this_month"),
    (r"(?:since|from)\s+(?:the\s+)?(?:start\s+of\s+the\s+|beginning\s+of\s+the\s+)?(?:full-scale\s+|russian\s+|february\s+2022\s+)?(?:invasion|war)(?:\s+began|\s+started)?", "since_invasion"),
    (r"(?:before|prior\s+to|on\s+the\s+eve\s+of)\s+the\s+(?:\w+\s+){0,3}(?:invasion|war)", "before_invasion"),
    (r"(?:since|after)\s+the\s+(?:counteroffensive|counter-offensive|campaign)\s+(?:began|started)", "since_counteroffensive"),
    (r"since\s+" + _MD, "since_date"), (r"since\s+" + _DM, "since_date"),
    # "since launching their incursion on August 6": the event's date opens the period.
    (r"since\s+(?:[\w'’-]+\s+){1,6}?on\s+" + _MD, "since_date"), (r"since\s+(?:[\w'’-]+\s+){1,6}?on\s+" + _DM, "since_date"),
    (r"since\s+(?:early\s+|late\s+|mid-?)?(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    # "since launching their counteroffensive in September": the event's month opens the period.
    (r"since\s+(?:[\w'’-]+\s+){1,6}?in\s+(?:early\s+|late\s+|mid-?)?(?P<m>{M})(?:\s+" + _Y + r")?", "since_month"),
    (r"since\s+" + _Y, "since_year"),
    (r"(?:by|as\s+of|up\s+to|until|through)\s+(?:the\s+)?end\s+of\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:at\s+the\s+)?end\s+of\s+(?P<m>{M})(?:\s+" + _Y + r")?", "month_end"),
    (r"(?:by|as\s+of|up\s+to|until|through|(?:run|runs|ran|running|go|goes|went)\s+(?:up\s+)?to)\s+" + _MD, "cutoff_date"),
    (r"(?:by|as\s+of|up\s+to|until|through)\s+" + _DM, "cutoff_date"),
    (r"(?:first|opening)\s+(?P<n>\d{1,2})\s+days\s+of\s+(?:the\s+month|(?P<m>{M}))", "first_n_days"),
    (r"first\s+half\s+of\s+(?P<m>{M})", "first_half"),
    (r"(?:in\s+)?mid-?\s?(?P<m>{M})(?:\s+" + _Y + r")?", "mid_month"),
    (r"(?:(?:on|since)\s+)?" + _MD, "date"), (r"(?:(?:on|since)\s+)?" + _DM, "date"),
    (r"(?:in|during|over|between)\s+(?P<m>{M})\s+(?:and|to|through)\s+(?P<m2>{M})(?:\s+" + _Y + r")?(?!\s*\d)", "month"),
    (r"(?:in|during|over|for)\s+(?:the\s+(?:month\s+of\s+)?)?(?P<m>{M})(?:\s+" + _Y + r")?(?!\s*\d)", "month"),
    (r"(?P<m>{M})(?:'s|’s)", "month"),
    (r"(?:in|during)\s+(?:the\s+whole\s+of\s+|all\s+of\s+)?" + _Y, "year"),
    (r"over\s+the\s+whole\s+of\s+" + _Y, "year"), (r"(?:all|the\s+whole)\s+of\s+" + _Y, "year"),
    (r"(?:this|so\s+far\s+this)\s+year", "this_year"), (r"(?:since|from)\s+january", "this_year"),
    (r"(?:over|in|during)\s+the\s+(?:last|past)\s+month", "past_month"),
    (r"(?:last|the\s+previous)\s+month", "last_month"),
    (r"this\s+month", "this_month"),
    (r"(?:over|during|in)\s+the\s+month|the\s+month(?:'s|’s)", "the_month"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past|previous)\s+(?:week|(?:seven|7)\s+days)|last\s+week|this\s+week", "past_week"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past|previous)\s+(?:day|24\s+hours)", "past_day"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past)\s+(?P<n>\w+)\s+days", "past_n_days"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past)\s+(?P<n>\w+)\s+weeks", "past_n_weeks"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past)\s+(?P<n>\w+)\s+months", "past_n_months"),
    (r"(?:(?:over|in|during)\s+)?the\s+(?:last|past)\s+year", "past_year"),
    (r"a\s+year\s+(?:ago|earlier)", "year_ago"),
    (r"(?:within|in\s+the\s+next)\s+(?P<n>\w+)\s+months", "within_n_months"),
    (r"at\s+(?:one\s+point|(?:its|their)\s+(?:peak|height)|the\s+(?:peak|height)\s+of\s+\w+)|initially|originally|first\s+occupied", "peak"),
    (r"now|currently|at\s+present|today|still|so\s+far|already", "now"),
    (r"within\s+(?P<n>\w+)\s+weeks", "within_n_weeks"),
    (r"within\s+(?P<n>\w+)\s+days", "within_n_days"),
]

SPEECH_VERBS = [r"said", r"says", r"citing", r"say", r"told", r"announced", r"claimed", r"claims", r"reported",
                r"reports", r"wrote", r"stated", r"added", r"(?<!an\s)estimated", r"estimates", r"acknowledged",
                r"admitted", r"found", r"finds", r"concluded", r"showed", r"shows", r"according\s+to",
                r"cited", r"putting", r"puts", r"put", r"backed", r"saying", r"quoted", r"gave", r"gives",
                r"describes", r"described", r"calculates", r"calculated", r"insisted", r"noted"]
ACCORDING_TO = [r"according\s+to", r"citing", r"by\s+the\s+(?:paper|newspaper|agency)(?:'s|’s)\s+(?:count|reckoning|tally)",
                r"by\s+(?:\w+(?:'s|’s))\s+(?:count|reckoning|tally|estimate)"]
ANALYSIS_WORDS = [r"analys[ie]s", r"analy[sz]ing", r"analy[sz]ed", r"review", r"reviewing", r"tally",
                  r"calculations?", r"count", r"reckoning", r"study"]
PRECISELY = [r"more\s+precisely", r"to\s+be\s+(?:exact|precise)", r"precisely"]
# Weekdays (Monday = 0): "said on Tuesday" dates the statement.
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
# The outlet's own derivation: figures after these are the outlet's calculation.
OUTLET_CALC = [r"(?:the|this)\s+(?:outlet|paper|newspaper|site|agency|broadcaster|magazine)\s+(?:describes|described|calculates|calculated|estimates|estimated|reckons|puts|computes)",
               r"on\s+that\s+basis", r"by\s+(?:our|its)\s+(?:count|calculation|reckoning)", r"(?:that|this|which)\s+(?:equals|means)"]
# "gave the same figure": a second source vouching for the figure.
SAME_FIGURE = [r"the\s+same\s+(?:figure|number|estimate)"]
# Head nouns of unnamed sources ("analysts and war bloggers said", "the army said").
GENERIC_SOURCES = [r"report", r"study", r"survey", r"estimates", r"witnesses", r"analysts", r"(?:war\s+)?bloggers", r"officials", r"leaders", r"commanders", r"sources", r"monitors",
                   r"experts", r"observers", r"army", r"military", r"general\s+staff", r"defen[cs]e\s+ministry"]
# Unnamed sources after "according to" ("according to an anonymous cartographer's count",
# "according to Western officials"): head nouns with the English word of the label, the
# words that may stand between the cue and the source, and the determiners to drop.
SOURCE_NOUNS = {w: w for w in (
    "analyst", "analysts", "expert", "experts", "observer", "observers", "cartographer", "cartographers",
    "mapper", "mappers", "blogger", "bloggers", "official", "officials", "researcher", "researchers",
    "specialist", "specialists", "monitor", "monitors", "source", "sources", "investigator", "investigators",
    "civil society")}
SOURCE_ADJECTIVES: dict[str, str] = {}  # English labels keep the words as written
SOURCE_BRIDGE = [r"(?:(?:an?|the)\s+)?(?:estimates?|counts?|tally|calculations?|figures|data|analysis|assessments?)\s+(?:by|from|of)"]
SOURCE_DETERMINERS = [r"an?", r"the", r"some", r"several", r"two", r"three"]
# Pronouns that keep a reported speaker in view in the next sentence.
SPEAKER_PRONOUNS = [r"he", r"she", r"they"]
COUNTRY_ANAPHORA = [r"the\s+country", r"the\s+whole\s+country"]
TERRITORY_ANAPHORA = [r"there", r"the\s+region", r"the\s+area", r"it", r"the\s+oblast", r"the\s+province"]
SPEAKER_SIDE = [r"his\s+troops", r"his\s+forces", r"our\s+troops", r"our\s+forces", r"its\s+forces", r"its\s+troops"]

ACTORS = [
    (r"russia(?:n|ns)?|moscow(?:'s|’s)?|the\s+kremlin(?:'s|’s)?|kremlin(?:'s|’s)?", "Russia"),
    (r"(?:the\s+)?(?:enemy|occupiers|invaders|occupying\s+forces)", "ENEMY"),
    (r"ukrain(?:e|ian|ians)(?:'s|’s)?|kyiv(?:'s|’s)?|kiev(?:'s|’s)?", "Ukraine"),
    (r"israel(?:i|is)?(?:'s|’s)?|idf", "Israel"),
    (r"(?:the\s+)?(?:military\s+)?junta(?:'s|’s)?|myanmar(?:'s|’s)?\s+military|tatmadaw", "Myanmar junta"),
    (r"(?:the\s+)?(?:military\s+)?regime(?:'s|’s)?|regime\s+forces|government\s+forces", "REGIME"),
    (r"opposition\s+forces|resistance\s+(?:forces|groups)|anti-regime\s+forces|people(?:'s|’s)\s+defen[cs]e\s+forces|pdfs?|ethnic\s+armed\s+organi[sz]ations", "Myanmar resistance forces"),
    (r"(?:armed\s+)?opposition(?:\s+fighters)?", "OPPOSITION"),
    (r"rebels?|insurgents", "REBELS"),
    (r"jihadists(?:\s+and\s+their\s+allies)?|hayat\s+tahrir\s+al-sham(?:\s+\(hts\))?(?:\s+and\s+allied\s+factions)?|hts", "HTS and allied factions"),
    (r"(?:the\s+)?(?:army|military)(?:'s|’s)?|saf|sudanese\s+(?:armed\s+forces|army)|syrian\s+army", "ARMY"),
]

STOPWORDS = ["the", "of", "and", "to", "in", "that", "is", "was", "for", "on", "with", "said", "by",
             "it", "its", "has", "have", "from", "at", "as", "were", "which", "this", "their", "had"]
