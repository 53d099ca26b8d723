"""The demo links to the newest experiment report and shows its charts."""

import json
from http import HTTPStatus

import pytest

from tests.conftest import make_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def write_report(folder, scenario):
    """Write a minimal experiment report folder."""
    folder.mkdir(parents=True)
    results = {
        "scenario": scenario,
        "description": f"what {scenario} does",
        "started_at": "2026-12-04T20:00:00+00:00",
        "duration_s": 1.0,
        "parameters": {"clients": 2, "requests": 3},
        "lab": {"backends": 3},
        "reading": [f"`jwt`: {scenario} went fine."],
        "modes": {"jwt": {"requests": 6, "success_rate": 1.0, "by_backend": {"backend-1": 6}}},
    }
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "success_rate.png").write_bytes(PNG)


@pytest.fixture
def reports_client(tmp_path, redis_server):
    """A test client whose reports folder is tmp_path/reports."""
    app = make_app(tmp_path, REDIS_URL=redis_server.url, REPORTS_DIR=str(tmp_path / "reports"))
    return app.test_client(), tmp_path / "reports"


def test_without_reports_the_page_says_how_to_make_one(reports_client):
    client, _ = reports_client
    page = client.get("/").get_data(as_text=True)
    assert "python -m lab experiment round-robin" in page
    response = client.get("/reports/latest")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "no experiment report yet" in response.get_json()["error"]


def test_the_newest_report_is_shown_with_its_charts(reports_client):
    client, reports = reports_client
    write_report(reports / "round-robin-1", "round-robin")
    write_report(reports / "redis-down-2", "redis-down")
    page = client.get("/").get_data(as_text=True)
    assert "/reports/redis-down-2/success_rate.png" in page
    assert "/reports/latest" in page
    report = client.get("/reports/latest").get_data(as_text=True)
    assert "redis-down went fine." in report and "backend-1: 6" in report
    chart = client.get("/reports/redis-down-2/success_rate.png")
    assert chart.status_code == HTTPStatus.OK and chart.data == PNG


@pytest.mark.parametrize(
    "path",
    [
        "/reports/redis-down-2/secret.txt",
        "/reports/redis-down-2/..%2f..%2fapp.py",
        "/reports/x/y.png",
    ],
)
def test_only_report_files_are_served(reports_client, path):
    client, reports = reports_client
    write_report(reports / "redis-down-2", "redis-down")
    (reports / "redis-down-2" / "secret.txt").write_text("no")
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND
