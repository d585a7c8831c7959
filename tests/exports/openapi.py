"""Reading the API's OpenAPI document in tests: the schema of a documented answer, and the
check that a live answer conforms to it (status documented, media type, body)."""
from __future__ import annotations

import jsonschema


def operation(document: dict, path: str, method: str = "get") -> dict:
    """The operation object of ``path``."""
    return document["paths"][path][method]


def answer(document: dict, path: str, status: int) -> dict | None:
    """The documented response of ``path`` for ``status`` (its ``$ref`` resolved), or None."""
    found = operation(document, path)["responses"].get(str(status))
    if found is not None and "$ref" in found:
        found = document["components"]["responses"][found["$ref"].rsplit("/", 1)[1]]
    return found


def check(document: dict, path: str, response) -> None:
    """Assert that ``response`` is documented for ``path``: its status, media type, body."""
    documented = answer(document, path, response.status_code)
    assert documented is not None, (path, response.status_code, response.data[:300])
    content = documented.get("content")
    if not content:
        assert response.data == b"", (path, response.status_code)
        return
    assert response.mimetype in content, (path, response.status_code, response.mimetype)
    schema = content[response.mimetype]["schema"]
    import json
    jsonschema.validate(json.loads(response.data),
                        {**schema, "components": document["components"]},
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
                        cls=jsonschema.Draft202012Validator)
    for header in documented.get("headers", {}):
        assert header in response.headers, (path, response.status_code, header)
