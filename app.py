"""Policy Desk: `python app.py` serves the web UI, the HTTP API and Slack events on
RAG_HOST:RAG_PORT (default 127.0.0.1:7860).

The same as `rag serve`; the server lives in `rag/interfaces/api/`, the UI in
`rag/interfaces/web/`.
"""

from rag.interfaces.web import main

if __name__ == "__main__":
    main()
