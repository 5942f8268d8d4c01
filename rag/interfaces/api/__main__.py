"""`python -m rag.interfaces.api > docs/openapi.json`: the API's OpenAPI schema."""

from __future__ import annotations

from .app import openapi_text

if __name__ == "__main__":
    print(openapi_text(), end="")
