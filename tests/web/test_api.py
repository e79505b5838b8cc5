"""/api: the generated OpenAPI document."""

from __future__ import annotations


def test_the_openapi_document_is_public_and_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.") and response.json["info"]["title"] == "Reglament API"

