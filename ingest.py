"""Chunk and embed the corpus into the vector store: `python ingest.py [--corpus DIR ...] [--reset]`.

The same as `rag ingest`; the pipeline lives in `rag/ingest/`.
"""

import sys

from rag.interfaces.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
