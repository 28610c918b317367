"""The OpenAPI document: served, valid, its report schema is the package's, fuzzed by
schemathesis without a server error."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from photocheck.service import create_app
from tests.helpers import make_jpeg
from tests.service.fakes import AUTH, JPEG, fake_client, make_settings


def test_docs_and_openapi_are_served() -> None:
    with fake_client() as c:
        assert c.get("/docs").status_code == 200
        spec = c.get("/openapi.json").json()
    body = spec["paths"]["/v1/check"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "image/jpeg", "application/octet-stream"}
    assert {"/v1/check", "/v1/trim", "/v1/profiles", "/healthz", "/metrics"} <= set(spec["paths"])


def test_schemathesis_finds_no_server_errors(models: Any) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.checks import not_a_server_error

    # an app of its own: schemathesis runs the app's lifespan itself and ends it after the test
    app = create_app(make_settings(), models=models)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []

    def fuzz(op: Any) -> None:
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=AUTH)
            if response.status_code >= 500:
                failures.append(f"{op.method} {op.path}: {response.status_code} "
                                f"{response.text[:200]}")
            case.validate_response(response, checks=[not_a_server_error])

        run()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/check", "/v1/trim", "/v1/profiles"}
    for op in operations:
        fuzz(op)
    assert failures == []


def _inline(node: Any, root: dict[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (``$defs``/``$id`` dropped)."""
    if isinstance(node, list):
        return [_inline(value, root) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return _inline(target, root)
    return {key: _inline(value, root) for key, value in node.items()
            if key not in ("$defs", "$id")}


def _response_schema(spec: dict[str, Any], path: str) -> Any:
    content = spec["paths"][path]["post"]["responses"]["200"]["content"]
    return content["application/json"]["schema"]


def test_the_report_schema_is_the_package_file() -> None:
    text = resources.files("photocheck").joinpath("report_schema.json").read_text("utf-8")
    file_schema = json.loads(text)
    with fake_client() as c:
        spec = c.get("/openapi.json").json()
    component = spec["components"]["schemas"]["Report"]
    for path in ("/v1/check", "/v1/trim"):
        assert _response_schema(spec, path) == {"$ref": "#/components/schemas/Report"}
        assert _inline(_response_schema(spec, path), spec) == _inline(file_schema, file_schema)
    # the same object, keyword for keyword, with only its references rebased
    assert {k: v for k, v in file_schema.items() if k not in ("$id", "$defs", "properties")} \
        == {k: v for k, v in component.items() if k not in ("$defs", "properties")}
    assert component["properties"]["findings"]["items"] == {
        "$ref": "#/components/schemas/Report/$defs/finding"}
    assert set(component["$defs"]) == set(file_schema["$defs"]) == {
        "number_or_null", "point", "box", "finding"}
    assert "$id" not in component


def test_the_openapi_document_is_valid_and_real_reports_match_it(client: TestClient) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    spec = client.get("/openapi.json").json()
    validator.validate(spec)  # resolves every $ref against the document
    schema = _inline(_response_schema(spec, "/v1/check"), spec)
    check = jsonschema.Draft202012Validator(schema)
    report = client.post("/v1/check", content=make_jpeg(640, 800), headers={**JPEG, **AUTH})
    assert [e.message for e in check.iter_errors(report.json())] == [], report.text[:300]
    broken = {**report.json(), "verdict": "maybe"}
    assert {e.path[0] for e in check.iter_errors(broken)} == {"verdict"}
