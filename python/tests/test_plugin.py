"""The plugin as its users meet it: pytest runs a test file of theirs with a real `requests`
client against the `sessionkit_server` fixture (pytester runs it in a subprocess, with the
plugin loaded from the installed wheel's entry point)."""

import pathlib
import textwrap

CLIENT = textwrap.dedent(
    '''
    import gzip, hashlib, hmac, json

    import requests


    def create_session(server, sign_compressed=False, vendor_data="customer-123"):
        """The documentation's Python client: serialize, sign the uncompressed bytes, gzip."""
        payload = {"verification": {"callback": "https://example.com/callback",
                                    "vendorData": vendor_data}}
        body = json.dumps(payload, separators=(",", ":")).encode()
        compressed = gzip.compress(body)
        signed = compressed if sign_compressed else body
        signature = hmac.new(server.secret.encode(), signed, hashlib.sha256).hexdigest()
        return requests.post(server.sessions_url, data=compressed, timeout=10, headers={
            "X-AUTH-CLIENT": server.api_key, "X-HMAC-SIGNATURE": signature,
            "Content-Type": "application/json", "Content-Encoding": "gzip"})
    '''
)


def run(pytester, tests):
    pytester.makepyfile(client=CLIENT, test_user=textwrap.dedent(tests))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")


def test_a_correct_client_passes(pytester):
    result = run(pytester, '''
        from client import create_session

        def test_create(sessionkit_server):
            answer = create_session(sessionkit_server)
            assert answer.status_code == 201
            assert answer.json()["status"] == "success"
            seen = sessionkit_server.requests()
            assert [r["status"] for r in seen] == [201]
    ''')
    result.assert_outcomes(passed=1)


def test_a_client_signing_the_compressed_bytes_fails_with_the_named_mistake(pytester):
    # The test body itself passes (it does not look at the status): the plugin fails it anyway.
    result = run(pytester, '''
        from client import create_session

        def test_create(sessionkit_server):
            create_session(sessionkit_server, sign_compressed=True)
    ''')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*1 request(s) to the sessionkit server were not accepted:*",
        "*POST /v1/sessions -> 401 signature_mismatch*",
        "*mistake[[]signed_compressed_bytes[]]*",
        "*hint: *",
    ])


def test_each_test_starts_from_a_reset_server(pytester):
    # A bad request in one test does not fail the next, which sends good ones.
    result = run(pytester, '''
        from client import create_session

        def test_bad(sessionkit_server):
            create_session(sessionkit_server, sign_compressed=True)

        def test_good(sessionkit_server):
            assert create_session(sessionkit_server).status_code == 201
            assert len(sessionkit_server.requests()) == 1
    ''')
    result.assert_outcomes(passed=1, failed=1)


def test_an_expected_refusal_does_not_fail_the_test(pytester):
    result = run(pytester, '''
        import requests

        def test_refused_on_purpose(sessionkit_server):
            answer = requests.post(sessionkit_server.sessions_url, data=b"{}", timeout=10,
                headers={"X-AUTH-CLIENT": sessionkit_server.api_key,
                         "X-HMAC-SIGNATURE": "0" * 64,
                         "Content-Type": "application/json", "Sessionkit-Expect": "401"})
            assert answer.status_code == 401
    ''')
    result.assert_outcomes(passed=1)


def test_scripted_answers_test_a_clients_retries(pytester):
    result = run(pytester, '''
        from client import create_session

        def test_retries(sessionkit_server):
            sessionkit_server.script([429, 500, 201])
            first = create_session(sessionkit_server)
            assert first.status_code == 429
            assert first.headers["Retry-After"]
            assert create_session(sessionkit_server).status_code == 500
            assert create_session(sessionkit_server).status_code == 201
    ''')
    # The scripted 429 and 500 were the test's choice, not the client's mistake.
    result.assert_outcomes(passed=1)


def test_the_strict_profile_is_an_option(pytester):
    # An http:// callback: accepted in the documented profile, refused (1302) in the strict one.
    pytester.makepyfile(client=CLIENT.replace("https://example.com", "http://example.com"),
                        test_user=textwrap.dedent('''
        from client import create_session

        def test_http_callback(sessionkit_server):
            assert create_session(sessionkit_server).status_code == 201
    '''))
    documented = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    documented.assert_outcomes(passed=1)
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sessionkit-profile", "strict")
    strict.assert_outcomes(failed=1)
    # The test failed on its own assertion; the refusal's reason is shown beside it.
    strict.stdout.fnmatch_lines(["*Captured sessionkit call*", "*400 schema_violation*"])


def test_the_readme_example_passes(pytester):
    # The repository README's first screen shows this test; it must stay true.
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    # Signing the compressed bytes instead, as its comment says, fails it with the mistake.
    pytester.makepyfile(test_readme=example.replace(
        "body, hashlib.sha256", "gzip.compress(body, mtime=0), hashlib.sha256").replace(
        "data=gzip.compress(body)", "data=gzip.compress(body, mtime=0)"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*mistake[[]signed_compressed_bytes[]]*", "*hint: *"])


UNSIGNED = '''
    import requests

    def test_create(sessionkit_server):
        answer = requests.post(sessionkit_server.sessions_url, data=b'{"verification":{}}', timeout=10,
                               headers={"X-AUTH-CLIENT": sessionkit_server.api_key,
                                        "Content-Type": "application/json"})
        print("status", answer.status_code)
'''


def test_an_unsigned_client_passes_as_the_api_accepts_it_unless_a_signature_is_required(pytester):
    # The vendor's FAQ: session creation does not require X-HMAC-SIGNATURE (its browser SDK sends
    # none), so by default the fixture accepts it; a team that signs holds its client to it.
    pytester.makepyfile(test_user=textwrap.dedent(UNSIGNED))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*status 201*"])
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-v", "-s", "--sessionkit-require-signature")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*POST /v1/sessions -> 401 missing_signature*"])
