"""crm_twitter in someone else's Django project, exactly as the README tells them to set it up.

The wheel is built from the checkout and installed into a fresh virtualenv (dependencies from the
package index, nothing from the checkout); ``django-admin startproject`` makes the site; the
README's ``host-project:*`` blocks are pasted in verbatim — so when the README drifts, this fails.
The host also has things of its own, as real ones do: a template overriding one of the app's, and a
DRF API of its own with a ``REST_FRAMEWORK`` that disagrees with ours on everything. Then
``check``, the README's commands, ``runserver``, and a person's visit over HTTP: sign in through the
pages the snippet adds, open the inbox, reports, API, schema, docs and admin, switch language, sign
out.

Slow (a virtualenv, a wheel, a server), so it runs with ``CRM_HOST_PROJECT=1``; CI's SQLite leg
does. The virtualenv's dependencies are cached under ``var/host-project/`` keyed on the wheel's
declared requirements and the Python version; the app itself is reinstalled from the new wheel on
every run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import crm_twitter
from tests.packaging.distribution import ROOT, Distributions, build_distributions

pytestmark = [
    pytest.mark.host_project,
    pytest.mark.skipif(
        os.environ.get("CRM_HOST_PROJECT") != "1",
        reason="builds the wheel, a virtualenv and a project: run with CRM_HOST_PROJECT=1 (CI's SQLite leg does)",
    ),
]

CACHE = Path(os.environ.get("CRM_HOST_PROJECT_CACHE") or ROOT / "var" / "host-project")
ADMIN_USER, ADMIN_PASSWORD = "deskadmin", "host-project-password-1"
HOST_BRAND = '<meta name="host-brand" content="ACME support">'

# --- What the host has of its own (not from the README) -----------------------------------------
OVERRIDE_TEMPLATE = (
    '{% extends "crm_twitter/base.html" %}\n{% block extra_head %}' + HOST_BRAND + "{{ block.super }}{% endblock %}\n"
)
HOST_SETTINGS = """

# --- The host's own (tests/test_host_project.py): a template directory and an API of its own whose
# REST_FRAMEWORK disagrees with crm_twitter's API on everything it could. ---
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 1,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1/day"},
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v2"],
    "DEFAULT_VERSION": "v2",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.FormParser"],
    "EXCEPTION_HANDLER": "host.host_api.exception_handler",
    "URL_FORMAT_OVERRIDE": "as",
    "ORDERING_PARAM": "sort",
    "UNICODE_JSON": False,
}
"""
HOST_URLS = """

# --- The host's own API (tests/test_host_project.py) ---
from host.host_api import PingView  # noqa: E402

urlpatterns += [path("host-api/ping/", PingView.as_view())]
"""
HOST_API = '''"""The host's own DRF API: it keeps the host's REST_FRAMEWORK policy."""

from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


class PingView(APIView):
    def get(self, request):
        return Response({"pong": True})


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"host_error": response.data}
    return response
'''


# --- The README's blocks -----------------------------------------------------------------------------


def readme_block(name: str) -> str:
    """The code of README.md's ``<!-- host-project:NAME -->`` block, exactly as a reader copies it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- host-project:{name} -->\n```\w*\n(.*?)```\n<!-- /host-project:{name} -->", readme, re.S)
    assert match, f"README.md has lost its host-project:{name} block (tests/test_host_project.py applies it)"
    return match.group(1)


def readme_commands() -> list[list[str]]:
    commands = [line.split() for line in readme_block("commands").splitlines() if line.strip()]
    assert all(command[:2] == ["python", "manage.py"] for command in commands), commands
    return [command[2:] for command in commands]


# --- The virtualenv ------------------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    """This machine's environment without anything that points at the checkout or its settings."""
    dropped = {"PYTHONPATH", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "VIRTUAL_ENV", "PYTHONHOME"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith(("DJANGO_", "CRM_", "Q_", "PYTEST_"))
    }
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _run(command: list[str | Path], *, cwd: Path | None = None, timeout: int = 900, **env: str) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed ({result.returncode}):\n{output[-6000:]}"
    return output


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """One run at a time uses the cached virtualenv (colleagues' runs share this machine)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def host_virtualenv(distributions: Distributions) -> Path:
    """A virtualenv holding the wheel and exactly what its metadata requires."""
    requires = sorted(distributions.metadata().get_all("Requires-Dist") or [])
    key = hashlib.sha256(json.dumps([sys.version, requires]).encode()).hexdigest()[:16]
    venv = CACHE / f"venv-{key}"
    python = venv / "bin" / "python"
    for stale in CACHE.glob("venv-*"):
        if stale != venv:
            shutil.rmtree(stale, ignore_errors=True)
    if (venv / ".dependencies-installed").exists():
        _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", distributions.wheel])
    else:
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", venv])
        _run([python, "-m", "pip", "install", "--quiet", distributions.wheel])
        (venv / ".dependencies-installed").touch()
    _run([python, "-m", "pip", "check"])
    return venv


# --- The host project and its server --------------------------------------------------------------------


@dataclass(frozen=True)
class Host:
    root: Path
    python: Path
    base_url: str
    check_output: str
    deploy_check_output: str
    app_location: str

    def manage(self, *args: str) -> str:
        return _run([self.python, "manage.py", *args], cwd=self.root)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(base_url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"runserver exited:\n{log.read_text()[-6000:]}")
        try:
            urllib.request.urlopen(base_url + "/accounts/login/", timeout=5).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise AssertionError(f"runserver did not answer within 120 s:\n{log.read_text()[-6000:]}")


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Iterator[Host]:
    distributions = build_distributions()
    with _cache_lock():
        venv = host_virtualenv(distributions)
        python = venv / "bin" / "python"
        root = tmp_path_factory.mktemp("host-project")
        _run([venv / "bin" / "django-admin", "startproject", "host", root], cwd=root)

        settings_py, urls_py = root / "host" / "settings.py", root / "host" / "urls.py"
        settings_py.write_text(settings_py.read_text() + "\n" + readme_block("settings") + HOST_SETTINGS)
        urls_py.write_text(urls_py.read_text() + "\n" + readme_block("urls") + HOST_URLS)
        (root / "host" / "host_api.py").write_text(HOST_API)
        (root / "templates" / "crm_twitter").mkdir(parents=True)
        (root / "templates" / "crm_twitter" / "base.html").write_text(OVERRIDE_TEMPLATE)

        def manage(*args: str, **env: str) -> str:
            return _run([python, "manage.py", *args], cwd=root, **env)

        app_location = _run(
            [python, "-c", "import crm_twitter; print(crm_twitter.__file__, crm_twitter.__version__)"], cwd=root
        )
        check_output = manage("check", "--fail-level", "WARNING")
        deploy_check_output = manage("check", "--deploy")  # warnings about DEBUG etc., but no error
        for command in readme_commands():
            if command[0] != "qcluster":  # the worker runs until stopped; its broker is the database
                manage(*command)
        manage(
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN_USER,
            "--email",
            "admin@example.com",
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )

        base_url = f"http://127.0.0.1:{_free_port()}"
        log = root / "runserver.log"
        with open(log, "w") as output:
            server = subprocess.Popen(
                [str(python), "manage.py", "runserver", base_url.removeprefix("http://"), "--noreload"],
                cwd=root,
                env=_env(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_serving(base_url, server, log)
            yield Host(root, python, base_url, check_output, deploy_check_output, app_location)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- A person's browser ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the tests look at each redirect


class Browser:
    """Cookies, forms with their CSRF token, and redirects shown rather than followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Page:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            body = response.read().decode("utf-8", "replace")
            return Page(response.status, {k.lower(): v for k, v in response.headers.items()}, body)

    def get(self, path: str, **headers: str) -> Page:
        return self.request("GET", path, headers=headers)

    def submit(self, form_page: str, action: str, fields: dict) -> Page:
        """Open the page with the form, then post it with the CSRF token the page carries."""
        page = self.get(form_page)
        assert page.status == 200, (form_page, page.status)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no CSRF token on {form_page}"
        return self.request("POST", action, {**fields, "csrfmiddlewaretoken": token.group(1)})

    def sign_in(self, next_page: str = "/inbox/") -> Page:
        sent = self.get(next_page)
        assert sent.status == 302, (next_page, sent.status)
        login = sent.headers["location"]
        return self.submit(login, login, {"username": ADMIN_USER, "password": ADMIN_PASSWORD, "next": next_page})


@pytest.fixture(scope="module")
def desk(host) -> Browser:
    browser = Browser(host.base_url)
    assert browser.sign_in().status == 302
    return browser


# --- The tests --------------------------------------------------------------------------------------------


def test_the_app_comes_from_the_installed_wheel_not_from_the_checkout(host):
    location, version = host.app_location.split()
    assert "/site-packages/crm_twitter/" in location
    assert not location.startswith(str(ROOT / "crm_twitter"))
    assert version == crm_twitter.__version__


def test_the_readme_settings_pass_the_system_checks_without_a_warning(host):
    assert "System check identified no issues" in host.check_output


def test_the_deployment_checks_find_no_error_in_a_host_with_its_own_drf_api(host):
    assert "drf_spectacular" not in host.deploy_check_output  # not an installed app: no schema check
    assert "crm_twitter.W038" in host.deploy_check_output  # the snippet leaves the webhook secret empty


def test_a_signed_out_visitor_is_sent_to_the_sign_in_page_the_snippet_adds(host):
    browser = Browser(host.base_url)

    sent = browser.get("/inbox/")
    page = browser.get(sent.headers.get("location", ""))

    assert sent.status == 302 and sent.headers["location"] == "/accounts/login/?next=/inbox/"
    assert page.status == 200
    assert 'name="password"' in page.text and HOST_BRAND in page.text


def test_signing_in_through_the_snippets_urls_lands_in_the_inbox(host):
    browser = Browser(host.base_url)

    signed_in = browser.sign_in("/inbox/")
    inbox = browser.get("/inbox/")

    assert signed_in.status == 302 and signed_in.headers["location"] == "/inbox/"
    assert inbox.status == 200
    assert 'class="topbar"' in inbox.text


@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("/inbox/", "crm_twitter/inbox.css"),
        ("/reports/", "crm_twitter/inbox.css"),
        ("/api/docs/", "crm_twitter/api/swagger-ui/swagger-ui-bundle.js"),
        ("/admin/", "/admin/crm_twitter/case/"),
        ("/admin/crm_twitter/case/", "/admin/crm_twitter/case/"),
    ],
)
def test_the_desk_pages_render_for_a_signed_in_user(desk, path, shows):
    page = desk.get(path)
    assert page.status == 200, (path, page.text[:2000])
    assert shows in page.text


def test_the_api_docs_start_up_script_is_served(desk):
    page = desk.get("/api/docs/")
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', page.text)

    assert script, "the docs page loads no start-up script"
    loaded = desk.get(script.group(1).replace("&amp;", "&"))
    assert loaded.status == 200 and "SwaggerUIBundle" in loaded.text


def test_a_template_in_the_host_overrides_the_apps_own(desk):
    # The host's crm_twitter/base.html extends the app's and adds to its head (README's example).
    inbox = desk.get("/inbox/").text
    assert HOST_BRAND in inbox
    assert "crm_twitter/inbox.css" in inbox  # and the app's page frame is still around it


@pytest.mark.parametrize(
    "asset",
    [
        "crm_twitter/inbox.css",
        "crm_twitter/inbox.js",
        "crm_twitter/vendor/htmx.min.js",
        "crm_twitter/api/swagger-ui/swagger-ui-bundle.js",
    ],
)
def test_the_static_files_come_from_the_installed_package(desk, asset):
    page = desk.get(f"/static/{asset}")
    assert page.status == 200 and len(page.text) > 100


def test_the_api_keeps_its_own_policy_whatever_the_hosts_rest_framework_says(host, desk):
    first = desk.get("/api/v1/cases/?as=xml&sort=id")
    second = desk.get("/api/v1/cases/")  # the host's 1/day throttle would refuse this one
    anonymous = Browser(host.base_url).get("/api/v1/cases/")

    assert first.status == 200 and second.status == 200
    assert set(second.json()) == {"next", "previous", "results"}  # our cursor pages, not limit/offset
    assert anonymous.status == 401
    assert set(anonymous.json()) == {"error"} and anonymous.json()["error"]["code"] == "not_authenticated"


def test_the_hosts_own_api_keeps_the_hosts_policy(host):
    page = Browser(host.base_url).get("/host-api/ping/")
    assert page.status in (401, 403)
    assert set(page.json()) == {"host_error"}


def test_the_schema_describes_the_apps_api_and_nothing_of_the_host(desk):
    page = desk.get("/api/schema/", Accept="application/vnd.oai.openapi+json")

    assert page.status == 200, page.text[:2000]
    schema = page.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cases/" in schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"]), sorted(schema["paths"])


def test_the_language_menu_switches_the_desk_to_chinese(host):
    browser = Browser(host.base_url)
    browser.sign_in()

    switched = browser.submit("/inbox/", "/inbox/language/", {"language": "zh-hans", "next": "/inbox/"})
    inbox = browser.get("/inbox/")

    assert switched.status == 302
    assert "收件箱" in inbox.text  # "Inbox", from the compiled catalogue inside the wheel


def test_signing_out_returns_to_the_sign_in_page(host):
    browser = Browser(host.base_url)
    browser.sign_in()

    signed_out = browser.submit("/inbox/", "/accounts/logout/", {})

    assert signed_out.status == 302 and signed_out.headers["location"] == "/accounts/login/"
    assert browser.get("/inbox/").status == 302
