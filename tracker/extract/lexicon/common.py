"""Names shared by all languages: actors, territories, producers of figures, titles.

Patterns are regex fragments matched case-insensitively at word boundaries. Spellings in
the six languages sit side by side because proper names travel across languages with only
small changes (Donetsk / Donezk / Донецьк).
"""

# Proper-name actors (demonyms and language-specific words are in each language module).
ACTORS = [
    (r"rsf|rapid\s+support\s+forces|forces\s+de\s+soutien\s+rapide|paramilitar\w*", "RSF"),
    (r"m23|mouvement\s+du\s+23\s+mars|march\s+23\s+movement", "M23"),
    (r"arakan\s+army|aa(?=\s+fighters|\s+says)", "Arakan Army"),
    (r"brotherhood\s+alliance|three\s+brotherhood\s+alliance", "Brotherhood Alliance"),
    (r"joint\s+force\s+of\s+armed\s+movements", "Joint Force of Armed Movements"),
    (r"(?:militär|militær)?junta\w*|junte(?:\s+militaire)?|хунт\w*", "Myanmar junta"),
    (r"hamas", "Hamas"), (r"hezbollah", "Hezbollah"),
    (r"zsu|зсу|сили\s+оборони", "Ukraine"),
    (r"tsahal|idf", "Israel"),
    (r"sdf|syrian\s+democratic\s+forces|forces\s+démocratiques\s+syriennes|fds|demokratischen\s+kräfte\s+syriens|"
     r"syrische\s+democratische\s+strijdkrachten|syriske\s+demokratiske\s+styrker|сили\s+демократичної\s+сирії", "SDF"),
]

# (pattern, canonical name, level): level 1 = country, 2 = region, 3 = town or sector.
TERRITORIES = [
    (r"ukrain\w*|ukraïn\w*|oekraï\w*|україн\w*|ucrain\w*", "Ukraine", 1),
    # Russia only as "Russian territory": the demonym alone is an actor, not a place.
    (r"russian\s+(?:territory|soil|land)|russisch\w*\s+(?:gebiet\w*|territorium|staatsgebiet|boden|grondgebied)|"
     r"(?:territoire|sol)\s+russe|russisk\s+(?:territorium|jord|område)|російськ\w+\s+територі\w*", "Russia", 1),
    (r"gaza\s*strip\w*|gaza\w*|the\s+strip|la\s+bande\s+de\s+gaza|gazastripen|gazastreifen", "Gaza Strip", 1),
    (r"sudan\w*|soudan\w*|судан\w*", "Sudan", 1),
    (r"myanmar\w*|birman\w*|burma", "Myanmar", 1),
    (r"leban\w*|liban\w*|libanon\w*", "Lebanon", 1),
    (r"syria\w*|syrie\w*|syrien\w*|sirië|сирі\w*", "Syria", 1),
    (r"donet[sz]k\w*|donezk\w*|донецьк\w*|донеччин\w*|донецької|donbas\w*|donbass\w*|донбас\w*", "Donetsk oblast", 2),
    (r"luhansk\w*|lugansk\w*|luhans'k|louhansk\w*|loehansk\w*|луганськ\w*|луганщин\w*", "Luhansk oblast", 2),
    (r"zaporizh\w*|zaporozh\w*|zaporijia|zaporijjia|zaporizja|zaporizjzja|saporischschja|saporischja|запоріж\w*|запорізьк\w*", "Zaporizhzhia oblast", 2),
    (r"kherson\w*|cherson\w*|херсон\w*", "Kherson oblast", 2),
    (r"kharkiv\w*|kharkov\w*|charkiw\w*|charkov\w*|kharkiw|харків\w*|харківщин\w*", "Kharkiv oblast", 2),
    (r"sumy|soumy|сумськ\w*|сумщин\w*", "Sumy oblast", 2),
    (r"dnipropetrovsk\w*|dnipropetrowsk\w*|дніпропетровськ\w*|дніпропетровщин\w*", "Dnipropetrovsk oblast", 2),
    (r"mykolaiv\w*|миколаїв\w*", "Mykolaiv oblast", 2),
    (r"kursk\w*|koursk\w*|koersk\w*|курськ\w*|курщин\w*", "Kursk oblast (Russia)", 2),
    (r"belgorod\w*|бєлгород\w*", "Belgorod oblast (Russia)", 2),
    (r"crimea\w*|crimée|krim\w*|крим\w*", "Crimea", 2),
    (r"darfur", "Darfur region", 2), (r"kordofan", "Kordofan", 2), (r"khartoum", "Khartoum state", 2),
    (r"rakhine(?:\s+state)?", "Rakhine State", 2), (r"shan\s+state", "Shan State", 2),
    (r"chin\s+state", "Chin State", 2),
    (r"north\s+kivu|nord-kivu", "North Kivu", 2), (r"south\s+kivu|sud-kivu", "South Kivu", 2),
    (r"aleppo|alep", "Aleppo governorate", 2), (r"idlib", "Idlib governorate", 2),
    (r"hama", "Hama governorate", 2),
    (r"golan", "Golan Heights", 2),
    (r"severodonetsk|sievierodonetsk|sjevjerodonetsk|сєвєродонецьк\w*", "Severodonetsk (city)", 3),
    (r"rutshuru", "Rutshuru territory (North Kivu)", 3),
]

# Producers and relays of figures: (pattern, canonical, kind). Kind "producer" makes data
# (ISW, DeepState); "analyst" analyses someone's data and relays news (AFP); "relay" is a
# news outlet or agency that usually passes on someone else's figure.
# How a producer cited alone is named in a claim: its full name, acronym beside it, where the
# acronym alone says little to a reader ("ISW" -> the institute's name). In a chain the
# acronym stays ("AFP analysis of ISW data").
FULL_NAMES = {"ISW": "Institute for the Study of War (ISW)"}

SOURCES = [
    (r"institute\s+for\s+the\s+study\s+of\s+war(?:\s+\(isw\))?|isw(?:s|['’]s?)?|institut\w*\s+(?:américain\s+)?pour\s+l['’]étude\s+de\s+la\s+guerre(?:\s+\(isw\))?|instituts?\s+für\s+kriegsstudien(?:\s+\(isw\))?", "ISW", "producer"),
    (r"deepstate(?:map)?|дипстейт|діпстейт", "DeepState", "producer"),
    (r"agentstvo", "Agentstvo", "producer"),
    # Other open-source mappers and conflict monitors whose figures reporting relays.
    (r"black\s+bird\s+group", "Black Bird Group", "producer"),
    (r"war\s+mapper", "War Mapper", "producer"),
    (r"militaryland", "MilitaryLand", "producer"),
    (r"rochan\s+consulting", "Rochan Consulting", "producer"),
    (r"critical\s+threats(?:\s+project)?", "Critical Threats", "producer"),
    (r"acled|armed\s+conflict\s+location\s+(?:&|and)\s+event\s+data(?:\s+project)?", "ACLED", "producer"),
    (r"isp-myanmar|institute\s+for\s+strategy\s+and\s+policy(?:\s*[-–]\s*myanmar)?", "ISP-Myanmar", "producer"),
    (r"special\s+advisory\s+council\s+for\s+myanmar(?:\s+\(sac-m\))?|sac-m", "SAC-M", "producer"),
    (r"kivu\s+security\s+tracker|baromètre\s+sécuritaire\s+du\s+kivu", "Kivu Security Tracker", "producer"),
    (r"ua\s+war\s+infographics", "UA War Infographics", "producer"),
    (r"gaza\s+maps(?:\s+analysis)?", "Gaza Maps analysis", "producer"),
    (r"syrian\s+observatory\s+for\s+human\s+rights|sohr|observatoire\s+syrien\s+des\s+droits\s+de\s+l['’]homme", "Syrian Observatory for Human Rights", "producer"),
    (r"unifil", "UNIFIL", "producer"),
    (r"monusco", "MONUSCO", "producer"),
    # "the UN said", not "a UN official" or "the UN peacekeeping mission" (named elsewhere).
    (r"(?-i:UN)(?=\s+(?:said|says|reported|estimated|estimates|figures|data)\b)|the\s+united\s+nations|l['’]onu|(?-i:ООН)",
     "UN", "producer"),
    (r"ocha|un\s+humanitarian\s+(?:monitors|office)|un\s+office\s+for\s+the\s+coordination\s+of\s+humanitarian\s+affairs", "UN OCHA", "producer"),
    (r"(?:uk\s+)?ministry\s+of\s+defen[cs]e|british\s+(?:defen[cs]e\s+)?intelligence|uk\s+mod|britischen\s+verteidigungsministeriums?|"
     r"ministère\s+britannique\s+de\s+la\s+défense|britse\s+ministerie\s+van\s+defensie|britiske\s+forsvarsdepartementet|"
     # British (military) intelligence, the ministry's daily updates, in each language.
     r"britisk\s+(?:militær\s+)?etterretning|renseignement(?:s)?\s+(?:militaires?\s+)?britanniques?|"
     r"britische[nr]?\s+(?:militär)?geheimdienst(?:e|es|s)?|britse\s+(?:militaire\s+)?inlichtingendienst(?:en)?|"
     r"британськ\w+\s+(?:військов\w+\s+)?розвідк\w*",
     "UK Ministry of Defence", "producer"),
    (r"nug(?:(?:'s|’s)\s+(?:defen[cs]e\s+)?ministry)?|national\s+unity\s+government", "NUG Ministry of Defense", "producer"),
    (r"csis", "CSIS", "producer"),
    (r"afp(?:s|['’]s?)?|agence\s+france-presse|l['’]afp", "AFP", "analyst"),
    (r"(?:the\s+)?guardian", "Guardian", "analyst"),
    (r"dpa|deutschen?\s+presse-agentur", "dpa", "analyst"),
    (r"(?:the\s+)?new\s+york\s+times|nyt", "The New York Times", "analyst"),
    (r"reuters", "Reuters", "relay"), (r"associated\s+press|ap", "AP", "relay"),
    (r"cnn", "CNN", "relay"), (r"bbc", "BBC", "relay"), (r"ukrinform|укрінформ", "Ukrinform", "relay"),
    (r"tass|ria\s+novosti|interfax", "TASS", "relay"), (r"anadolu", "Anadolu", "relay"),
    (r"rfi", "RFI", "relay"), (r"ynet", "Ynet", "relay"), (r"haaretz", "Haaretz", "relay"),
    (r"times\s+of\s+israel", "Times of Israel", "relay"), (r"jerusalem\s+post", "Jerusalem Post", "relay"),
    (r"krasnaya\s+zvezda", "Krasnaya Zvezda", "relay"), (r"telegram", "Telegram", "relay"),
]

# Words stripped from a speaker's name ("General Oleksandr Syrskyi" -> "Oleksandr Syrskyi").
TITLE_WORDS = [
    "President", "Prime", "Minister", "Deputy", "Defence", "Defense", "Foreign", "General", "Gen",
    "Lt", "Col", "Colonel", "Major", "Chief", "Staff", "Commander", "Commander-in-Chief", "Secretary",
    "State", "Spokesman", "Spokeswoman", "Spokesperson", "Head", "Mr", "Mrs", "Ms", "Dr", "Professor",
    "Prof", "Senior", "First", "Ukrainian", "Russian", "Israeli", "US", "UN", "Ukraine's", "Russia's",
    "Präsident", "Präsidenten", "Ministerpräsident", "Oberbefehlshaber", "Oberbefehlshabers", "Armeechef",
    "Armeechefs", "Verteidigungsminister", "Verteidigungsministers", "Generalstabschefs", "Président", "Ministre", "Général", "Generalstabschef",
    "Presidenten", "Президент", "Генерал", "Uhr", "Sunday", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Speaking", "In", "On", "The", "A", "And", "But", "He", "She",
    "Telegram", "Facebook", "Kremlin", "Chairman", "Army", "Navy", "Acting", "Leader", "Junta",
    "Only", "Even", "Also", "Now", "Still", "Some", "About", "More", "Nearly", "Almost", "Meanwhile", "However",
    "Lt-Gen", "Lieutenant", "Sergeant",
]

# Words that make a capitalised run an organisation or place, never a person's name.
ORG_WORDS = [
    "Institute", "Study", "War", "Ministry", "University", "Forces", "Army", "Observatory",
    "Council", "Government", "Office", "Agency", "Group", "Project", "Centre", "Center", "Times",
    "Post", "News", "Republic", "Region", "Oblast", "State", "Strip", "Defense", "Defence",
    "Committee", "Movement", "Alliance", "Front", "Brigade", "Regiment", "Parliament", "House",
    "Staff", "Command", "Nations", "Union", "Denkfabrik", "Instituts", "Kremlin",
    "Monitor", "Tracker", "Network", "Initiative",
]

# Officials who state figures: (name pattern, side). A figure stated by an official about
# "soldiers", "our forces" or "troops" without a nationality is about the official's side.
OFFICIALS = [
    (r"(?:volodymyr\s+)?zelensk\w*|(?:wolodymyr\s+)?selenskyj|зеленськ\w*", "Ukraine"),
    (r"(?:oleksandr\s+)?syrsk\w*|сирськ\w*", "Ukraine"),
    (r"(?:hanna\s+)?mal[iy]ar|маляр", "Ukraine"),
    (r"(?:valerii\s+|valeriy\s+)?zaluzhn\w*|залужн\w*", "Ukraine"),
    (r"(?:oleksii\s+)?reznikov|(?:rustem\s+)?umerov", "Ukraine"),
    # Army spokesmen often quoted on the front: Serhii Cherevatyi, Viktor Trehubov, Nazar Voloshyn.
    (r"(?:serhii\s+|serhiy\s+)?cherevat\w*|череват\w*|(?:viktor\s+)?trehubov|трегубов\w*|(?:nazar\s+)?voloshyn|волошин\w*",
     "Ukraine"),
    (r"(?:vladimir\s+)?putin|путін\w*", "Russia"),
    (r"(?:valery\s+)?gerasimov|герасимов\w*", "Russia"),
    (r"(?:sergei\s+)?shoigu|(?:andrei\s+)?belousov|(?:sergei\s+)?rudsko[iy]|(?:igor\s+)?konashenkov", "Russia"),
    (r"(?:benjamin\s+)?netanyahu|(?:israel\s+)?katz|(?:eyal\s+)?zamir|(?:herzi\s+)?halevi|(?:yoav\s+)?gallant", "Israel"),
    (r"min\s+aung\s+hlaing|zaw\s+min\s+tun", "Myanmar junta"),
    (r"duwa\s+lashi\s+la|(?:u\s+)?yee\s+mon", "Myanmar resistance forces"),
    (r"(?:abdel\s+fattah\s+)?al-burhan", "SAF"),
    (r"hemedti|(?:mohamed\s+)?hamdan\s+dagalo", "RSF"),
]

# The English spelling of officials whose names each language transliterates its own way
# ("Olexander Syrskyj", "Wolodymyr Selenskyj", "Vladimir Poutine").
OFFICIAL_NAMES = [
    (r"(?:[\w'’]+\s+)?(?:zelensk\w*|selenskyj|zelenskyj|zelenskiy)|зеленськ\w*", "Volodymyr Zelensky"),
    (r"(?:[\w'’]+\s+)?(?:syrsk\w*|syrskij)|сирськ\w*", "Oleksandr Syrskyi"),
    (r"(?:[\w'’]+\s+)?(?:zaluzhn\w*|saluschnyj|zaloujny\w*)|залужн\w*", "Valerii Zaluzhnyi"),
    (r"(?:[\w'’]+\s+)?(?:putin|poutine|poetin)|путін\w*", "Vladimir Putin"),
    (r"(?:[\w'’]+\s+)?(?:gerasimov|gerassimow|guerassimov)|герасимов\w*", "Valery Gerasimov"),
    (r"(?:[\w'’]+\s+)?(?:shoigu|schoigu|choïgou|sjojgoe)", "Sergei Shoigu"),
    (r"(?:[\w'’]+\s+)?(?:belousov|beloussow|belooussov|beloesov)|бєлоусов\w*", "Andrei Belousov"),
    (r"(?:[\w'’]+\s+)?(?:budanov|budanow|boudanov|boedanov)|буданов\w*", "Kyrylo Budanov"),
    (r"(?:[\w'’]+\s+)?(?:netanyahu|netanjahu|netanyahou)", "Benjamin Netanyahu"),
    (r"(?:israel\s+)?katz", "Israel Katz"),
    (r"(?:[\w'’]+\s+)?(?:reznikov|resnikow|reznikow|réznikov)|резніков\w*", "Oleksii Reznikov"),
    (r"(?:[\w'’]+\s+)?(?:cherevat\w*|tsjerevat\w*|tscherewat\w*|tcherevat\w*|czerewat\w*)|череват\w*", "Serhii Cherevatyi"),
    (r"(?:[\w'’]+\s+)?(?:trehubov|trehubow|tregubov|trehoubov|trechoebov)|трегубов\w*", "Viktor Trehubov"),
    (r"(?:[\w'’]+\s+)?(?:voloshyn|woloschyn|volochyne|volosjyn|wolosjyn)|волошин\w*", "Nazar Voloshyn"),
    (r"(?:[\w'’]+\s+)?(?:maliar|malyar|maljar|maliare)|маляр", "Hanna Maliar"),
]

# Front-line towns, with their spellings in the six languages and transliterations, and the
# region they lie in: "around Vuhledar" is the Vuhledar area (Donetsk oblast), whatever the
# language writes ("rond Voehledar", "autour de Vougledar").
TOWNS = [
    (r"pokrovsk|pokrowsk|pokrovs'k|покровськ\w*", "Pokrovsk", "Donetsk oblast"),
    (r"bakhmut|bachmut|bakhmout|artemivsk|artemovsk|бахмут\w*", "Bakhmut", "Donetsk oblast"),
    (r"avdiivka|avdiyivka|avdeevka|avdeyevka|awdijiwka|avdijivka|avdiïvka|avdiivka|авдіївк\w*", "Avdiivka", "Donetsk oblast"),
    (r"vuhledar|ugledar|voehledar|wuhledar|vougledar|vouhledar|вугледар\w*", "Vuhledar", "Donetsk oblast"),
    (r"chasiv\s+yar|tchassiv\s+iar|tschassiw\s+jar|tsjasiv\s+jar|chasiv\s+jar|часів\s+яр|часовому\s+яру", "Chasiv Yar", "Donetsk oblast"),
    (r"toretsk|torezk|toretsk|торецьк\w*", "Toretsk", "Donetsk oblast"),
    (r"kurakhove|kurachowe|koerachove|kourakhove|kurakhovo|курахов\w*", "Kurakhove", "Donetsk oblast"),
    (r"myrnohrad|myrnograd|мирноград\w*", "Myrnohrad", "Donetsk oblast"),
    (r"kostiantynivka|kostjantyniwka|konstantinovka|kostiantynivka|kostjantynivka|костянтинівк\w*", "Kostiantynivka", "Donetsk oblast"),
    (r"siversk|siwersk|сіверськ\w*", "Siversk", "Donetsk oblast"),
    (r"marinka|marjinka|mariinka|мар['’]їнк\w*", "Marinka", "Donetsk oblast"),
    (r"selydove|selydowe|selidovo|селидов\w*", "Selydove", "Donetsk oblast"),
    (r"dobropillia|dobropillja|dobropilya|dobropilja|добропілл\w*", "Dobropillia", "Donetsk oblast"),
    (r"kramatorsk|краматорськ\w*", "Kramatorsk", "Donetsk oblast"),
    (r"sloviansk|slovjansk|slawjansk|slaviansk|слов['’]янськ\w*", "Sloviansk", "Donetsk oblast"),
    (r"velyka\s+novosilka|welyka\s+nowosilka|велик\w+\s+новосілк\w*", "Velyka Novosilka", "Donetsk oblast"),
    (r"kupiansk|kupjansk|koupiansk|kupyansk|куп['’]янськ\w*", "Kupiansk", "Kharkiv oblast"),
    (r"vovchansk|wowtschansk|vovtchansk|vovtsjansk|вовчанськ\w*", "Vovchansk", "Kharkiv oblast"),
    (r"huliaipole|hulyaipole|huljajpole|houliaïpole|гуляйпол\w*", "Huliaipole", "Zaporizhzhia oblast"),
    (r"robotyne|robotyno|роботин\w*", "Robotyne", "Zaporizhzhia oblast"),
    (r"orikhiv|orichiw|оріхів\w*", "Orikhiv", "Zaporizhzhia oblast"),
    (r"kreminna|kreminna|кремінн\w*", "Kreminna", "Luhansk oblast"),
    (r"sudzha|sudscha|soudja|суджа\w*|судж\w*", "Sudzha", "Kursk oblast (Russia)"),
]
# Words before a town that make it the area around it, not the town itself.
NEAR_TOWN = (r"around|near|outside|close\s+to|in\s+the\s+vicinity\s+of|on\s+the\s+outskirts\s+of|"
             r"autour\s+de|près\s+de|aux\s+abords\s+de|aux\s+environs\s+de|"
             r"um|bei|rund\s+um|nahe|nahe\s+bei|in\s+der\s+nähe\s+von|"
             r"rond|rondom|bij|nabij|in\s+de\s+buurt\s+van|"
             r"rundt|rundt\s+om|nær|ved|utenfor|"
             r"біля|поблизу|навколо|під|довкола")
# A focus adverb before such a place makes it where most of a figure lies, not its scope:
# "725 km² of Ukrainian territory, mostly around Pokrovsk".
FOCUS_BEFORE = (r"most\s+of\s+(?:it|them)|mostly|mainly|largely|chiefly|especially|particularly|in\s+particular|notably|primarily|"
                r"above\s+all|vor\s+allem|hauptsächlich|insbesondere|vornehmlich|überwiegend|surtout|notamment|"
                r"principalement|en\s+particulier|essentiellement|vooral|voornamelijk|met\s+name|hoofdzakelijk|"
                r"hovedsakelig|særlig|spesielt|først\s+og\s+fremst|переважно|зокрема|особливо|насамперед")
