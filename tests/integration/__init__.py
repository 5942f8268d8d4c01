"""Tests with the real parts: the packaged embedder, Chroma, servers, a browser."""
