"""The process of-watchdog forks for a function: uvicorn that keeps serving for a while after SIGTERM.

of-watchdog forwards SIGTERM to its child at once, but keeps accepting requests for
``healthcheck_interval`` (its lock file is gone, so the platform stops routing to it) and only then
stops accepting and waits for what is in flight. Plain uvicorn closes its port on SIGTERM, so every
request the watchdog accepted in that window failed with a 500 ("connection refused"). Here the
SIGTERM starts a drain delay of ``healthcheck_interval`` + 1 s (the watchdog's own variable, which
the child inherits); then uvicorn shuts down gracefully as usual: it finishes the requests in its
hands and runs the lifespan shutdown. A second SIGTERM, or SIGINT, stops at once.

    python -m shared.http.serve functions.auth.handler:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

import uvicorn

logger = logging.getLogger("uvicorn.error")


def drain_delay(environ: dict[str, str] | None = None) -> float:
    """Seconds to keep serving after SIGTERM: the watchdog's healthcheck_interval (Go duration) + 1 s."""
    value = (os.environ if environ is None else environ).get("healthcheck_interval", "").strip()
    seconds = 0.0
    if value:
        try:
            seconds = float(value)  # the watchdog reads a bare number as seconds
        except ValueError:
            units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
            unit = next((u for u in ("ms", "s", "m", "h") if value.endswith(u)), None)
            try:
                seconds = float(value.removesuffix(unit)) * units[unit] if unit else 0.0
            except ValueError:
                seconds = 0.0
    return seconds + 1.0 if seconds > 0 else 0.0


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, delay: float) -> None:
        super().__init__(config)
        self.delay = delay
        self._draining = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and not self._draining and self.delay > 0:
            self._draining = True
            self._captured_signals.append(sig)  # uvicorn re-raises it after the shutdown, as usual
            logger.info("SIGTERM: serving %.1f s more while the watchdog drains, then shutting down", self.delay)
            timer = threading.Timer(self.delay, self._shut_down)
            timer.daemon = True
            timer.start()
            return
        super().handle_exit(sig, frame)

    def _shut_down(self) -> None:
        self.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("app", help="module:attribute of the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    # A thread handing work back (the webhook's enqueue runs in one: dramatiq's Redis client is
    # synchronous) waits for the event loop to give up the GIL, by default up to 5 ms each time; at
    # 200 webhooks/s that doubled the p50 and tripled the p99 (bench/webhook_ingest.py, three A/B pairs).
    sys.setswitchinterval(0.0005)
    # Named, not "auto": an image without them must fail at start, not serve at a third of the speed.
    config = uvicorn.Config(args.app, host=args.host, port=args.port, lifespan="on", access_log=False,
                            loop="uvloop", http="httptools")
    DrainingServer(config, drain_delay()).run()


if __name__ == "__main__":
    main()
