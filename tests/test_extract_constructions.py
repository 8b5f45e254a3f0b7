"""Tests of the constructions the grammar reads: who holds a figure, where it lies, when it
holds and who produced it. Every sentence is written for these tests.
"""

from __future__ import annotations

from tracker.extract.engine import extract_document, outlet_name
from tracker.extract.lexicon import lexicon_for
from tracker.extract import periods as P
from tracker.model import Document


def run(text: str, published: str | None = "2025-06-04", language: str | None = "en", **kw):
    return extract_document(Document(text=text, published=published, language=language, **kw), "test")


def only(text: str, **kw):
    claims = run(text, **kw)
    assert len(claims) == 1, [(c.metric, c.value, c.actor, c.territory) for c in claims]
    return claims[0]


# ---------------------------------------------------------------- actors

def test_holder_named_inside_the_control_phrase() -> None:
    c = only("Back then they brought 1,250 square kilometers under Moscow's control.")
    assert (c.metric, c.actor) == ("area_gained_km2", "Russia")


def test_holder_after_a_preposition_in_a_dutch_predicate() -> None:
    c = only("Volgens ISW is nu ruim 80 duizend vierkante kilometer in Russische handen.", language="nl")
    assert (c.metric, c.actor, c.value) == ("area_controlled_km2", "Russia", 80000.0)


def test_the_rest_left_to_the_other_side() -> None:
    claims = run("Officials said 98% of the region is under Russian control, with less than 40 sq km left.")
    rest = [c for c in claims if c.metric == "area_controlled_km2"]
    assert rest and rest[0].actor == "Ukraine" and rest[0].value == 40.0


def test_generic_troops_belong_to_the_speaker() -> None:
    text = ("President Volodymyr Zelensky said on Sunday that the war goes on. "
            "In his address he said that since the start of May soldiers had freed 310 square kilometres.")
    c = only(text)
    assert c.actor == "Ukraine"


def test_a_cue_that_names_its_subject() -> None:
    c = only("Експерти зазначають, що 17% окупанти мали ще навесні.", language="uk",
             conflict="russia-ukraine")
    assert (c.metric, c.actor) == ("share_controlled_pct", "Russia")


# ---------------------------------------------------------------- metrics

def test_fronted_set_of_townships() -> None:
    c = only("Myanmar's military chief spoke on Wednesday. Of the country's 250 townships, 140 are "
             "completely stable, he said.", conflict="myanmar")
    assert (c.metric, c.value) == ("units_controlled_count", 140.0)


def test_bare_participle_sorts_towns_by_holder() -> None:
    text = ("The ministry sorts the towns into groups: 40 taken completely by resistance forces, "
            "60 still held by the regime.")
    claims = run(text, conflict="myanmar")
    assert {(c.metric, c.value) for c in claims} == {
        ("settlements_controlled_count", 40.0), ("settlements_controlled_count", 60.0)}


def test_holding_that_reports_a_capture() -> None:
    text = ("Rebels have captured dozens of villages in the north, a monitor said. "
            "It said that more than 30 villages were now in the hands of the rebels.")
    c = only(text, conflict="syria")
    assert c.metric == "settlements_captured"


def test_most_of_a_region_but_not_most_of_the_gains() -> None:
    c = only("Over the past year the RSF has taken most of the Kordofan region.", conflict="sudan")
    assert (c.metric, c.value, c.qualifier) == ("share_controlled_pct", 50.0, "at_least")
    assert run("Most of the Russian gains were in the east, around Lyman.") == []


def test_apposition_restates_a_share_as_an_area() -> None:
    claims = run("Moscow has seized almost 19 percent of Ukraine since 2022, an estimated 114,000 square kilometers.")
    assert {c.metric for c in claims} == {"share_controlled_pct", "area_controlled_km2"}


# ---------------------------------------------------------------- territory

def test_of_the_country_is_the_country_at_war() -> None:
    c = only("Before the invasion some six percent of the country, Crimea included, was in Russian hands.")
    assert c.territory == "Ukraine"


def test_there_points_to_the_region_named_in_the_sentence() -> None:
    c = only("In the Kharkiv region the pace slowed: Moscow gained some 90 square kilometres there last month.")
    assert c.territory == "Kharkiv oblast"


def test_a_place_after_with_is_not_where_the_figure_lies() -> None:
    c = only("Russia has taken 60,000 square kilometers, and with Crimea it holds far more.",
             conflict="russia-ukraine")
    assert c.territory == "Ukraine"


def test_a_concessive_aside_does_not_place_the_figure() -> None:
    c = only("Despite the counteroffensives in Kherson and Kharkiv, Russian forces gained 300 square kilometres in May.")
    assert c.territory == "Ukraine"


def test_a_fronted_locative_places_the_figure() -> None:
    c = only("In the Donetsk region, Russian forces gained 300 square kilometres in May.")
    assert c.territory == "Donetsk oblast"


def test_count_over_two_regions_is_one_claim() -> None:
    claims = run("He said 40 villages in the Aleppo and Idlib regions were captured by the rebels.", conflict="syria")
    assert len(claims) == 1


def test_share_of_a_previously_seized_area() -> None:
    c = only("Russia has taken back 55 percent of the land Ukraine captured in the Kursk region.")
    assert c.metric == "share_regained_pct"
    assert c.territory.startswith("area of Kursk oblast") and c.territory.endswith("seized by Ukraine")


# ---------------------------------------------------------------- time

def test_said_on_a_weekday_ends_an_open_period() -> None:
    c = only("The minister said on Tuesday that Ukrainian troops had retaken 900 square kilometres since May 20.",
             published="2025-06-05")
    assert (c.period_start, c.period_end) == ("2025-05-20", "2025-06-03")


def test_a_weekday_right_after_a_gain_is_its_day() -> None:
    c = only("Rebels took three more towns early on Tuesday, commanders said.", published="2025-06-05",
             conflict="syria")
    assert (c.period_start, c.period_end) == ("2025-06-03", "2025-06-03")


def test_the_invasion_month_starts_on_the_24th() -> None:
    c = only("In February and March 2022 Russia conquered 12 percent of Ukrainian territory.")
    assert (c.period_start, c.period_end) == ("2022-02-24", "2022-03-31")


def test_plan_horizon_within_months() -> None:
    c = only("The army expects its share to rise to 70 per cent within two months.", conflict="israel-gaza",
             published="2025-05-10")
    assert c.as_of == "2025-07-10"


def test_pushed_up_to_is_no_hedge() -> None:
    claims = {c.value: c for c in run("From 40% in March, Russia has pushed its share up to 45% of the oblast of Donetsk.")}
    assert claims[45.0].qualifier == "exact"


def test_so_far_after_an_entry_date() -> None:
    text = ("Russian troops entered the Sumy region on May 12 but have so far gained only 6 square "
            "kilometres there.")
    c = only(text, published="2025-06-02")
    assert (c.period_start, c.period_end) == ("2025-05-12", "2025-06-02")


def test_over_this_period_spans_the_two_readings() -> None:
    text = ("Станом на 1 березня 2023 року під окупацією перебувало 100 000 кв км, а сьогодні 110 000 кв км; "
            "за цей період ворог захопив 10 000 кв км.")
    claims = run(text, language="uk", published="2025-06-04", conflict="russia-ukraine")
    gain = [c for c in claims if c.metric == "area_gained_km2"]
    assert gain and (gain[0].period_start, gain[0].period_end) == ("2023-03-01", "2025-06-04")
    early = [c for c in claims if c.value == 100000.0]
    assert early and early[0].as_of == "2023-03-01"


def test_a_compared_month_dates_the_compared_figure() -> None:
    text = "Moskaus Truppen nahmen im Mai 400 Quadratkilometer ein, mehr als im April, als es 350 Quadratkilometer waren."
    claims = {c.value: c for c in run(text, language="de", published="2025-06-02")}
    assert claims[350.0].period_start == "2025-04-01" and claims[400.0].period_start == "2025-05-01"


def test_shortly_afterwards_is_the_next_month() -> None:
    text = ("In March 2022 Russia conquered 15 percent of Ukraine, "
            "but it had to give up nearly a third of it shortly afterwards.")
    claims = [c for c in run(text) if c.metric == "share_lost_pct"]
    assert claims and (claims[0].period_start, claims[0].period_end) == ("2022-04-01", "2022-04-30")


def test_a_since_phrase_of_another_figure_does_not_date_a_stock() -> None:
    text = ("Since Feb. 24, 2022, Russia has taken 70,000 square kilometers, and with Crimea "
            "it controls 19% of Ukraine.")
    stock = [c for c in run(text, published="2025-06-02") if c.metric == "share_controlled_pct"]
    assert stock and stock[0].as_of == "2025-06-02"


# ---------------------------------------------------------------- attribution

def test_outlet_from_the_publisher_field() -> None:
    assert outlet_name("Some Site (AFP wire copy)") == "AFP"
    assert outlet_name("Aggregator (citing The Daily Paper)") == "The Daily Paper"
    assert outlet_name("Regional News (NL edition, English)") == "Regional News"
    assert outlet_name("The Paper") == "The Paper"


def test_a_narrative_sentence_is_the_outlets_own() -> None:
    text = ("President Volodymyr Zelensky says Russia now controls 18% of Ukraine. "
            "Russian troops had seized 40,000 square kilometres in 2014.")
    claims = {c.value: c for c in run(text, publisher="The Daily Paper")}
    assert claims[18.0].attribution == "Volodymyr Zelensky"
    assert claims[40000.0].attribution == "The Daily Paper"


def test_reported_speech_keeps_its_speaker() -> None:
    text = ("Ukraine's defence minister Oleksii Reznikov said on Monday the front held. "
            "He said troops had retaken 120 square kilometres this week.")
    assert only(text, publisher="The Daily Paper").attribution == "Oleksii Reznikov"


def test_unnamed_sources_as_subjects() -> None:
    c = only("Russian forces took 300 square kilometers in May, analysts and war bloggers said.")
    assert c.attribution == "analysts and war bloggers"
    c = only("In the south, the Ukrainian army said it had recaptured 400 square kilometres.",
             conflict="russia-ukraine")
    assert c.attribution == "Ukrainian army"


def test_an_actor_as_the_source() -> None:
    c = only("The Arakan Army says it has seized four of the state's 17 townships since November.",
             conflict="myanmar")
    assert c.attribution == "Arakan Army"


def test_the_outlets_calculation() -> None:
    text = ("Vladimir Putin has said Russian troops took 4,000 square kilometers in 2025, which the "
            "outlet describes as an average of about 20 square kilometers a day.")
    claims = {c.metric: c for c in run(text, publisher="Site (NewsOutlet)", published="2025-07-01")}
    assert claims["area_gained_km2"].attribution == "Vladimir Putin"
    assert claims["area_gained_per_day_km2"].attribution == "NewsOutlet (calculation)"


def test_bare_analysts_are_the_producers() -> None:
    text = ("The DeepState project reported that Russia seized 400 sq km last month. "
            "Analysts note that 19% of Ukraine was already occupied in 2022.")
    claims = {c.value: c for c in run(text)}
    assert claims[19.0].attribution == "DeepState"


def test_a_participle_by_phrase_is_not_the_speaker() -> None:
    text = ("Malyar gave figures for the east. Overnight, President Volodymyr Zelenskiy had said Ukraine "
            "had liberated 5,000 sq km since Sept. 1, a figure that takes in the land cited by Malyar.")
    claims = [c for c in run(text, published="2022-09-14") if c.value == 5000.0]
    assert claims and claims[0].attribution == "Volodymyr Zelensky"  # the English spelling


# ---------------------------------------------------------------- lexicon machinery

def test_month_names_need_a_word_start() -> None:
    lex = lexicon_for("en")
    kinds = [p.kind for p in P.find_phrases("Myanmar's junta holds 120 townships", lex)]
    assert "month" not in kinds


def test_prefix_tree_alternation_matches_the_longest_word() -> None:
    lex = lexicon_for("en")
    m = lex.month_any_re.search("in September")
    assert m and m.group(0) == "September"


def test_a_fronted_compass_point_names_the_front() -> None:
    text = ("In the south, where Russian forces hold lines in the Zaporizhzhia and Kherson directions, "
            "Ukrainian troops took back 4.1 square kilometers last week, she said.")
    assert only(text, published="2025-06-04").territory == "southern front"


def test_the_un_as_a_speaker_but_not_as_an_adjective() -> None:
    text = ("Israeli forces hold about 60 percent of the Gaza Strip, the military said. "
            "Evacuation orders cover 78 percent of the territory, the UN said.")
    claims = {c.value: c for c in run(text, publisher="Paper")}
    assert claims[78.0].attribution == "UN"
    c = only("Just 12 percent of Gaza is not covered by evacuation orders, a UN official said.",
             publisher="Paper")
    assert c.attribution != "UN"


def test_this_week_counts_back_a_week() -> None:
    c = only("The RSF said it had seized 12 villages in North Kordofan this week.", published="2025-06-05")
    assert (c.period_start, c.period_end) == ("2025-05-29", "2025-06-05")


def test_conflict_read_from_a_demonym() -> None:
    c = only("Die russische Armee hat im Mai 450 Quadratkilometer erobert.", language="de",
             published="2025-06-02")
    assert (c.conflict, c.territory, c.actor) == ("russia-ukraine", "Ukraine", "Russia")


def test_names_after_an_elided_article() -> None:
    c = only("D'après une analyse de l'AFP tirée des données de l'ISW, la Russie a conquis 505 km2 en octobre.",
             language="fr", published="2025-11-03")
    assert c.attribution == "AFP analysis of ISW data"


def test_a_unit_abbreviation_can_end_a_sentence() -> None:
    text = "У жовтні росіяни окупували 505 кв. км. Загалом під окупацією перебуває 19,2% території України."
    claims = {c.value: c for c in run(text, language="uk", published="2025-11-01")}
    assert claims[505.0].metric == "area_gained_km2" and claims[19.2].metric == "share_controlled_pct"


def test_an_unnamed_general_staff_takes_the_side_of_the_claim() -> None:
    c = only("Ukrainian forces have liberated 160 square kilometres in the Kharkiv region since the start "
             "of the year, the General Staff said.")
    assert c.attribution == "Ukrainian General Staff"


def test_relative_changes_and_shares_of_other_things_are_no_claims() -> None:
    assert run("Russian advances slowed by 40% compared with the previous month, analysts said.") == []
    assert run("L'armée russe a perdu 70% de ses chars, selon un institut.", language="fr") == []
    c = only("Les Russes ont progressé de 480 km2 en mai.", language="fr", published="2025-06-03")
    assert (c.metric, c.value) == ("area_gained_km2", 480.0)
    c = only("Fin mars 2022, l'Ukraine avait perdu jusqu'à un quart de son sol.", language="fr")
    assert (c.metric, c.actor, c.value) == ("share_controlled_pct", "Russia", 25.0)


def test_two_sources_for_the_same_figure() -> None:
    text = ("The Institute for the Study of War (ISW) believes as much as 2,500 square kilometres may have "
            "been retaken by Ukrainian forces in recent days, and the general staff gave the same figure on Sunday.")
    c = only(text, conflict="russia-ukraine")
    assert c.attribution == "ISW; Ukrainian General Staff"


# ---------------------------------------------------------------- constructions added with the lead's review

def test_demonym_of_a_source_in_an_according_phrase_is_not_the_actor() -> None:
    text = ("Russische Einheiten haben im Juli nach Angaben der ukrainischen Analysegruppe DeepState "
            "gut 500 Quadratkilometer eingenommen. Das sind etwa 16 Quadratkilometer pro Tag.")
    claims = run(text, published="2025-08-01", language="de")
    assert [(c.metric, c.actor) for c in claims] == [("area_gained_km2", "Russia"),
                                                      ("area_gained_per_day_km2", "Russia")]
    rate = claims[1]
    assert (rate.value, rate.period_start, rate.period_end) == (16.0, "2025-07-01", "2025-07-31")
    assert rate.attribution == "DeepState"
    c = only("Selon le groupe ukrainien DeepState, la Russie a conquis 300 km2 en juillet.",
             published="2025-08-01", language="fr")
    assert c.actor == "Russia"
    c = only("According to Ukrainian officials, Russian troops took 120 square kilometres in July.",
             published="2025-08-01")
    assert c.actor == "Russia"


def test_that_is_restates_the_previous_flow_as_a_daily_rate() -> None:
    claims = run("Russia gained 600 square kilometres in April. That is about 20 square kilometres per day.",
                 published="2025-05-02")
    assert [c.metric for c in claims] == ["area_gained_km2", "area_gained_per_day_km2"]
    assert (claims[1].actor, claims[1].period_start) == ("Russia", "2025-04-01")


def test_analysis_chain_analyst_of_producer_data_in_every_language() -> None:
    cases = [
        ("fr", "D'après une analyse de l'AFP s'appuyant sur les données de l'ISW, la Russie a pris 380 km2 en mars."),
        ("de", "Russland hat im März laut einer Auswertung von Daten des ISW durch AFP 380 Quadratkilometer erobert."),
        ("de", "Einer AFP-Analyse von ISW-Daten zufolge eroberte Russland im März 380 Quadratkilometer."),
        ("nl", "Rusland veroverde in maart 380 vierkante kilometer, volgens een analyse door AFP van gegevens van het ISW."),
        ("no", "Russland tok 380 kvadratkilometer i mars, ifølge AFPs analyse av tall fra ISW."),
        ("uk", "У березні Росія захопила 380 кв. км, свідчить аналіз AFP даних ISW."),
    ]
    for lang, text in cases:
        c = only(text, published="2025-04-01", language=lang)
        assert (c.attribution, c.analyst, c.data_producer) == ("AFP analysis of ISW data", "AFP", "ISW"), (lang, c.attribution)


def test_a_later_bare_mention_of_the_analyst_keeps_the_chain() -> None:
    text = ("D'après une analyse de l'AFP tirée des données de l'ISW, l'armée russe a encore avancé. "
            "D'après les calculs de l'AFP, elle a conquis 250 km2 en février.")
    c = only(text, published="2025-03-01", language="fr")
    assert c.attribution == "AFP analysis of ISW data"


def test_an_analysis_by_any_named_outlet() -> None:
    cases = [
        ("en", "Israeli troops hold about 40 percent of the Gaza Strip, according to an analysis by the Israeli daily Maariv."),
        ("en", "A Maariv analysis found that Israeli troops hold about 40 percent of the Gaza Strip."),
        ("fr", "Selon une analyse du quotidien israélien Maariv, l'armée israélienne tient environ 40 % de la bande de Gaza."),
        ("de", "Laut einer Analyse der israelischen Tageszeitung Maariv kontrolliert Israel etwa 40 Prozent des Gazastreifens."),
        ("nl", "Volgens een analyse van de Israëlische krant Maariv controleert Israël ongeveer 40 procent van de Gazastrook."),
        ("no", "Ifølge en analyse fra den israelske avisen Maariv kontrollerer Israel rundt 40 prosent av Gazastripen."),
    ]
    for lang, text in cases:
        c = only(text, language=lang)
        assert (c.actor, c.attribution, c.analyst) == ("Israel", "Maariv analysis", "Maariv"), (lang, c.attribution)


def test_losing_control_of_a_count_is_no_holding() -> None:
    # No metric counts units outside a side's control: no claim, and never a holding.
    assert run("The junta has lost control of 64 of the nation's 330 townships, the NUG said.") == []
    assert run("Die Junta hat die Kontrolle über 64 der 330 Townships verloren.", language="de") == []
    assert run("La junte a perdu le contrôle de 64 des 330 cantons du pays.", language="fr") == []
    c = only("The junta has lost control over 45 percent of the country, resistance leaders said.")
    assert (c.metric, c.actor, c.qualifier) == ("share_outside_control_pct", "Myanmar junta", "exact")
    c = only("Russian units lost control of about 12 square kilometres near Kupiansk last week.",
             published="2025-06-04")
    assert (c.metric, c.actor) == ("area_lost_km2", "Russia")


def test_adjective_and_territory_noun_name_the_country() -> None:
    cases = [
        ("nl", "Rusland heeft in augustus ongeveer 310 vierkante kilometer Oekraïens grondgebied veroverd."),
        ("de", "Russland hat im August rund 310 Quadratkilometer ukrainisches Gebiet erobert."),
        ("fr", "La Russie a pris en août environ 310 km2 de territoire ukrainien."),
        ("no", "Russland erobret rundt 310 kvadratkilometer ukrainsk territorium i august."),
        ("uk", "У серпні Росія окупувала близько 310 кв. км української території."),
        ("en", "Russia took about 310 square kilometres of Ukrainian land in August."),
    ]
    for lang, text in cases:
        c = only(text, published="2025-09-02", language=lang, conflict="")
        assert (c.actor, c.territory) == ("Russia", "Ukraine"), (lang, c.actor, c.territory)
    c = only("Ukrainian troops have taken 900 square kilometres of Russian territory since early August.",
             published="2024-08-20")
    assert (c.actor, c.territory) == ("Ukraine", "Russia")


def test_since_an_event_on_a_date_opens_a_period() -> None:
    c = only("Ukrainian units have captured more than 900 sq km in the Kursk region since starting the "
             "operation on August 6, the commander said on Monday.", published="2024-08-21")
    assert (c.period_start, c.period_end) == ("2024-08-06", "2024-08-19")
    c = only("Ukrainische Einheiten haben seit dem Beginn der Operation am 6. August über 900 "
             "Quadratkilometer in der Region Kursk eingenommen.", published="2024-08-21", language="de")
    assert (c.period_start, c.period_end) == ("2024-08-06", "2024-08-21")
    c = only("Les troupes ukrainiennes ont pris 900 km2 dans la région de Koursk depuis le début de "
             "l'opération le 6 août.", published="2024-08-21", language="fr")
    assert (c.period_start, c.period_end) == ("2024-08-06", "2024-08-21")
    c = only("Oekraïense troepen hebben sinds het begin van de operatie op 6 augustus 900 vierkante "
             "kilometer in Koersk veroverd.", published="2024-08-21", language="nl")
    assert (c.actor, c.territory, c.period_start) == ("Ukraine", "Kursk oblast (Russia)", "2024-08-06")


def test_a_day_ordinal_before_a_month_ends_no_sentence() -> None:
    from tracker.extract.text import split_sentences
    text = "Am 6. August begann der Vorstoß. Danach ging es weiter."
    assert len(split_sentences(text)) == 2


# ---------------------------------------------------------------- rules added for issue 3 (session 2)

def test_a_share_retaken_without_a_period_is_dated_like_a_stock() -> None:
    c = only("Kyiv has already won back about 45 percent of the land Russia grabbed in 2022, the minister said.",
             published="2023-08-10")
    assert c.metric == "share_regained_pct"
    assert (c.period_start, c.period_end, c.as_of) == (None, None, "2023-08-10")
    # With a period of its own it stays a flow (the month inside the denominator is the
    # seizure's), and "has since" opens one.
    c = only("In April Russia lost 10 percent of the area it had seized in March.", published="2022-05-10")
    assert (c.metric, c.actor, c.period_start, c.period_end, c.as_of) == (
        "share_lost_pct", "Russia", "2022-04-01", "2022-04-30", None)
    c = only("In April Ukraine retook 10 percent of the area Russia had seized.", published="2022-05-10")
    assert (c.metric, c.actor, c.territory) == ("share_regained_pct", "Ukraine", "area seized by Russia")
    claims = [k for k in run("Having once held 120,000 sq km, Russia has since lost a fifth of it.",
                             published="2023-02-21") if k.metric == "share_lost_pct"]
    assert claims and claims[0].as_of is None and claims[0].period_end == "2023-02-21"


def test_a_peak_in_the_denominator_does_not_date_the_share() -> None:
    c = only("Moscow says it has retaken about 70 percent of what Ukraine first occupied in Kursk.",
             published="2025-03-01")
    assert (c.metric, c.as_of) == ("share_regained_pct", "2025-03-01")


def test_a_clause_after_a_semicolon_keeps_its_period() -> None:
    claims = run("Maps show Russian troops lost ground within ten days. Ukraine says it retook 90 square "
                 "kilometres; this month its forces also freed four villages near Vuhledar.", published="2023-06-20")
    area = next(c for c in claims if c.metric == "area_gained_km2")
    assert (area.period_start, area.period_end) == ("2023-06-10", "2023-06-20")


def test_a_figure_takes_the_period_of_the_sentence_before() -> None:
    c = only("Het front bewoog in de afgelopen twee maanden nauwelijks. Rusland veroverde 60 vierkante "
             "kilometer.", published="2024-03-31", language="nl")
    assert (c.period_start, c.period_end) == ("2024-01-31", "2024-03-31")
    # A sentence with figures of its own keeps its period to itself.
    claims = run("Russia took 200 square kilometres in January. Ukraine retook 30 square kilometres.",
                 published="2024-03-31")
    assert [(c.period_start, c.period_end) for c in claims] == [("2024-01-01", "2024-01-31")] * 2


def test_within_weeks_counts_from_the_event_before_it() -> None:
    c = only("Die Armee war Anfang Juni in die Region vorgestoßen und hatte dort binnen drei Wochen "
             "rund 400 Quadratkilometer erobert.", published="2024-09-02", language="de", conflict="russia-ukraine")
    assert (c.period_start, c.period_end) == ("2024-06-05", "2024-06-26")
    assert "period_approx" in c.flags
    c = only("Ukrainian forces captured about 300 square kilometres within ten days, the general said.",
             published="2024-08-30")
    assert (c.period_start, c.period_end) == ("2024-08-20", "2024-08-30")


def test_an_unnamed_source_after_according_to() -> None:
    cases = [
        ("en", "Russia controls 18 percent of Ukraine, according to an anonymous cartographer's count.",
         "anonymous cartographer"),
        ("en", "Russian forces seized 300 square kilometres in May, according to Western officials.", "Western officials"),
        ("fr", "D'après le relevé précis d'un cartographe indépendant, la Russie contrôle 18 % du territoire ukrainien.",
         "independent cartographer"),
        ("fr", "Selon des experts militaires, la Russie a conquis 300 km2 en mai.", "military experts"),
        ("de", "Laut unabhängigen Analysten eroberte Russland im Mai 300 Quadratkilometer.", "independent analysts"),
        ("nl", "Volgens westerse functionarissen veroverde Rusland in mei 300 vierkante kilometer.", "Western officials"),
        ("no", "Ifølge uavhengige analytikere erobret Russland 300 kvadratkilometer i mai.", "independent analysts"),
    ]
    for lang, text, label in cases:
        c = only(text, published="2025-06-04", language=lang, conflict="russia-ukraine")
        assert c.attribution == label, (lang, c.attribution)
    # A word of the clause between the cue and the noun is no description of the source.
    c = only("Selon de nombreux experts, la Russie a conquis 300 km2 en mai.", published="2025-06-04",
             language="fr", publisher="Le Journal")
    assert c.attribution == "Le Journal"


def test_the_area_around_a_front_line_town() -> None:
    cases = [
        ("en", "Russian forces captured 40 square kilometres around Pokrovsk last week.", "Pokrovsk area (Donetsk oblast)"),
        ("nl", "Rusland veroverde vorige week 40 vierkante kilometer rond Pokrowsk.", "Pokrovsk area (Donetsk oblast)"),
        ("fr", "Les forces russes ont pris 40 km2 autour de Koupiansk la semaine dernière.", "Kupiansk area (Kharkiv oblast)"),
        ("en", "Russia gained 30 square kilometres in the Toretsk sector in May.", "Toretsk sector (Donetsk oblast)"),
    ]
    for lang, text, place in cases:
        c = only(text, published="2025-06-10", language=lang, conflict="russia-ukraine")
        assert c.territory == place, (lang, c.territory)
    # "mostly around Pokrovsk" says where most of it lies, not what it measures.
    c = only("Russian troops advanced over 700 square kilometres of Ukrainian territory in May, mostly around "
             "Pokrovsk.", published="2025-06-10")
    assert c.territory == "Ukraine"


def test_one_total_over_two_regions_names_both() -> None:
    c = only("Rebels now hold over 50 villages and towns across the Aleppo and Idlib regions, the monitor said.",
             published="2024-11-29", conflict="syria")
    assert c.territory == "Aleppo and Idlib governorates"
    c = only("Russia took 500 square kilometres in the Donetsk and Luhansk regions in May.", published="2025-06-10")
    assert c.territory == "Donetsk and Luhansk oblasts"


def test_since_the_war_began_is_the_start_of_that_war() -> None:
    c = only("Israel has seized 40 square kilometres of Gaza since the war began, the UN said.",
             published="2024-01-10", conflict="israel-gaza")
    assert (c.period_start, c.period_end) == ("2023-10-07", "2024-01-10")
    c = only("Russia has seized 68,000 square kilometres since the war began.", published="2025-01-10",
             conflict="russia-ukraine")
    assert c.period_start == "2022-02-24"


def test_since_the_kursk_incursion_in_several_languages() -> None:
    cases = [
        ("en", "Ukrainian forces have seized more than 1,300 sq km since their incursion into the Kursk region began."),
        ("fr", "Les forces ukrainiennes ont pris 1 300 km2 depuis le début de leur offensive dans la région de Koursk."),
        ("de", "Die ukrainischen Truppen haben seit Beginn ihres Vorstoßes in die Region Kursk 1.300 Quadratkilometer erobert."),
    ]
    for lang, text in cases:
        c = only(text, published="2024-09-01", language=lang, conflict="russia-ukraine")
        assert (c.actor, c.territory, c.period_start, c.period_end) == (
            "Ukraine", "Kursk oblast (Russia)", "2024-08-06", "2024-09-01"), lang


def test_last_year_and_the_end_of_the_year() -> None:
    c = only("Russlands Armee hat im vergangenen Jahr rund 5.600 Quadratkilometer erobert.", published="2026-01-05",
             language="de", conflict="russia-ukraine")
    assert (c.period_start, c.period_end) == ("2025-01-01", "2025-12-31")
    c = only("Insgesamt kontrolliert Moskau zum Jahresende etwa 19,4 Prozent des Nachbarlandes.", published="2026-01-05",
             language="de", conflict="russia-ukraine")
    assert (c.territory, c.as_of) == ("Ukraine", "2025-12-31")


def test_a_comparison_figure_keeps_its_own_month_and_class() -> None:
    claims = run("Russia seized 478 square kilometres in October. That compares with 411 square kilometres in "
                 "September.", published="2024-11-02")
    assert [(c.value, c.period_start) for c in claims] == [(478.0, "2024-10-01"), (411.0, "2024-09-01")]
    c = run("L'armée russe a conquis 427 km² en janvier, un rythme en recul par rapport à décembre (465 km²).",
            published="2025-02-03", language="fr")
    assert [(k.value, k.period_start) for k in c] == [(427.0, "2025-01-01"), (465.0, "2024-12-01")]
    claims = run("Dans la région de Koursk, les forces ukrainiennes ne tiennent plus que 450 km² environ, contre "
                 "près de 1 300 km² à la mi-août 2024.", published="2025-02-03", language="fr")
    assert [(c.metric, c.qualifier, c.as_of) for c in claims] == [
        ("area_controlled_km2", "approx", "2025-02-03"), ("area_controlled_km2", "at_most", "2024-08-15")]


def test_shares_of_a_gain_and_relative_changes_are_no_claims() -> None:
    claims = run("Almost 80 percent of this month's advance came in the Donetsk region. Près des deux tiers de ces "
                 "gains ont été enregistrés dans la région de Donetsk.", published="2024-10-28")
    assert claims == []
    c = only("Russland eroberte im vergangenen Jahr rund 5.600 Quadratkilometer, gut 1.400 Quadratkilometer mehr "
             "als 2024.", published="2026-01-05", language="de", conflict="russia-ukraine")
    assert c.value == 5600.0


def test_since_a_weekday_and_after_an_event_on_a_date() -> None:
    c = only("The monitor said Israeli troops had taken over at least 10 villages since Sunday.", published="2024-12-14",
             conflict="syria")
    assert (c.period_start, c.period_end) == ("2024-12-08", "2024-12-14")
    c = only("Three months after the alliance launched its offensive on October 27, rebels have captured 35 towns.",
             published="2024-01-27", conflict="myanmar")
    assert (c.period_start, c.period_end) == ("2023-10-27", "2024-01-27")


def test_official_names_in_english_spelling_and_named_tallies() -> None:
    c = only("Die ukrainische Armee hat nach Angaben ihres Oberbefehlshabers Olexander Syrskyj seit Anfang Juni rund "
             "90 Quadratkilometer zurückerobert.", published="2025-06-24", language="de", conflict="russia-ukraine")
    assert c.attribution == "Oleksandr Syrskyi"
    c = only("Rebels have captured 35 towns, according to a tally published on Saturday by the independent research "
             "group Myanmar Peace Monitor.", published="2024-01-27", conflict="myanmar")
    assert c.attribution.startswith("Myanmar Peace Monitor")
    c = only("Russia captured roughly 1,600 square miles in 2024, a Washington Post analysis of data "
             "gathered by the Institute for the Study of War shows.", published="2025-01-03")
    assert c.attribution == "Washington Post analysis of ISW data"


def test_an_opener_and_a_cut_off_in_one_sentence_make_one_period() -> None:
    c = only("Rusland heeft dit jaar tot en met eind augustus ruim 3.100 vierkante kilometer Oekraïens grondgebied "
             "veroverd.", published="2024-09-10", language="nl", conflict="russia-ukraine")
    assert (c.period_start, c.period_end) == ("2024-01-01", "2024-08-31")
    c = only("Per 30. november hadde russiske styrker tatt kontroll over drøyt 3 600 kvadratkilometer ukrainsk "
             "territorium i år.", published="2024-12-03", language="no", conflict="russia-ukraine")
    assert (c.period_start, c.period_end, c.qualifier) == ("2024-01-01", "2024-11-30", "at_least")


def test_an_event_date_in_another_sentence_is_no_cut_off() -> None:
    claims = run("M23-opprørerne har siden nyttår tatt kontroll over minst 30 byer og tettsteder. Goma, med rundt to "
                 "millioner innbyggere, falt til opprørerne i slutten av januar.", published="2025-03-04",
                 language="no", conflict="drc")
    assert [(c.value, c.period_start, c.period_end) for c in claims] == [(30.0, "2025-01-01", "2025-03-04")]


def test_a_clause_final_fraction_of_the_region_named_before() -> None:
    claims = run("In de provincie Donetsk heeft het Russische leger nu bijna tweederde van het gebied in handen; "
                 "Oekraïne controleert er nog ongeveer een derde.", published="2024-09-15", language="nl")
    assert [(c.actor, c.value, c.territory) for c in claims] == [
        ("Russia", 66.7, "Donetsk oblast"), ("Ukraine", 33.3, "Donetsk oblast")]


def test_contrasted_shares_keep_their_own_holders() -> None:
    claims = run("A study found that at the end of September the military firmly held only 21 percent of the "
                 "country's territory, against 42 percent controlled by resistance groups.", published="2025-11-04",
                 conflict="myanmar")
    assert [(c.actor, c.value) for c in claims] == [("Myanmar junta", 21.0), ("Myanmar resistance forces", 42.0)]


def test_a_share_of_ground_held_at_a_peak_is_dated_now() -> None:
    claims = run("Ukrainian troops still hold about 450 square kilometres of Russia's Kursk region, roughly a third of "
                 "the ground they controlled at the height of their incursion.", published="2025-01-20")
    share = next(c for c in claims if c.metric == "share_controlled_pct")
    assert (share.as_of, share.territory) == ("2025-01-20", "area of Kursk oblast (Russia) seized by Ukraine")


def test_date_ranges_first_months_and_the_previous_month() -> None:
    c = only("Between 1 and 15 July alone Russian troops took 298 square kilometres, the report said.",
             published="2025-11-04")
    assert (c.period_start, c.period_end) == ("2025-07-01", "2025-07-15")
    c = only("Ses troupes avaient repris 16 km² dans la région de Soumy entre le 1er et le 15 juillet.",
             published="2025-07-16", language="fr", conflict="russia-ukraine")
    assert (c.territory, c.period_start, c.period_end) == ("Sumy oblast", "2025-07-01", "2025-07-15")
    c = only("In the first nine months of the year Russian forces seized 3,640 square kilometres.", published="2025-11-04")
    assert (c.period_start, c.period_end) == ("2025-01-01", "2025-09-30")
    claims = run("Moscow's forces captured 412 square kilometres last month, down from 498 square kilometres the "
                 "previous month. Over the month Ukrainian units won back 57 square kilometres.", published="2026-03-02")
    assert [(c.value, c.period_start) for c in claims] == [
        (412.0, "2026-02-01"), (498.0, "2026-01-01"), (57.0, "2026-02-01")]


def test_taking_control_is_a_gain_and_only_so_much_is_still_held() -> None:
    claims = run("L'armée russe a pris le contrôle de 305 km² de territoire ukrainien le mois dernier. Selon la même "
                 "analyse, l'Ukraine ne contrôle plus qu'environ 39 % de la région de Donetsk.", published="2024-04-01",
                 language="fr")
    assert [(c.metric, c.actor, c.qualifier) for c in claims] == [
        ("area_gained_km2", "Russia", "exact"), ("share_controlled_pct", "Ukraine", "approx")]


def test_bare_ranges_and_restatements_of_the_figure_before() -> None:
    c = only("Israel holds 100 to 120 square kilometres of Gaza.", published="2025-04-16", conflict="israel-gaza")
    assert (c.qualifier, c.value_min, c.value_max) == ("range", 100.0, 120.0)
    claims = run("Het leger heeft ongeveer 30 procent van de Gazastrook in handen. Volgens de krant gaat het om 100 tot "
                 "120 vierkante kilometer.", published="2025-04-16", language="nl", conflict="israel-gaza")
    assert [c.metric for c in claims] == ["share_controlled_pct", "area_controlled_km2"]


def test_no_agent_inside_a_withdrawal_or_a_name() -> None:
    claims = run("Die ukrainische Armee hat seit Anfang Oktober 4.700 Quadratkilometer zurückerobert. Allein in den "
                 "vergangenen drei Tagen, nach dem Abzug der russischen Truppen, seien 41 Ortschaften befreit worden.",
                 published="2022-11-13", language="de", conflict="russia-ukraine")
    assert [(c.actor, c.period_start) for c in claims] == [("Ukraine", "2022-10-01"), ("Ukraine", "2022-11-10")]
    c = only("The Arakan Army said it had overrun the headquarters of the junta's Western Regional Military Command, "
             "giving the group control of 14 of Rakhine State's 17 townships.", published="2024-12-22", conflict="myanmar")
    assert c.actor == "Arakan Army"


def test_officials_and_ministries_named_in_several_languages() -> None:
    c = only("Die ukrainische Armee hat seit Anfang Oktober mehr als 4.700 Quadratkilometer in der Region Cherson "
             "zurückerobert, wie Verteidigungsminister Olexij Resnikow am Samstag mitteilte.", published="2022-11-13",
             language="de", conflict="russia-ukraine")
    assert c.attribution == "Oleksii Reznikov"
    c = only("Nach Schätzung des britischen Verteidigungsministeriums hält Russland in der Region Cherson nur noch "
             "rund ein Viertel des Gebiets.", published="2022-11-13", language="de", conflict="russia-ukraine")
    assert (c.attribution, c.value, c.territory) == ("UK Ministry of Defence", 25.0, "Kherson oblast")
    c = only("The Arakan Army (AA) said on Saturday it now controls 14 of Rakhine State's 17 townships.",
             published="2024-12-22", conflict="myanmar")
    assert c.attribution == "Arakan Army"


def test_a_side_that_speaks_through_its_staff_keeps_its_gains() -> None:
    c = only("Ukraine's General Staff said its forces had retaken 20 square kilometres near Kupiansk.",
             published="2025-06-05")
    assert (c.actor, c.attribution) == ("Ukraine", "Ukrainian General Staff")


def test_areas_per_day_outside_an_account_of_gains_are_no_claims() -> None:
    assert run("Deminers can clear only about 2 square kilometres a day, the agency said. The fires burned 40 square "
               "kilometres a day in August.", published="2025-06-05") == []
    claims = run("Belousov said Russian forces took 6,300 square kilometres this year. The offensive had averaged "
                 "around 18 square kilometres per day, he said.", published="2025-12-17")
    assert [c.metric for c in claims] == ["area_gained_km2", "area_gained_per_day_km2"]


def test_new_constructions_leave_distractors_alone() -> None:
    text = ("Men aged 18 to 60 may not leave the country. Russia lost 500 soldiers in the battle, including 20 "
            "officers. That compares with 40,000 casualties a year earlier. According to local residents, 300 people "
            "fled the village. Shelling near Pokrovsk killed 5 people and damaged 40 homes. The security zone is "
            "between 1 and 3 kilometres wide.")
    assert run(text, published="2025-06-05") == []


def test_a_figure_of_the_compared_month_in_german() -> None:
    claims = run("DeepState hat für Januar russische Geländegewinne von 427 Quadratkilometern verzeichnet, deutlich "
                 "weniger als im Dezember, als es 593 Quadratkilometer waren.", published="2025-02-15", language="de",
                 conflict="russia-ukraine")
    assert [(c.value, c.period_start) for c in claims] == [(427.0, "2025-01-01"), (593.0, "2024-12-01")]


# ---------------------------------------------------------------- sources read lazily

def test_a_figure_before_any_source_takes_the_source_named_after_it() -> None:
    # The sources of the sentences after the last figure are read only when a figure falls
    # back on the document's most frequent source: here they must be.
    c = only("Russia took 500 km² in May. The Institute for the Study of War gave that figure in its "
             "daily update. Fighting went on.", publisher="Example Post")
    assert c.attribution == "Institute for the Study of War (ISW)" and c.data_producer == "ISW"


def test_a_speakers_windows_read_the_sentences_runs() -> None:
    from tracker.extract.attribution import _runs_in, _scan_runs
    sentence = "Oleksandr Syrskyi, the commander, said on Monday that Pokrovsk held."
    runs = _scan_runs(sentence)
    # A window cutting through "Oleksandr Syrskyi" is scanned afresh; one around it is not.
    assert _runs_in(runs, 5, 40) is None
    inside = _runs_in(runs, 0, 40)
    assert inside == [(0, 17, "Oleksandr Syrskyi")]
    assert inside == _scan_runs(sentence[0:40])


# ---------------------------------------------------------------- numbers written in words

def test_tens_and_units_written_as_one_number_in_each_language() -> None:
    cases = [
        ("RSF fighters captured thirty-eight localities in North Darfur, the group said.", "en", "RSF"),
        ("Les rebelles du M23 ont pris trente-huit localités depuis janvier.", "fr", "M23"),
        ("Die russische Armee hat seit Januar achtunddreißig Ortschaften erobert.", "de", "Russia"),
        ("De Russen hebben sinds januari achtendertig dorpen veroverd.", "nl", "Russia"),
        ("Russiske styrker har tatt trettiåtte landsbyer siden januar.", "no", "Russia"),
        ("Російські війська захопили тридцять вісім населених пунктів з початку року.", "uk", "Russia"),
    ]
    for text, language, actor in cases:
        c = only(text, language=language)
        assert (c.metric, c.value, c.actor) == ("settlements_captured", 38, actor), language


def test_compound_number_words_are_valued_and_distractors_stay_out() -> None:
    assert lexicon_for("fr").word_value("vingt et un") == 21
    assert lexicon_for("en").word_value("ninety-nine") == 99
    assert lexicon_for("en").word_value("twenty") == 20
    assert run("The offensive lasted twenty-four hours and killed thirty-two people.") == []


# ---------------------------------------------------------------- towns, spokesmen, British intelligence

def test_a_share_of_a_town_is_the_town() -> None:
    c = only("Russian forces now control about 70 percent of Pokrovsk, the ISW said.")
    assert (c.metric, c.territory) == ("share_controlled_pct", "Pokrovsk (town)")
    c = only("Ifølge britisk militær etterretning kontrollerer russiske styrker nå omkring 65 prosent av Bakhmut.",
             language="no")
    assert (c.territory, c.attribution) == ("Bakhmut (town)", "UK Ministry of Defence")
    # A district named after the town is no share of the town.
    assert only("Russia holds 40% of the Pokrovsk district, ISW said.").territory != "Pokrovsk (town)"


def test_an_official_named_by_surname_alone_is_the_speaker() -> None:
    c = only("Russian forces took 40 square kilometres last week, Syrskyi said.")
    assert c.attribution == "Oleksandr Syrskyi"
    c = only("Російські війська контролюють 65% Бахмута, заявив Череватий.", language="uk")
    assert (c.territory, c.attribution) == ("Bakhmut (town)", "Serhii Cherevatyi")
    c = only("Den ukrainske hærens talsmann Serhij Tsjerevatyj sier at ukrainske styrker fortsatt holder mer enn "
             "en tredjedel av Bakhmut.", language="no")
    assert (c.actor, c.attribution) == ("Ukraine", "Serhii Cherevatyi")


def test_villages_lost_are_captured_by_the_other_side_in_every_two_sided_war() -> None:
    c = only("The Congolese army lost four villages on the Kavumu-Bukavu axis, its spokesman said.", conflict="drc")
    assert (c.metric, c.actor) == ("settlements_captured", "M23")
    c = only("Le porte-parole de l'armée congolaise a reconnu mardi la perte de quatre localités.", language="fr",
             conflict="drc")
    assert (c.metric, c.actor) == ("settlements_captured", "M23")


# ---------------------------------------------------------------- rules from a third evaluation set

def test_gains_written_as_coming_under_control() -> None:
    c = only("Im gesamten Jahr 2025 brachten Moskaus Truppen damit rund 5.900 Quadratkilometer unter ihre Kontrolle.",
             language="de")
    assert (c.metric, c.actor, c.value) == ("area_gained_km2", "Russia", 5900.0)
    c = only("Depuis le 1er janvier, plus de 2.900 km² sont passés sous le contrôle des forces russes.", language="fr")
    assert (c.metric, c.actor, c.qualifier) == ("area_gained_km2", "Russia", "at_least")
    c = only("Генштаб РФ стверджує, що російські війська від початку року взяли під контроль 37 населених пунктів.",
             language="uk")
    assert (c.metric, c.actor, c.value) == ("settlements_captured", "Russia", 37)
    c = only("I Donetsk-regionen alene har russerne lagt under seg minst 1 600 kvadratkilometer.", language="no")
    assert (c.metric, c.value, c.qualifier) == ("area_gained_km2", 1600.0, "at_least")


def test_holdings_and_hedges_of_the_third_set() -> None:
    c = only("The Arakan Army now governs about 90 percent of Rakhine's territory, its spokesman said.", conflict="myanmar")
    assert (c.metric, c.actor, c.value) == ("share_controlled_pct", "Arakan Army", 90.0)
    c = only("Totalt har Russland i år tatt nærmere 2700 kvadratkilometer.", language="no")
    assert c.qualifier == "at_most"
    c = only("Motstandsgrupper og etniske væpnede organisasjoner har full kontroll over 42 prosent.", language="no",
             conflict="myanmar")
    assert (c.metric, c.actor) == ("share_controlled_pct", "Myanmar resistance forces")
    c = only("The Kurdish-led Syrian Democratic Forces (SDF) hold about a quarter of the country.", conflict="syria")
    assert c.actor == "SDF"


def test_sizes_and_wholes_are_no_claims() -> None:
    # The area after "of Syria's" is the whole the share is of.
    c = only("Government forces now control around 58 percent of Syria's 185,180 square kilometres.", conflict="syria")
    assert (c.metric, c.value) == ("share_controlled_pct", 58.0)
    assert run("Die Halbinsel Krim, die rund 27.000 Quadratkilometer groß ist, wurde 2014 annektiert.", language="de") == []


def test_a_direction_named_after_an_oblast_is_named_in_english() -> None:
    c = only("Сили оборони звільнили понад 400 кв. км на Запорізькому напрямку.", language="uk")
    assert c.territory == "Zaporizhzhia direction (Zaporizhzhia oblast)"


def test_an_area_and_its_share_joined_by_or_share_the_predicate() -> None:
    claims = run("As of May 31, a total of 113,482 square kilometers, or 18.8% of Ukraine, was under Russian "
                 "occupation, according to DeepState.", published="2025-06-01")
    assert sorted((c.metric, c.value, c.actor) for c in claims) == [
        ("area_controlled_km2", 113482.0, "Russia"), ("share_controlled_pct", 18.8, "Russia")]


def test_a_hedge_after_the_figure_and_a_sides_figures_as_source() -> None:
    c = only("Ukraine's General Staff said Russia had captured 280 square kilometres at most in October.",
             published="2025-11-21")
    assert (c.qualifier, c.qualifier_text) == ("at_most", "at most")
    # "Nach ukrainischen Angaben": whose figures, not who holds the ground.
    c = only("Nach ukrainischen Angaben hält Russland weiterhin etwa fünf Prozent des Gebiets Charkiw.", language="de")
    assert (c.metric, c.actor, c.territory) == ("share_controlled_pct", "Russia", "Kharkiv oblast")


def test_a_second_reported_clause_keeps_its_own_predicate() -> None:
    claims = run("Army spokesman Brig. Gen. Nabil Abdallah said troops had retaken 37 villages and towns in Gezira over "
                 "the past week and that seven of the state's eight localities were now back under army control.",
                 published="2025-01-13", conflict="sudan")
    assert ("settlements_captured", 37, "SAF") in [(c.metric, c.value, c.actor) for c in claims]
