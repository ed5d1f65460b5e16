"""pytest plugin: the ``sessionkit_server`` fixture.

The reference server (``sessionkit serve``) is started once per test session on a free loopback
port. Each test that takes the fixture starts from a reset server; when the test body has run,
the plugin asks the server whether every request the test sent was accepted, and fails the test
with each bad request's named mistake and hint when one was not (a request the test meant to be
refused carries ``Sessionkit-Expect: <status>``). When the test fails on its own, the refused
requests are shown beside its error, in a "sessionkit" section. Only the standard library is
used.

    def test_my_client(sessionkit_server):
        my_client.create_session(url=sessionkit_server.sessions_url,
                                 api_key=sessionkit_server.api_key,
                                 secret=sessionkit_server.secret)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from sessionkit import find_sessionkit_bin

API_KEY = "your-api-key"
SECRET = "your-shared-secret"
STARTUP_SECONDS = 10.0


class SessionkitServer:
    """A running reference server: where it is, its credentials, and its control API."""

    def __init__(self, url: str, api_key: str, secret: str) -> None:
        #: Base URL, ``http://127.0.0.1:PORT``.
        self.url = url
        #: ``POST`` here to create a session.
        self.sessions_url = url + "/v1/sessions"
        self.api_key = api_key
        self.secret = secret

    def _control(self, method: str, route: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__sessionkit/{route}", data=data, method=method
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as answer:
            return answer.code, json.load(answer)

    def requests(self) -> list[dict]:
        """Every request since the last reset, with its verdict, named mistakes and receipt."""
        return self._control("GET", "requests")[1]["requests"]

    def reset(self) -> None:
        """Forget the requests seen and any scripted answers."""
        self._control("POST", "reset")

    def failures(self) -> list[dict]:
        """The requests since the reset that were not accepted (nor expected to fail)."""
        status, body = self._control("GET", "verify")
        return [] if status == 200 else body["failed"]

    def script(self, answers: list[int | dict]) -> None:
        """The next answers to ``POST /v1/sessions``: for example ``[429, 500, 201]``, or a forged
        201 a client must refuse, ``{"status": 201, "forge": "wrong-signature"}`` (also
        ``no-signature``, ``reserialized-signature``, ``other-secret``, ``truncated-body``,
        ``other-api-key``)."""
        status, body = self._control("POST", "script", answers)
        if status != 200:
            raise ValueError(body.get("message", body))


def describe(failures: list[dict]) -> str:
    """Each refused request with its error, named mistakes and hints, for a test failure."""
    lines = [f"{len(failures)} request(s) to the sessionkit server were not accepted:"]
    for record in failures:
        outcome = record.get("outcome") or {}
        lines.append(
            f"- {record.get('method')} {record.get('path')} -> {record.get('status')} "
            f"{outcome.get('error') or '-'}: {outcome.get('message', '')}"
        )
        for diagnostic in outcome.get("diagnostics") or []:
            lines.append(f"    mistake[{diagnostic.get('code')}]: {diagnostic.get('message')}")
            if diagnostic.get("hint"):
                lines.append(f"      hint: {diagnostic['hint']}")
    return "\n".join(lines)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sessionkit")
    group.addoption(
        "--sessionkit-profile",
        default="documented",
        choices=["documented", "strict"],
        help="profile the sessionkit reference server validates bodies in (default: documented)",
    )
    group.addoption(
        "--sessionkit-require-signature",
        action="store_true",
        default=False,
        help="refuse requests without X-HMAC-SIGNATURE (401 missing_signature); by default the "
        "documented profile accepts them, as the API does for session creation",
    )
    group.addoption(
        "--sessionkit-bin",
        default=None,
        help="the sessionkit binary to run (default: the one this package installed)",
    )


@pytest.fixture(scope="session")
def _sessionkit_process(request: pytest.FixtureRequest):
    config = request.config
    binary = config.getoption("--sessionkit-bin") or find_sessionkit_bin()
    with tempfile.TemporaryDirectory(prefix="sessionkit-") as folder:
        ready = os.path.join(folder, "url")
        log = open(os.path.join(folder, "log"), "w+b")
        command = [
            binary, "serve", "--addr", "127.0.0.1:0", "--ready-file", ready,
            "--profile", config.getoption("--sessionkit-profile"),
        ]
        if config.getoption("--sessionkit-require-signature"):
            command.append("--require-signature")
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            # The URL is written with a final newline: a file without one is not complete yet.
            while not _complete(ready):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(
                        f"sessionkit serve did not start: {log.read().decode(errors='replace')}"
                    )
                time.sleep(0.02)
            with open(ready, encoding="utf-8") as f:
                url = f.read().strip()
            yield SessionkitServer(url, API_KEY, SECRET)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _complete(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().endswith("\n")
    except OSError:
        return False


@pytest.fixture
def sessionkit_server(_sessionkit_process: SessionkitServer) -> SessionkitServer:
    """The reference server, reset for this test; the test fails if a request it sent was bad."""
    _sessionkit_process.reset()
    return _sessionkit_process


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    server = getattr(item, "funcargs", {}).get("sessionkit_server")
    try:
        result = yield
    except BaseException:
        # The test failed on its own: say why the server refused, beside its own error.
        if isinstance(server, SessionkitServer):
            failures = server.failures()
            if failures:
                item.add_report_section("call", "sessionkit", describe(failures))
        raise
    # The test body passed: now its requests must have been accepted too.
    if isinstance(server, SessionkitServer):
        failures = server.failures()
        if failures:
            pytest.fail(describe(failures), pytrace=False)
    return result
