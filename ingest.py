"""Chunk and embed the corpus into the vector store: `python ingest.py [--corpus DIR ...] [--reset]`.

The same code as `rag ingest`.
"""

import sys

from rag.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
