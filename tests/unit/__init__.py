"""Fast tests: no embedding model, no Chroma, no server, no browser (`make test-fast`)."""
