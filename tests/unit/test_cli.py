"""What the `rag` command documents: every setting in the README and .env.example. The
command itself, run as other tools run it, is in tests/integration/test_cli.py."""

from __future__ import annotations

from rag.config import Settings
from tests.support.paths import ROOT


def test_readme_and_env_example_list_every_setting_with_its_default():
    # A newcomer configures from these two files; a setting missing there does not exist for them.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, default, help_text in Settings.describe():
        assert f"| `{name}` | `{default}` | {help_text} |" in readme, name
        assert f"\n{name}=" in example, name
