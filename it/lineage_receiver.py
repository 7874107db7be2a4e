"""An OpenLineage HTTP receiver for tests, on 127.0.0.1 and a free port: it keeps every event posted to it.
A hanging receiver accepts connections and reads requests but never answers (a stuck lineage backend)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LineageReceiver:
    def __init__(self, hang: bool = False):
        self.events: list[dict] = []
        self.bodies: list[str] = []
        self._hang = hang
        self._released = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if receiver._hang:
                    receiver._released.wait()  # until the test ends
                    return
                with receiver._changed:
                    receiver.bodies.append(body)
                    receiver.events.append(json.loads(body))
                    receiver._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="lineage-receiver", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        return False

    def wait_for(self, predicate, timeout: float = 30.0) -> list[dict]:
        """The events once predicate(events) holds; fails after timeout (events may arrive just after a run ends)."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.events), timeout):
                raise AssertionError(f"no such lineage events within {timeout} s; got {len(self.events)}: "
                                     f"{[(e.get('eventType'), e.get('job', {}).get('name')) for e in self.events]}")
            return list(self.events)


def kindling_events(events: list[dict], job: str) -> list[dict]:
    """Kindling's own terminal events of a job (those with the kindling facet)."""
    return [e for e in events if e["job"]["name"] == job and "kindling" in e["run"].get("facets", {})]
