"""What a user sees of a run: report.html in a real browser, and `dlsuite runs` from ML Metadata."""

import json
import shutil

import pytest

from tests.cli_runner import run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    driver_path = shutil.which("chromedriver")
    if not driver_path:
        pytest.skip("no chromedriver: apt-get install chromium chromium-driver (make test does it as root)")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    yield driver
    driver.quit()


def test_report_opens_without_errors_and_shows_what_summary_json_says(lenet5_run, browser, tmp_path):
    from selenium.webdriver.common.by import By

    summary = json.loads((lenet5_run / "summary.json").read_text())
    report = lenet5_run / "report.html"
    assert summary["artifacts"]["report"] == str(report)

    browser.get(report.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    text = browser.find_element(By.TAG_NAME, "body").text
    assert f"accuracy {summary['metrics']['accuracy']:.4f} — Blessed" in text
    assert f"pushed to {summary['pushed_model']}" in text
    assert "SparseCategoricalAccuracy ≥ 0.3" in text  # the rule it was blessed by (--min-accuracy 0.3)
    for heading in (
        "Confusion matrix",
        "Training curves",
        "Sample predictions",
        "Data statistics",
        "Lineage",
    ):
        assert heading in text
    assert "Not available" not in text
    assert "No anomalies" in text
    # Every image is inlined, and each one decoded: nothing broken, nothing fetched.
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) > 10
    assert all(img.get_attribute("src").startswith("data:image/png;base64,") for img in images)
    assert all(browser.execute_script("return arguments[0].naturalWidth", img) > 0 for img in images)
    browser.save_screenshot(str(tmp_path / "report.png"))


def test_runs_lists_the_run_from_ml_metadata_and_shows_its_artifacts(lenet5_run):
    summary = json.loads((lenet5_run / "summary.json").read_text())
    listed = run_cli("runs", "--output-dir", lenet5_run)
    assert listed.returncode == 0, listed.stderr[-2000:]
    header, row = listed.stdout.strip().splitlines()
    assert header.split()[:4] == ["RUN", "STARTED", "(UTC)", "PIPELINE"]
    fields = row.split()
    assert fields[3:9] == [
        "image_classification",
        "lenet5",
        "fashion_mnist_small",
        "accuracy",
        f"{summary['metrics']['accuracy']:.4g}",
        "yes",
    ]

    shown = run_cli("runs", "show", fields[0], "--output-dir", lenet5_run)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "Trainer: COMPLETE" in shown.stdout and "Pusher: COMPLETE" in shown.stdout
    assert "out pushed_model: PushedModel" in shown.stdout
    missing = run_cli("runs", "show", f"{fields[0].split(':')[0]}:99", "--output-dir", lenet5_run)
    assert missing.returncode == 2 and "dlsuite runs --output-dir" in missing.stderr
