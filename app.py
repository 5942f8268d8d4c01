"""Policy Desk web UI: `python app.py` serves on RAG_HOST:RAG_PORT (default 127.0.0.1:7860).

The same as `rag serve`; the UI lives in `rag/interfaces/web/`.
"""

from rag.interfaces.web import main

if __name__ == "__main__":
    main()
