"""The review page in a real headless Chromium (Selenium), served by waitress as `tracker
review` serves it: a reviewer works through the queue with the keyboard, and hostile
article text is shown, never run. Skipped when Chromium or its driver is absent
(`scripts/ensure-browser`, run by `make test`, installs them where it can)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

# The same ingested project as the page's other tests (fixtures: built once per module).
from test_review_app import _ingested, claim_of, project  # noqa: F401
from test_reviewed_outputs import _pdf_text
from tracker.cli import cli
from tracker.report import build_report
from tracker.review.app import create_app
from tracker.review.log import read_decisions
from tracker.view import current_view
from tracker.ledger import read_claims

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _chromium() -> str | None:
    # Debian's /usr/bin/chromium is a shell wrapper around this binary; the binary starts faster.
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _chromedriver() -> str | None:
    if Path("/usr/bin/chromedriver").is_file():
        return "/usr/bin/chromedriver"
    return shutil.which("chromedriver")


pytestmark = pytest.mark.skipif(
    _chromium() is None or _chromedriver() is None,
    reason="no chromium/chromedriver on this machine (Debian: apt-get install chromium chromium-driver, "
           "or scripts/ensure-browser as root)")

REVIEWER = "Browser Reviewer"


@pytest.fixture
def served(project: Path):
    """The page served by waitress on a free loopback port, in a background thread."""
    from waitress.server import create_server

    server = create_server(create_app(project / "data", REVIEWER), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    try:
        browser = webdriver.Chrome(service=Service(_chromedriver()), options=options)
    except WebDriverException as error:
        pytest.skip(f"chromium does not start here: {error.msg}")
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


def _claim_in_url(driver) -> str:
    return driver.current_url.split("/figure/")[1].split("?")[0]


def _press(driver, key: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def _wait_for_new_figure(driver, previous: str) -> str:
    """The claim id of the figure page that replaced `previous`'s, once it is loaded (it
    says the decision on `previous` was recorded)."""
    WebDriverWait(driver, 15).until(
        lambda d: "/figure/" in d.current_url and _claim_in_url(d) != previous
        and d.find_elements(By.ID, "done") and d.find_elements(By.ID, "text"))
    return _claim_in_url(driver)


def test_a_reviewer_confirms_corrects_and_rejects_with_the_keyboard(driver, served: str, project: Path):
    data = project / "data"
    driver.get(served + "/")
    assert "Machine-read figures to check" in driver.page_source
    _press(driver, "o")  # open the first figure of the queue
    WebDriverWait(driver, 15).until(lambda d: "/figure/" in d.current_url and d.find_elements(By.ID, "text"))
    confirmed = _claim_in_url(driver)
    assert driver.find_element(By.ID, "figure").text  # the figure is highlighted

    _press(driver, "c")  # confirm: the next figure loads at once
    corrected = _wait_for_new_figure(driver, confirmed)
    assert "is now confirmed" in driver.find_element(By.ID, "done").text

    _press(driver, "e")  # open the correction form, first field focused
    value = driver.find_element(By.ID, "field-value")
    WebDriverWait(driver, 5).until(lambda d: value.is_displayed())
    old_value = float(value.get_attribute("value"))
    value.clear()
    value.send_keys(f"{old_value + 7:g}" + Keys.ENTER)
    rejected = _wait_for_new_figure(driver, corrected)

    _press(driver, "r")  # focus the reason, type it, Enter rejects
    reason = driver.switch_to.active_element
    assert reason.get_attribute("id") == "reason"
    reason.send_keys("the sentence quotes last year's figure" + Keys.ENTER)
    _wait_for_new_figure(driver, rejected)

    driver.get(served + "/?status=all")
    driver.refresh()
    statuses = {row.get_attribute("data-claim"): row.find_elements(By.TAG_NAME, "td")[1].text
                for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-claim]")}
    assert statuses[confirmed] == "confirmed" and statuses[corrected] == "corrected"
    assert statuses[rejected] == "rejected"

    decisions, problems = read_decisions(data)
    assert [d.action for d in decisions] == ["confirm", "correct", "reject"] and not problems
    view = current_view(read_claims(data / "processed" / "claims.csv"), decisions).set_index("claim_id")
    assert view.at[confirmed, "review_status"] == "confirmed"
    assert view.at[corrected, "review_status"] == "corrected"
    assert view.at[corrected, "value"] == old_value + 7
    assert view.at[rejected, "review_status"] == "rejected"
    assert view.at[rejected, "review_reason"] == "the sentence quotes last year's figure"
    assert set(view.loc[[confirmed, corrected, rejected], "reviewed_by"]) == {REVIEWER}

    out = project / "export"
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(out / "claims.csv", dtype=str, keep_default_na=False).set_index("claim_id")
    assert {"review_status", "reviewed_by"} <= set(exported.columns)
    assert exported.at[confirmed, "review_status"] == "confirmed"
    assert exported.at[corrected, "review_status"] == "corrected"
    assert float(exported.at[corrected, "value"]) == old_value + 7
    assert exported.at[rejected, "review_status"] == "rejected"
    assert exported.loc[[confirmed, corrected, rejected], "reviewed_by"].tolist() == [REVIEWER] * 3
    others = exported.drop(index=[confirmed, corrected, rejected])
    assert set(others["review_status"]) == {"unreviewed"} and set(others["reviewed_by"]) == {""}

    # The report: the rejected figure is not charted, the corrected one is, with its new
    # value, and the PDF says who checked it.
    reports = project / "reports"
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(reports)])
    assert result.exit_code == 0, result.output
    plotted = build_report(view.reset_index(), project / "direct").plotted.set_index("claim_id")
    assert rejected not in plotted.index
    assert plotted.at[corrected, "value"] == old_value + 7
    assert plotted.at[corrected, "review_status"] == "corrected" and not plotted.at[corrected, "unchecked"]
    machine_read = others.index[others["method"] == "reported"].intersection(plotted.index)
    assert len(machine_read) and plotted.loc[machine_read, "unchecked"].all()
    assert f"corrected by {REVIEWER}" in _pdf_text(reports / "report.pdf")


def test_hostile_article_text_is_shown_not_run(driver, served: str, project: Path):
    row = claim_of(project / "data", 380.0)
    driver.get(f"{served}/figure/{row['claim_id']}?whole=1")
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.ID, "text"))
    assert driver.execute_script("return window.__pwned") is None
    text = driver.find_element(By.ID, "text").text
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=1">' in text
    assert '<a href="javascript:window.__pwned=1">read more</a>' in text
    assert driver.find_elements(By.CSS_SELECTOR, "#text img, #text script, #text a") == []
    # Nothing ran later either (an image error fires after load).
    driver.find_element(By.ID, "figure").click()
    assert driver.execute_script("return window.__pwned") is None
