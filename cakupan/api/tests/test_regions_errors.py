"""Regions and the NIK check, and the one error shape of every failure (never a leaking 500)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cakupan.accounts.models import AuditEvent, User
from cakupan.api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_region_show_and_children(camat: User, api_client: Callable[..., ApiClient]) -> None:
    client = api_client(camat)  # regions are public master data: any role reads any region
    for code in ("73.24", "7324"):
        answer = client.get(f"/api/v1/regions/{code}")
        assert answer.status_code == 200
        body = answer.json()
        assert (body["code"], body["name"], body["kind"], body["level"]) == (
            "73.24",
            "Kabupaten Luwu Timur",
            "kabupaten",
            2,
        )
        assert body["parents"] == [{"code": "73", "name": "Sulawesi Selatan", "kind": "provinsi"}]
        assert body["children"] == {"kecamatan": 11}
        assert body["grandchildren"] == {"desa": 125, "kelurahan": 3}
    children = client.get("/api/v1/regions/73.24.04/children").json()
    assert children[0]["code"].startswith("73.24.04.")
    assert [c["code"] for c in children] == sorted(c["code"] for c in children)
    assert {c["kind"] for c in children} <= {"desa", "kelurahan"}

    unknown = client.get("/api/v1/regions/99.99")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "region_unknown"
    malformed = client.get("/api/v1/regions/abc")
    assert malformed.status_code == 422
    assert malformed.json()["error"]["details"][0]["field"] == "code"


def test_nik_check_parses_without_reading_anyone(
    operator_desa: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(operator_desa)
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    body = client.post(
        "/api/v1/nik/check", {"nik": "7324 0457 0885 0001", "sex": "L", "birth_date": "1985-08-17"}
    ).json()
    assert body["nik"] == "7324045708850001"
    assert body["sex"] == "P"
    assert body["birth_date"] == "1985-08-17"
    assert body["district"] == {"code": "73.24.04", "name": "Malili", "kind": "kecamatan"}
    assert body["valid"] is False
    assert [e["code"] for e in body["errors"]] == ["nik_sex_mismatch"]
    bad = client.post("/api/v1/nik/check", {"nik": "12345"}).json()
    assert bad["valid"] is False
    assert bad["province"] is None
    assert not AuditEvent.objects.filter(pk__gt=mark).exists()
    wrong_date = client.post("/api/v1/nik/check", {"nik": "7324045708850001", "birth_date": "0"})
    assert wrong_date.status_code == 422
    detail = wrong_date.json()["error"]["details"][0]
    assert (detail["field"], detail["message"]) == (
        "birth_date",
        "tanggal harus berformat YYYY-MM-DD",
    )


def test_every_failure_answers_in_the_one_shape(
    superadmin: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(superadmin)
    cases = {
        ("GET", "/api/v1/tidak-ada"): (404, "not_found"),
        ("DELETE", "/api/v1/people"): (405, "method_not_allowed"),
        ("GET", "/api/v1/people?segment=%00"): (400, "bad_request"),
        ("POST", "/api/v1/nik/check"): (400, "bad_request"),  # not JSON at all
    }
    for (method, path), (status, code) in cases.items():
        if method == "GET":
            answer = client.get(path)
        elif method == "POST":
            answer = client.post(path, "{bukan json")
        else:
            answer = client.client.delete(path, headers={"Authorization": f"Bearer {client.token}"})
        assert answer.status_code == status, path
        assert answer["Content-Type"] == "application/json", path
        error = answer.json()["error"]
        assert error["code"] == code, path
        assert error["message"], path
        assert set(error) == {"code", "message", "details"}, path
        assert answer["X-Content-Type-Options"] == "nosniff", path


def test_a_server_error_names_its_request_id_and_nothing_of_its_cause(
    superadmin: User,
    api_client: Callable[..., ApiClient],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from cakupan.wilayah import selectors

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("rahasia: SELECT * FROM registry_person WHERE nik = '7324045708850001'")

    monkeypatch.setattr(selectors, "region_descendant_counts", broken)
    answer = api_client(superadmin).get("/api/v1/regions/73.24")
    assert answer.status_code == 500
    assert answer.json() == {
        "error": {
            "code": "server_error",
            "message": "Terjadi kesalahan pada server.",
            "details": {"request_id": answer["X-Request-ID"]},
        }
    }
    assert "rahasia" not in answer.content.decode()
    assert any("RuntimeError" in (r.exc_text or "") for r in caplog.records if r.exc_info) or any(
        r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records
    )


def test_english_messages_follow_the_request_language(
    superadmin: User, api_client: Callable[..., ApiClient]
) -> None:
    answer = api_client(superadmin).get("/api/v1/regions/99.99", headers={"Accept-Language": "en"})
    assert answer.json()["error"]["message"] == "Unknown region code: 99.99"
    invalid = api_client(superadmin).get(
        "/api/v1/people?limit=0&date=2024-02-30", headers={"Accept-Language": "en"}
    )
    assert [(d["field"], d["message"]) for d in invalid.json()["error"]["details"]] == [
        ("date", "Must be a real date written YYYY-MM-DD."),
        ("limit", "At least 1."),
    ]
