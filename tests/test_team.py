"""A team's own product and objections: facts in the prompt, the better line and the generator; authored
objections validated, stored, round-tripped as YAML and joining the library; the page in both modes."""

import json
import random
import re

import pytest
from sqlite_utils import Database

from closergym import generator, schedule, sessions, store, team
from closergym.content import library
from closergym.prospect import Scene, persona_prompt
from closergym.sparring import Beat
from tests.conftest import app_for, said, unescaped


def signed_in(passcode: str) -> str:
    """An instructor's sign-in token for `passcode`, as the Instructor page makes one (no browser in AppTest)."""
    import time

    from closergym import cohorts
    return cohorts.sign_in_token(passcode, browser="", now=int(time.time()))

PRODUCT = team.Product(
    name="Ledgerly", what="automates month-end bookkeeping for small firms", price="$400 a month",
    terms="cancel any month", proof_points=["Harbor Dental closed their books in 2 days instead of 9"],
    customers=["Harbor Dental"], competitors=[team.Competitor(name="QuickBooks", difference="we reconcile every "
                                                               "account automatically")],
    buyers=["Office manager"])
GENERIC_CLAIMS = ("40 dollars a week", "most customers", "within the first six months", "20 percent")


def authored(slug="our-audit-fear", **changes) -> dict:
    """A complete objection in the form's shape, written from a shipped one with the product's tokens."""
    fields = team.form_fields(library().objections["need-to-think"])
    fields.update(slug=slug, title="We're worried about the audit trail", short="Audit trail",
                  lines="I'm worried {product} breaks our audit trail.\nOur auditor won't like {product}.",
                  rebuttal_elite="Fair, the audit matters. What does your auditor check first? {proof}. "
                                 "Could we walk your auditor through it Thursday at 10?")
    fields.update(changes)
    return team.objection_from_form(fields)


@pytest.fixture
def mem() -> Database:
    db = Database(memory=True)
    store.migrate(db)
    return db


def test_product_facts_reach_the_prospect_prompt():
    objection = library().objections["too-expensive"]
    prompt = persona_prompt(Scene(objection, objection.lines[0], product=PRODUCT), Beat("push", "weak"),
                            random.Random(1))
    assert "Ledgerly" in prompt and "$400 a month" in prompt and "QuickBooks" in prompt
    assert "Ledgerly" not in persona_prompt(Scene(objection, objection.lines[0]), Beat("push", "weak"),
                                            random.Random(1))


def test_the_better_line_uses_the_products_claims_and_invents_none(mem, trainee):
    lib = team.library_for(mem, 1, bootcamp=False)
    assert lib is library()  # nothing written: the shipped library as it is
    team.save_product(mem, "trainee:1", PRODUCT)
    lib = team.library_for(mem, 1, bootcamp=False)
    elite = lib.objections["too-expensive"].rebuttal("elite").text
    assert "Harbor Dental closed their books in 2 days instead of 9" in elite and "$400 a month" in elite
    assert not any(claim in elite.lower() for claim in GENERIC_CLAIMS)
    assert "Want me to run those numbers" in elite  # the rest of the model answer stays
    graded = sessions.grade_with_judge("It's too expensive", "ok", objection_slug="too-expensive", lib=lib,
                                       llm=None, who=1)[0]
    assert graded.feedback.better == elite


def test_missing_facts_become_marked_placeholders_not_claims():
    bare = team.Product(name="Ledgerly", what="automates bookkeeping")
    line = team.ground(library().objections["too-expensive"].rebuttal("elite").text, bare, "money")
    assert "[your proof point]" in line and "[your price]" in line
    assert not any(claim in line.lower() for claim in GENERIC_CLAIMS)
    assert team.ground("No claim here. Could we talk Thursday at 10?", bare, "money") == \
        "No claim here. Could we talk Thursday at 10?"


def test_the_generator_uses_the_product(mem):
    team.save_product(mem, "trainee:1", PRODUCT)
    result = generator.generate("It's too expensive for us", lib=team.library_for(mem, 1, bootcamp=False), seed=3)
    assert result.context["product"] == "Ledgerly" and result.context["role"] == "Office manager"
    assert "Harbor Dental" in result.framework["respond"]
    assert not any(claim in result.response.lower() for claim in ("most teams", "we work with"))
    plain = generator.generate("It's too expensive for us", seed=3)
    assert "Ledgerly" not in plain.response


def test_an_authored_objection_validates_like_a_shipped_file_and_joins_the_library(mem):
    objection = team.parse_objection(authored())
    team.save_product(mem, "trainee:1", PRODUCT)
    team.save_objection(mem, "trainee:1", objection)
    lib = team.library_for(mem, 1, bootcamp=False)
    mine = lib.objections["our-audit-fear"]
    assert mine.lines[0] == "I'm worried Ledgerly breaks our audit trail."  # the scripted prospect names it
    assert "Harbor Dental closed their books" in mine.rebuttal("elite").text
    assert set(library().objections) < set(lib.objections)
    assert "our-audit-fear" not in team.library_for(mem, 2, bootcamp=False).objections  # another solo user's


def test_spaced_repetition_and_sparring_take_the_authored_objection(mem):
    trainee = store.create_trainee(mem, "Ana")
    team.save_objection(mem, f"trainee:{trainee['id']}", team.parse_objection(authored()))
    lib = team.library_for(mem, trainee["id"], bootcamp=False)
    assert "our-audit-fear" in [card.slug for card in schedule.objection_cards(mem, trainee["id"], lib=lib)]
    session = sessions.start_session(mem, trainee_id=trainee["id"], objection_slug="our-audit-fear", lib=lib, seed=4)
    assert session["state"]["prompts"][0] in lib.objections["our-audit-fear"].lines
    turn = sessions.take_turn(mem, trainee_id=trainee["id"], session_id=session["id"], lib=lib,
                              rebuttal="I hear you. What does your auditor check first? Can we talk Thursday at 10?")
    assert turn.grade.tier in ("strong", "elite")
    card = next(c for c in schedule.objection_cards(mem, trainee["id"], lib=lib) if c.slug == "our-audit-fear")
    assert card.reviews == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"slug": "Not A Slug"}, "slug"), ({"slug": "too-expensive"}, "slug"),
    ({"hidden_facts": "only one"}, "hidden_facts"), ({"personas": "Ana | Owner"}, "personas.0.industry"),
    ({"curveball_answers": "just one | because it fits the curveball"}, "curveball_answers"),
])
def test_a_bad_objection_is_refused_naming_the_field(change, field):
    with pytest.raises(team.AuthoringError, match=rf"(?m)^{re.escape(field)}: "):
        team.parse_objection(authored(**change))


def test_yaml_round_trips_and_a_bad_file_changes_nothing(mem):
    objection = team.parse_objection(authored())
    team.save_objection(mem, "team", objection)
    text = team.to_yaml(objection)
    assert team.from_yaml(text.encode()) == objection
    before = list(mem.query("SELECT * FROM team_content"))
    broken = text.replace("real_concern:", "real_concerns:")
    for bad, message in ((broken, "real_concern: this is missing"), (b"\xff\xfe", "UTF-8"), ("- a\n- list", "mapping"),
                         ("slug: [", "not valid YAML"), ("a: b\n" * 20_000, "at most"),
                         (text + f"slug: {objection.slug}-again\n", r"the key “slug” is written twice \(line \d+\)"),
                         ("[" * 20_000 + "]" * 20_000, "nests brackets too deeply")):
        with pytest.raises(team.AuthoringError, match=message):
            saved = team.from_yaml(bad if isinstance(bad, bytes) else bad.encode())
            team.save_objection(mem, "team", saved)
    assert list(mem.query("SELECT * FROM team_content")) == before


def test_preview_opens_and_replies_before_anything_is_saved(mem):
    objection = team.parse_objection(authored())
    shown = team.preview(objection, "I hear you. What worries you most about the audit? Thursday at 10?",
                         product=PRODUCT)
    assert "Ledgerly" in shown.opening and shown.reply and shown.tier in ("weak", "strong", "elite")
    assert list(mem.query("SELECT count(*) AS n FROM team_content"))[0]["n"] == 0


def test_the_product_round_trips_through_the_form():
    assert team.product_from_form(team.product_fields(PRODUCT)) == PRODUCT
    with pytest.raises(team.AuthoringError, match="What it does: this is empty"):
        team.product_from_form({"name": "Ledgerly"})


def test_migration_008_adds_the_table_to_an_older_database(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    old.execute("CREATE TABLE _closergym_marker (x)")  # any older database: the migration only adds its table
    store.migrate(old)
    assert "008_team_content" in store.applied_migrations(old) and "team_content" in old.table_names()


# -- the page ------------------------------------------------------------------------------------------------


def fill(at, fields: dict) -> None:
    for key, value in fields.items():
        widget = at.main.get("text_area") + at.main.get("text_input")
        found = [w for w in widget if w.key == f"team_f_{key}"]
        if found:
            found[0].set_value(value)
        elif key.startswith("moves_"):
            next(m for m in at.main.multiselect if m.key == f"team_f_{key}").set_value(value)
        elif key == "category":
            next(s for s in at.main.selectbox if s.key == "team_f_category").set_value(value)


def test_solo_user_authors_previews_saves_and_spars_it(trainee):
    at = app_for(trainee, "app_pages/team.py")
    assert not at.exception
    fill(at, team.form_fields(authored()))
    next(b for b in at.main.get("button") if "Preview" in str(b.proto.label)).click().run()
    assert not at.exception and not at.error
    shown = [unescaped(m.value) for m in at.main.markdown]
    assert "**Preview** (nothing saved yet)" in shown
    assert any(line in shown for line in ("I'm worried [your product] breaks our audit trail.",
                                          "Our auditor won't like [your product]."))  # no product yet: a placeholder
    with store.open_db(store_path()) as db:
        assert list(db.query("SELECT count(*) AS n FROM team_content"))[0]["n"] == 0  # preview only
    next(b for b in at.main.button if b.key == "team_save").click().run()
    assert not at.exception and "Sparring picker" in at.success[0].value
    spar = app_for(trainee, "app_pages/sparring.py")
    mine = next(option for option in spar.selectbox[0].options if "audit trail" in option)
    spar.selectbox[0].select(mine)
    spar.button[0].click().run()  # Start sparring: the session opens on the authored objection
    assert not spar.exception
    assert "[your product]" in said(spar)[0]["text"]


def test_a_bad_form_is_refused_naming_the_field(trainee):
    at = app_for(trainee, "app_pages/team.py")
    fill(at, {**team.form_fields(authored()), "hidden_facts": "just one"})
    next(b for b in at.main.get("button") if "Preview" in str(b.proto.label)).click().run()
    assert "Hidden facts (revealed to good questions): write at least 2 lines (you wrote 1)" in \
        unescaped(at.error[0].value) and not [b for b in at.main.button if b.key == "team_save"]


def test_bootcamp_trainee_cannot_author_and_sees_the_instructors_objections(trainee, db, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "let-me-teach")
    team.save_objection(db, "team", team.parse_objection(authored()))
    at = app_for(trainee, "app_pages/team.py")
    assert not at.exception and not at.main.get("text_area") and not at.main.tabs
    assert any("audit trail" in str(link.proto.label) for link in at.main.get("page_link"))
    spar = app_for(trainee, "app_pages/sparring.py")
    assert any("audit trail" in option for option in spar.selectbox[0].options)


def test_bootcamp_instructor_authors_for_every_trainee(trainee, db, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "let-me-teach")
    at = app_for(None)
    at.session_state["instructor_signed_in"] = signed_in("let-me-teach")
    at.switch_page("app_pages/team.py").run()
    assert not at.exception and at.main.tabs
    for key, value in team.product_fields(PRODUCT).items():
        next(w for w in at.main.get("text_area") + at.main.get("text_input") if w.key == f"team_p_{key}").set_value(value)
    next(b for b in at.main.get("button") if "Save the product" in str(b.proto.label)).click().run()
    assert not at.exception and "Ledgerly" in at.success[0].value
    assert json.loads(next(db.query("SELECT body FROM team_content WHERE owner = 'team'"))["body"])["name"] == "Ledgerly"
    assert team.library_for(db, trainee["id"], bootcamp=True).product == PRODUCT


def store_path():
    import os
    return os.environ["CLOSERGYM_DB"]


def test_progress_counts_an_authored_objection(trainee, db):
    owner = f"trainee:{trainee['id']}"
    team.save_objection(db, owner, team.parse_objection(authored()))
    lib = team.library_for(db, trainee["id"], bootcamp=False)
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="our-audit-fear", lib=lib, seed=2)
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], lib=lib,
                       rebuttal="I hear you. What does your auditor check first? Can we talk Thursday at 10?")
    at = app_for(trainee, "app_pages/progress.py")
    assert not at.exception
    cards = at.main.dataframe[0].value
    assert cards.loc[cards["Objection"] == "Audit trail", "Answers"].tolist() == [1]


@pytest.mark.parametrize("text", ["Take me off your list.", "My father just passed away, I can't deal with this now."])
def test_the_generator_pitches_no_product_to_a_closed_door(mem, text):
    team.save_product(mem, "trainee:1", PRODUCT)
    result = generator.generate(text, lib=team.library_for(mem, 1, bootcamp=False), seed=3)
    assert "Harbor Dental" not in result.response and "Ledgerly" not in result.framework.get("respond", "")


def test_the_llm_generator_is_told_the_products_facts_and_no_others():
    messages = generator.generator_messages("It's too expensive", {}, None)
    told = team.product_messages(messages, PRODUCT)
    assert "make only claims found there" in told[0]["content"] and "[your proof point]" in told[0]["content"]
    assert "Proof point: Harbor Dental closed their books in 2 days instead of 9" in told[-1]["content"]
    assert team.product_messages(messages, None) == messages


def test_a_cohort_sees_its_own_objections_and_product_over_the_ones_for_every_cohort(db):
    from closergym import cohorts

    spring = cohorts.create_cohort(db, "Spring")
    ana, bo = store.create_trainee(db, "Ana"), store.create_trainee(db, "Bo")
    store.add_cohort_member(db, spring["id"], ana["id"])
    team.save_product(db, team.TEAM, team.Product(name="Ledgerly Basic", what="bookkeeping for everyone"))
    team.save_product(db, team.cohort_owner(spring["id"]), PRODUCT)
    team.save_objection(db, team.cohort_owner(spring["id"]), team.parse_objection(authored()))
    team.save_objection(db, team.TEAM, team.parse_objection(authored(slug="for-everyone")))
    in_spring = team.library_for(db, ana["id"], bootcamp=True)
    elsewhere = team.library_for(db, bo["id"], bootcamp=True)
    assert in_spring.product == PRODUCT and elsewhere.product.name == "Ledgerly Basic"
    assert {"our-audit-fear", "for-everyone"} <= set(in_spring.objections)
    assert "for-everyone" in elsewhere.objections and "our-audit-fear" not in elsewhere.objections
    assert "our-audit-fear" not in team.library_for(db, ana["id"], bootcamp=False).objections  # solo: her own only


def test_bootcamp_instructor_writes_for_one_cohort(trainee, db, monkeypatch):
    from closergym import cohorts

    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "let-me-teach")
    spring = cohorts.create_cohort(db, "Spring")
    at = app_for(None)
    at.session_state["instructor_signed_in"] = signed_in("let-me-teach")
    at.switch_page("app_pages/team.py").run()
    next(s for s in at.main.selectbox if s.key == "team_owner").select(team.cohort_owner(spring["id"])).run()
    fill(at, team.form_fields(authored()))
    next(b for b in at.main.get("button") if "Preview" in str(b.proto.label)).click().run()
    next(b for b in at.main.button if b.key == "team_save").click().run()
    assert not at.exception
    assert [row["owner"] for row in db.query("SELECT owner FROM team_content")] == [f"cohort:{spring['id']}"]
    assert "our-audit-fear" not in team.library_for(db, trainee["id"], bootcamp=True).objections  # not in Spring
    store.add_cohort_member(db, spring["id"], trainee["id"])
    assert "our-audit-fear" in team.library_for(db, trainee["id"], bootcamp=True).objections


def test_an_objection_deleted_mid_session_leaves_sparring_and_progress_working(trainee, db):
    owner = f"trainee:{trainee['id']}"
    team.save_objection(db, owner, team.parse_objection(authored()))
    lib = team.library_for(db, trainee["id"], bootcamp=False)
    sessions.start_session(db, trainee_id=trainee["id"], objection_slug="our-audit-fear", lib=lib, seed=2)
    team.delete_objection(db, owner, "our-audit-fear")
    at = app_for(trainee, "app_pages/sparring.py")
    at.chat_input[0].set_value("I hear you. What does your auditor check first?").run()
    assert not at.exception and len(said(at)) == 3
    assert not app_for(trainee, "app_pages/progress.py").exception


@pytest.mark.parametrize("slug", sorted(library().objections))
def test_no_library_answer_keeps_a_generic_number_once_a_product_is_given(slug):
    """With a product, every number left in a model or curveball answer's statements is the team's own or a
    meeting's time (a question makes no claim). An answer to a request to stop is not a pitch: it keeps its words."""
    objection = team.grounded_objection(library().objections[slug], PRODUCT)
    if objection.category in team.NO_PITCH:
        assert objection == library().objections[slug]
        return
    ours = team.claim_line(PRODUCT, objection.category)
    for text in [objection.rebuttal("strong").text, objection.rebuttal("elite").text,
                 *(answer.text for answer in objection.curveball_answers)]:
        statements = " ".join(s for s in team.SENTENCE.findall(text.replace(ours, " ")) if not s.strip().endswith("?"))
        left = team.NOT_CLAIMS.sub(" ", team.DAY_AND_TIME.sub(" ", statements))
        assert not any(ch.isdigit() for ch in left), text
        assert "most customers" not in left.lower() and "percent" not in left.lower()


# -- round 2: the claim reads as sentences; the form speaks plainly ---------------------------------------------

VERB_HINTS = ("offers", "is", "installs", "automates", "install", "saves", "costs", "differ", "closed", "have")


@pytest.mark.parametrize(("what", "opening"), [
    ("rooftop solar panels with a home battery, installed in two days",
     "SunPeak Solar offers rooftop solar panels with a home battery, installed in two days."),  # a noun phrase
    ("We install rooftop solar panels in two days.", "We install rooftop solar panels in two days."),  # a sentence
    ("installs rooftop solar panels in two days", "SunPeak Solar installs rooftop solar panels in two days."),
    ("install rooftop solar panels in two days", "SunPeak Solar installs rooftop solar panels in two days."),
    ("a rooftop solar kit with a home battery", "SunPeak Solar is a rooftop solar kit with a home battery."),
])
def test_the_products_claim_reads_as_whole_sentences(what, opening):
    product = team.Product(name="SunPeak Solar", what=what, price="$140 a month",
                           terms="20-year warranty, financing over 10 years",
                           proof_points=["average homeowner saves $95 a month"],
                           competitors=[team.Competitor(name="SolarCity", difference="we install in two days")])
    assert team.claim_line(product, "stall") == opening + " Average homeowner saves $95 a month."
    for family in ("stall", "money", "competition", "risk", "contract", None):
        line = team.claim_line(product, family)
        for sentence in team.SENTENCE.findall(line):
            sentence = sentence.strip()
            assert sentence[0].isupper() and sentence.endswith("."), line
            assert any(f" {verb} " in f" {sentence.lower()} " for verb in VERB_HINTS), sentence
    assert team.proof_sentence("4.8 stars from 1,200 installs") == "Here is one result: 4.8 stars from 1,200 installs."


def test_a_grounded_answer_no_longer_explains_the_claim_it_lost():
    product = team.Product(name="SunPeak Solar", what="rooftop solar panels with a home battery",
                           proof_points=["The average homeowner saves $95 a month"])
    shipped = library().objections["too-expensive"]
    grounded = team.grounded_objection(shipped, product)
    accountant = grounded.curveball_answers[2]
    assert "SunPeak Solar" in accountant.text and "payback on one page" not in accountant.text
    assert "payback" not in accountant.why and "SunPeak Solar" in accountant.why
    assert accountant.why.startswith("It ") and accountant.why.endswith(".")
    for slug, objection in library().objections.items():  # any answer whose claim was swapped gets a why that fits
        ours = team.grounded_objection(objection, product)
        pairs = [(objection.rebuttal(t), ours.rebuttal(t)) for t in ("strong", "elite")]
        pairs += list(zip(objection.curveball_answers, ours.curveball_answers, strict=True))
        for before, after in pairs:
            assert (after.why == before.why) == (after.text == before.text), slug


def test_competitors_may_be_written_name_colon_difference_and_a_bare_name_is_told_what_is_missing():
    fields = {**team.product_fields(PRODUCT), "competitors": "SolarCity: we install in two days, they take six weeks"}
    product = team.product_from_form(fields)
    assert product.competitors == [team.Competitor(name="SolarCity", difference="we install in two days, they take "
                                                                               "six weeks")]
    assert team.product_from_form(team.product_fields(product)) == product  # shown back as it can be read again
    with pytest.raises(team.AuthoringError) as refused:
        team.product_from_form({**fields, "competitors": "SolarCity"})
    assert str(refused.value) == ("Competitors and how you differ, line 1: how you differ is missing "
                                  "(write Name: how you differ).")


def test_a_refused_form_speaks_in_sentences_naming_the_boxes():
    fields = {**team.form_fields(authored()), "pushback_weak": "Only one line", "hidden_facts": "One fact",
              "personas": "Ana | Owner"}
    with pytest.raises(team.AuthoringError) as refused:
        team.parse_form(fields)
    said = str(refused.value).splitlines()
    assert "Pushback after a weak answer: write at least 2 lines (you wrote 1)." in said
    assert "Hidden facts (revealed to good questions): write at least 2 lines (you wrote 1)." in said
    assert "Personas, line 1: the industry and the mood are missing (write Name | role | industry | mood)." in said
    assert not any("field '" in line or "List should" in line for line in said)
    with pytest.raises(team.AuthoringError, match="“too-expensive” is already a library objection"):
        team.parse_form({**fields, **team.form_fields(authored()), "slug": "too-expensive"})
    assert team.parse_form(team.form_fields(authored())) == team.parse_objection(authored())


def test_the_form_says_each_minimum_up_front_and_the_preview_shows_who_speaks(trainee):
    from components.transcript import AVATARS

    at = app_for(trainee, "app_pages/team.py")
    labels = {w.key: w.label for w in at.main.text_area}
    assert labels["team_f_hidden_facts"] == "Hidden facts (revealed to good questions) · at least 2, one a line"
    assert labels["team_f_pushback_elite"] == "Pushback after an elite answer · at least 2, one a line"
    assert labels["team_f_follow_up_questions"].endswith("at least 3, one a line")
    assert labels["team_p_competitors"].endswith("one a line: Name: how you differ")
    fill(at, team.form_fields(authored()))
    next(b for b in at.main.get("button") if "Preview" in str(b.proto.label)).click().run()
    assert [m.avatar for m in at.main.chat_message] == [AVATARS["prospect"], AVATARS["rep"], AVATARS["prospect"]]


def test_an_answer_still_opens_on_its_acknowledgement_once_a_product_is_given():
    product = team.Product(name="SunPeak Solar", what="rooftop solar panels with a home battery",
                           proof_points=["The average homeowner saves $95 a month"])
    year = team.grounded_objection(library().objections["too-expensive"], product).curveball_answers[0]
    assert year.text.startswith("That's fair, a year is a sensible limit. Is it the length itself")
    assert "SunPeak Solar" in year.text and year.why.startswith("It acknowledges the concern, asks what sits behind it")
    quit_asking = library().objections["take-me-off-your-list"]  # a request to stop is not pitched to
    assert team.grounded_objection(quit_asking, product) == quit_asking


RIGGED = "Pay now [click here](http://evil.example/login) :red[RED] $x^2$ ![img](http://evil.example/a.png)"


def test_a_teams_markdown_is_shown_as_typed_on_every_page_it_reaches(trainee):
    """A team's objection title and short name with a link, an outside image, a colour and maths: each page that
    names the objection shows those characters, and none of them turns into a link, an image or a formula."""
    with store.open_db(store_path()) as db:
        team.save_objection(db, f"trainee:{trainee['id']}",
                            team.parse_objection(authored(title=RIGGED, short="[click here](http://e.x)")))
        session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="our-audit-fear", seed=4,
                                         lib=team.library_for(db, trainee["id"], bootcamp=False))
        sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal="I hear you. What part worries you?",
                           lib=team.library_for(db, trainee["id"], bootcamp=False))
    pages = {page: app_for(trainee, f"app_pages/{page}.py") for page in ("sparring", "home", "progress", "team", "generator")}
    shown = []
    for page, at in pages.items():
        assert not at.exception, page
        for kind in ("markdown", "caption", "subheader", "header", "title", "success", "info", "warning"):
            shown += [(page, str(element.value)) for element in at.get(kind)]
        shown += [(page, str(element.proto.label)) for element in at.get("expandable")]
    seen = [(page, text) for page, text in shown if "click here" in text]
    assert {page for page, _ in seen} >= {"sparring", "home"}  # the objection is named there
    assert not [(page, text) for page, text in seen if "[click here](" in text or "![img](" in text
                or ":red[" in text or "$x^2$" in text]


def test_deleting_an_objection_asks_once_more_and_says_it_is_done(trainee):
    with store.open_db(store_path()) as db:
        team.save_objection(db, f"trainee:{trainee['id']}", team.parse_objection(authored()))
    at = app_for(trainee, "app_pages/team.py")
    assert at.button(key="team_delete_our-audit-fear").label == "Yes, delete it"  # inside the "Delete" popover
    at.button(key="team_delete_our-audit-fear").click().run()  # the yes inside the popover
    assert not at.exception
    assert "Deleted “We're worried about the audit trail”." in unescaped(at.success[0].value)
    with store.open_db(store_path()) as db:
        assert list(db.query("SELECT count(*) AS n FROM team_content"))[0]["n"] == 0
