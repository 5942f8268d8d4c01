"""`python -m rag` is the `rag` command."""

import sys

from .interfaces import main

sys.exit(main())
