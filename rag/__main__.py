"""`python -m rag` is the `rag` command."""

import sys

from .interfaces.cli import main

sys.exit(main())
