"""/api: authentication and the generated OpenAPI document."""

from __future__ import annotations

from tests.web.conftest import basic


def test_the_openapi_document_is_public_and_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.") and response.json["info"]["title"] == "Reglament API"


def test_api_routes_need_credentials_and_answer_in_russian(client, users):
    response = client.get("/api/nothing-here")
    assert response.status_code == 401 and "неверное имя пользователя или пароль" in response.json["error"]
    assert client.get("/api/nothing-here", headers=basic("demo")).status_code == 404
