"""A solo user describes their product, writes an objection of their own, previews it, saves it and spars it,
in a real browser."""

import json
from pathlib import Path

from playwright.sync_api import expect

from closergym import store
from components.authoring import label
from tests.browser.conftest import messages, private_link, send, wait_for_app

SHOTS = Path("/work/shots")
LINES = "Our auditor will never sign off on {product}.\nI'm worried {product} breaks our audit trail."


def box(page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)


def test_describe_the_product_author_an_objection_and_spar_it(server, watched):
    page = watched.page
    page.goto(f"{server.url}/team?{private_link(server.db_path, 'Tess')}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Your product and objections")).to_be_visible()

    box(page, "Product name").fill("Ledgerly")
    box(page, "Price").fill("$400 a month")
    box(page, "What it does").fill("automates month-end bookkeeping for small firms")
    box(page, "Terms").fill("monthly, cancel any month")
    box(page, label("proof_points")).fill("Harbor Dental closed their books in 2 days instead of 9")
    box(page, label("competitors")).fill("QuickBooks: we reconcile every account automatically")
    page.get_by_role("button", name="Save the product").click()
    wait_for_app(page)
    expect(page.get_by_text("Sparring and the generator now use the facts of Ledgerly")).to_be_visible()
    expect(page.get_by_text("Ledgerly costs $400 a month (monthly, cancel any month). Harbor Dental")).to_be_visible()
    expect(page.get_by_text("Where we differ from QuickBooks: we reconcile every account automatically.")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.screenshot(path=str(SHOTS / "team-product.png"))

    page.get_by_role("tab", name="Your objections").click()
    page.get_by_role("button", name="Start from an example").click()
    wait_for_app(page)
    box(page, "Title (the objection in a sentence)").fill("Our auditor won't sign off")
    box(page, "Slug (its address: lower-case words and dashes)").fill("auditor-sign-off")
    box(page, "Short name").fill("Auditor")
    box(page, label("lines")).fill(LINES)
    box(page, label("hidden_facts")).fill("Only one fact")
    page.get_by_role("button", name="Preview as a sparring session").click()
    wait_for_app(page)
    expect(page.get_by_text("Hidden facts (revealed to good questions): write at least 2 lines (you wrote 1)",
                            exact=False)).to_be_visible()  # refused, named, nothing saved
    expect(page.get_by_role("button", name="Save “Our auditor won't sign off” in your library")).to_have_count(0)

    box(page, label("hidden_facts")).fill(
        "The last audit took three weeks of my time.\nOur auditor is new and very careful.")
    box(page, "A sample answer for the preview (empty: the strong model answer)").fill(
        "I hear you, the audit matters. What does your auditor check first? Could we walk them through it "
        "Thursday at 10?")
    page.get_by_role("button", name="Preview as a sparring session").click()
    wait_for_app(page)
    preview = page.get_by_text("Preview (nothing saved yet)")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text("Ledgerly")  # the prospect names the product
    expect(page.get_by_test_id("stChatMessage")).to_have_count(3)
    page.get_by_text("A sample answer for the preview").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SHOTS / "team-author.png"))
    with store.open_db(server.db_path) as db:
        assert [row["kind"] for row in db.query("SELECT kind FROM team_content")] == ["product"]  # a preview saves nothing
    page.get_by_role("button", name="Save “Our auditor won't sign off” in your library").click()
    wait_for_app(page)
    expect(page.get_by_text("it is in the Sparring picker now", exact=False)).to_be_visible()
    expect(page.get_by_role("tab", name="Your objections")).to_have_attribute("aria-selected", "true")  # not moved
    with store.open_db(server.db_path) as db:
        body = json.loads(next(db.query("SELECT body FROM team_content WHERE kind = 'objection'"))["body"])
    assert body["slug"] == "auditor-sign-off" and "{product}" in body["lines"][0]  # kept as written

    page.get_by_role("link", name="Sparring").first.click()
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").first.click()
    page.keyboard.type("auditor")  # thirty-odd objections: the list shows only some of them until filtered
    page.get_by_role("option", name="Our auditor won't sign off").click()
    page.get_by_role("button", name="Start sparring").click()
    wait_for_app(page)
    expect(messages(page).first).to_contain_text("Ledgerly")
    send(page, "I hear you, the audit matters. What does your auditor check first, the trail or the sign-off?")
    with store.open_db(server.db_path) as db:
        turn = next(db.query("SELECT objection_slug, tier FROM turns"))
    assert turn["objection_slug"] == "auditor-sign-off"
    expect(messages(page).nth(1)).to_contain_text(turn["tier"].upper())
    watched.assert_clean()


def test_download_edit_and_upload_an_objection_and_a_bad_file_changes_nothing(server, watched, tmp_path):
    from closergym import team
    from tests.test_team import authored

    link = private_link(server.db_path, "Yan")
    with store.open_db(server.db_path) as db:
        owner = f"trainee:{store.get_trainee_by_name(db, 'Yan')['id']}"
        team.save_objection(db, owner, team.parse_objection(authored(slug="yan-audit")))
    page = watched.page
    page.goto(f"{server.url}/team?{link}")
    wait_for_app(page)
    page.get_by_role("tab", name="Your objections").click()
    page.get_by_text("We're worried about the audit trail").click()  # the objection's expander
    with page.expect_download() as download:
        page.get_by_role("button", name="Download YAML").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("slug: yan-audit\n")

    bad = tmp_path / "yan-audit.yaml"
    bad.write_text(text.replace("real_concern:", "real_worry:"), encoding="utf-8")
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(bad))
    wait_for_app(page)
    expect(page.get_by_text("was not saved, nothing changed", exact=False)).to_be_visible()
    expect(page.get_by_text("real_concern", exact=False)).to_be_visible()
    with store.open_db(server.db_path) as db:
        kept = json.loads(next(db.query("SELECT body FROM team_content WHERE owner = ?", [owner]))["body"])
    assert kept["title"] == "We're worried about the audit trail"

    good = tmp_path / "edited.yaml"
    good.write_text(text.replace("title: We're worried about the audit trail", "title: The audit trail worries us"),
                    encoding="utf-8")
    uploader.set_input_files(str(good))
    wait_for_app(page)
    expect(page.get_by_text("Saved “The audit trail worries us” from edited.yaml.")).to_be_visible()
    # the page stays on the tab the file was uploaded from, where the saved objection is
    expect(page.get_by_role("tab", name="Your objections")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("The audit trail worries us").first).to_be_visible()
    with store.open_db(server.db_path) as db:
        rows = [json.loads(row["body"])["title"] for row in db.query("SELECT body FROM team_content WHERE owner = ?",
                                                                       [owner])]
    assert rows == ["The audit trail worries us"]  # the same slug: replaced, not added
    watched.assert_clean()
