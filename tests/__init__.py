"""Policy Desk's tests: `unit/` (fast, no model), `integration/` (real parts), `support/` (helpers).

The folders are packages so that a unit and an integration file may share a topic name
(`unit/test_retrieve.py`, `integration/test_retrieve.py`) and helpers import as
`tests.support.…` however pytest is started.
"""
