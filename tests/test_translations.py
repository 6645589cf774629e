"""One language at a time: Vietnamese by default, English when asked (``Accept-Language: en``,
or the language chosen in the admin).

* every message of the project (its Python code and templates) has a Vietnamese translation that
  is not a guess (``#, fuzzy``), found the way ``makemessages`` finds them, on a copy of the
  project (the real catalog is never rewritten);
* each committed ``.mo`` is its committed ``.po`` compiled;
* the messages of other packages that users meet (Django's admin and forms, Django REST
  framework's errors, django-simple-history's history pages, django-filter) read in Vietnamese,
  by their own catalogs or by ``tracking/locale_packages``;
* what people meet, through real requests and commands: the API's errors, the admin's pages (the
  history pages among them), the error pages, the commands' questions and output, each in one
  language.

The extraction needs GNU gettext (``apt-get install gettext``); without it these tests are
skipped, saying so (CI installs it).
"""
from __future__ import annotations

import ast
import contextlib
import gettext as gettext_module
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import django
import django_filters
import pytest
import rest_framework
import simple_history
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PROJECT_CATALOG = ROOT / "tracking" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
PACKAGES_CATALOG = ROOT / "tracking" / "locale_packages" / "vi" / "LC_MESSAGES" / "django.po"
DJANGO_ADMIN = Path(sys.executable).parent / "django-admin"
FIX = ("add the translation by hand to tracking/locale/vi/LC_MESSAGES/django.po (never run makemessages "
       "on it), then: msgfmt --check -o tracking/locale/vi/LC_MESSAGES/django.mo "
       "tracking/locale/vi/LC_MESSAGES/django.po")

needs_gettext = pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgfmt")),
    reason="GNU gettext (xgettext, msgfmt) is not installed: apt-get install gettext",
)


# ----- reading catalogs ---------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    translations: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self):
        """The entry's key in a compiled catalog (``gettext``'s: context, then plural form 0)."""
        msgid = f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid
        return (msgid, 0) if self.plural is not None else msgid

    @property
    def translated(self) -> bool:
        return bool(self.translations) and all(self.translations) and not self.fuzzy


def read_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, the header and obsolete entries left out."""
    entries, current, target = [], None, None
    flags: set[str] = set()

    def close():
        if current is not None and current.msgid:
            entries.append(current)

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif not line or line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if target == "msgid":
                current.msgid += value
            elif target == "context":
                current.context += value
            elif target == "plural":
                current.plural += value
            else:
                current.translations[-1] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword in ("msgctxt", "msgid") and (current is None or current.translations):
                close()
                current, flags_of_entry = Entry(msgid=""), flags
                current.fuzzy, flags = "fuzzy" in flags_of_entry, set()
            if keyword == "msgctxt":
                current.context, target = value, "context"
            elif keyword == "msgid":
                current.msgid, target = value, "msgid"
            elif keyword == "msgid_plural":
                current.plural, target = value, "plural"
            else:  # msgstr, msgstr[n]
                current.translations.append(value)
                target = "msgstr"
    close()
    return entries


def extract(source: Path, tmp_path: Path, *, catalog: Path | None = None) -> list[Entry]:
    """The messages ``makemessages`` finds in the Python code and templates of ``source`` (a
    package folder), merged with ``catalog``'s translations if given, in a copy: nothing under
    ``source`` is written.

    Note: ``django-admin`` without settings (with them, LOCALE_PATHS would send its output into
    the real catalog), and not ``python -m django`` from inside the copy (the package
    ``tracking.selectors`` would then shadow the standard library's ``selectors``)."""
    copy = tmp_path / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "locale", "locale_packages", "static"))
    target = copy / "locale" / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    if catalog is not None:
        shutil.copy(catalog, target / "django.po")
    environment = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [str(DJANGO_ADMIN), "makemessages", "-l", "vi", "--no-obsolete", "--no-location", "--no-wrap"],
        cwd=copy, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return read_po(target / "django.po")


def compiled(path: Path) -> dict:
    with path.open("rb") as file:
        return gettext_module.GNUTranslations(file)._catalog


# ----- the project's own messages -----------------------------------------------------------


@needs_gettext
def test_every_message_of_the_project_has_a_vietnamese_translation(tmp_path):
    entries = extract(ROOT / "tracking", tmp_path, catalog=PROJECT_CATALOG)
    assert len(entries) > 400  # the extraction found the project's messages
    untranslated = [entry.msgid for entry in entries if not entry.translations or not all(entry.translations)]
    guessed = [entry.msgid for entry in entries if entry.fuzzy]
    assert not untranslated, f"No Vietnamese for {untranslated}: {FIX}"
    # makemessages guesses (``#, fuzzy``) from a similar message, often wrongly: a guess is no
    # translation (``msgfmt`` leaves it out, and the English shows).
    assert not guessed, f"Only a guess (fuzzy) for {guessed}: translate them and remove the flag; {FIX}"


@needs_gettext
@pytest.mark.parametrize("catalog", [PROJECT_CATALOG, PACKAGES_CATALOG], ids=["project", "packages"])
def test_each_committed_mo_is_its_po_compiled(catalog, tmp_path):
    mo = tmp_path / "django.mo"
    done = subprocess.run(["msgfmt", "--check", "-o", str(mo), str(catalog)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert compiled(catalog.with_suffix(".mo")) == compiled(mo), (
        f"{catalog.with_suffix('.mo')} is not {catalog.name} compiled: msgfmt --check -o "
        f"{catalog.with_suffix('.mo').relative_to(ROOT)} {catalog.relative_to(ROOT)}")


def test_no_catalog_entry_is_a_guess():
    for catalog in (PROJECT_CATALOG, PACKAGES_CATALOG):
        assert not [entry.msgid for entry in read_po(catalog) if entry.fuzzy], catalog


# ----- other packages' messages --------------------------------------------------------------

SITE_PACKAGES_DJANGO = Path(django.__file__).parent


def _never_shown_by_django() -> set[str]:
    """Django's messages no page of the tracker shows: the names of languages it does not offer
    (``settings.LANGUAGES``), and the welcome page of a project without URLs."""
    from django.conf import global_settings
    from django.utils.translation.template import templatize

    welcome = (SITE_PACKAGES_DJANGO / "views" / "templates" / "default_urlconf.html").read_text(encoding="utf-8")
    return {str(name) for code, name in global_settings.LANGUAGES if code not in dict(settings.LANGUAGES)} | set(
        re.findall(r"gettext\(u'(.*?)'\)", templatize(welcome)))


def package_messages(name: str, tmp_path: Path) -> list[Entry]:
    """The messages of one package the tracker's users meet."""
    if name == "django":
        return [entry for entry in read_po(SITE_PACKAGES_DJANGO / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po")
                if entry.msgid not in _never_shown_by_django()]
    if name.startswith("django.contrib."):
        app = SITE_PACKAGES_DJANGO / "contrib" / name.rsplit(".", 1)[1]
        return read_po(app / "locale" / "en" / "LC_MESSAGES" / "django.po")
    module = {"rest_framework": rest_framework, "simple_history": simple_history, "django_filters": django_filters}[name]
    return extract(Path(module.__file__).parent, tmp_path)


PACKAGES = ["django", "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "rest_framework", "simple_history", "django_filters"]


@needs_gettext
@pytest.mark.parametrize("package", PACKAGES)
def test_the_messages_of_other_packages_read_in_vietnamese(package, tmp_path):
    """Every message of the packages whose pages and errors users meet has Vietnamese: the
    package's own, or ours (``tracking/locale_packages``)."""
    catalog = translation.trans_real.translation("vi")._catalog
    missing = [entry.msgid for entry in package_messages(package, tmp_path) if entry.key not in catalog]
    assert not missing, (f"No Vietnamese for these messages of {package}: {missing}; add them to "
                         f"{PACKAGES_CATALOG.relative_to(ROOT)} and compile it with msgfmt --check")


@needs_gettext
def test_the_packages_catalog_holds_only_messages_of_those_packages(tmp_path):
    """A message we translate for another package is still one of its messages (an upgrade that
    rewords it shows here), and none is translated twice: the project's catalog has its own."""
    known = set()
    for index, package in enumerate(PACKAGES):
        known |= {entry.key for entry in package_messages(package, tmp_path / str(index))}
    ours = read_po(PACKAGES_CATALOG)
    assert [entry.msgid for entry in ours if entry.key not in known] == []
    assert {entry.key for entry in ours} & {entry.key for entry in read_po(PROJECT_CATALOG)} == set()
    assert all(entry.translated for entry in ours)


# ----- what users meet: real requests, in Vietnamese by default and in English when asked ---------


@pytest.fixture
def vietnamese_by_default(settings):
    """The installation's default language (``config.settings.base`` without LANGUAGE_CODE in the
    environment), not the suite's English."""
    settings.LANGUAGE_CODE = "vi"


def _ask(client, language: str | None, method: str, path: str, body=None, **extra):
    if language is not None:
        extra["HTTP_ACCEPT_LANGUAGE"] = language
    if isinstance(body, str):
        return client.generic(method.upper(), path, body, content_type=extra.pop("content_type", "application/json"), **extra)
    return getattr(client, method)(path, body, format="json", **extra) if body is not None else getattr(client, method)(path, **extra)


# (who asks, method, path, body or raw text, extra headers, status, Vietnamese detail, English detail)
API_ERRORS = {
    "401 without credentials": (
        "anonymous", "get", "/api/v1/units/", None, {}, 401,
        "Chưa có thông tin đăng nhập.", "Authentication credentials were not provided."),
    "401 with an unknown token": (
        "anonymous", "get", "/api/v1/units/", None, {"HTTP_AUTHORIZATION": "Token 0123456789abcdef"}, 401,
        "Token không hợp lệ.", "Invalid token."),
    "401 with a token header without a token": (
        "anonymous", "get", "/api/v1/units/", None, {"HTTP_AUTHORIZATION": "Token"}, 401,
        "Tiêu đề Token không hợp lệ: không có token.", "Invalid token header. No credentials provided."),
    "401 wrong password": (
        "anonymous", "post", "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, {}, 401,
        "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "403 a role without changes": (
        "viewer", "post", "/api/v1/units/", {"code": "12", "name": "Lai Châu"}, {}, 403,
        "Vai trò của bạn không cho phép thay đổi.", "Your roles do not allow changes."),
    "404 an unknown path under /api/": (
        "staff", "get", "/api/v1/nothing-here/", None, {}, 404,
        "Không có điểm cuối API nào tại /api/v1/nothing-here/.", "No API endpoint at /api/v1/nothing-here/."),
    "404 an unknown unit": (
        "staff", "get", "/api/v1/units/999/", None, {}, 404,
        "Không có đơn vị nào có mã 999.", "No unit has the code 999."),
    "405": (
        "staff", "delete", "/api/v1/units/", None, {}, 405,
        "Phương thức “DELETE” không được chấp nhận.", 'Method "DELETE" not allowed.'),
    "406": (
        "staff", "get", "/api/v1/units/", None, {"HTTP_ACCEPT": "application/xml"}, 406,
        "Không thể trả lời theo tiêu đề Accept của yêu cầu.", "Could not satisfy the request Accept header."),
    "415": (
        "staff", "post", "/api/v1/units/", "code=12", {"content_type": "text/plain"}, 415,
        "Không hỗ trợ kiểu dữ liệu “text/plain” trong yêu cầu.", 'Unsupported media type "text/plain" in request.'),
    "400 JSON parse error": (
        "staff", "post", "/api/v1/units/", '{"code": "12",\n "name" "Lai Châu"}', {}, 400,
        "Lỗi đọc JSON ở dòng 2, cột 9: thiếu dấu “:”.", "JSON parse error at line 2, column 9: “:” was expected."),
    "404 a page that does not exist": (
        "staff", "get", "/api/v1/units/?page=999", None, {}, 404,
        "Trang không hợp lệ.", "Invalid page."),
    "400 a page size that is not one": (
        "staff", "get", "/api/v1/units/?page_size=ten", None, {}, 400,
        "page_size: Hãy cho một số nguyên từ 1 trở lên.", "page_size: Give a whole number, 1 or more."),
    "400 a field missing, an unknown one": (
        "staff", "post", "/api/v1/units/", {"code": "12", "nam": "Lai Châu"}, {}, 400,
        None, None),
    "400 an empty list": (
        "staff", "post", "/api/v1/reorganisations/merge/", {"units": [], "into": "100", "on": "2020-01-01"}, {}, 400,
        "units: Danh sách này không được để trống.", "units: This list may not be empty."),
}


@pytest.fixture
def clients(db, django_user_model):
    from rest_framework.test import APIClient

    staff, viewer = APIClient(), APIClient()
    staff.force_authenticate(django_user_model.objects.create_superuser(username="admin", password="pw"))
    viewer.force_authenticate(django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True))
    return {"anonymous": APIClient(), "staff": staff, "viewer": viewer}


@pytest.mark.parametrize("case", API_ERRORS)
@pytest.mark.parametrize("language", [None, "en"], ids=["default", "en"])
@pytest.mark.usefixtures("vietnamese_by_default", "tree")
def test_api_errors_in_one_language(clients, api_error, case, language):
    who, method, path, body, extra, status, vietnamese, english = API_ERRORS[case]
    response = _ask(clients[who], language, method, path, body, **extra)
    assert response["Content-Language"] == (language or "vi")
    detail = api_error(response, status, response.json()["code"])["detail"]
    if vietnamese is None:  # several fields in error: each in the language asked
        expected = {None: {"name: Trường này là bắt buộc.", "nam: Trường không xác định: yêu cầu này không nhận trường này."},
                    "en": {"name: This field is required.", "nam: Unknown field: this request does not take it."}}[language]
        assert expected <= set(detail.split("; ")), detail
    else:
        assert detail == (english if language == "en" else vietnamese)


@pytest.mark.usefixtures("vietnamese_by_default")
def test_sign_in_throttled_in_one_language(clients):
    for _attempt in range(10):
        clients["anonymous"].post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    for language, start in ((None, "Yêu cầu bị tạm chặn do gửi quá nhiều lần. Có thể thử lại sau "),
                            ("en", "Request was throttled. Expected available in ")):
        response = _ask(clients["anonymous"], language, "post", "/api/v1/auth/token/", {"username": "x", "password": "y"})
        assert response.status_code == 429 and response.json()["detail"].startswith(start), response.json()


@pytest.mark.usefixtures("vietnamese_by_default")
def test_a_language_not_offered_gets_vietnamese(clients):
    response = _ask(clients["anonymous"], "fr,de;q=0.8", "get", "/api/v1/units/")
    assert response.json()["detail"] == "Chưa có thông tin đăng nhập."


# ----- the admin, as a committee reads it ---------------------------------------------------------

# Words of English sentences: a line of a Vietnamese page holding one reads as English.
ENGLISH = re.compile(r"\b(the|and|of|with|this|from|by|is|are|has|not|to|for|or|in|at|on|an|you|your)\b", re.I)


def visible_text(content: bytes) -> str:
    """What a person reads on a page: its text without markup, scripts or styles, one line per
    element, spaces collapsed."""
    import html

    text = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", content.decode(), flags=re.S)
    text = re.sub(r"</?(a|strong|em|b|span|abbr|code)\b[^>]*>", "", text)  # inline: the same line
    text = html.unescape(re.sub(r"<[^>]+>", "\n", text)).replace("\xa0", " ")
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


@pytest.fixture
def approved(data, django_user_model):
    """The ``data`` report moved to another cell with a new count, then its quarter submitted
    and approved by ``admin``."""
    from tests import factories
    from tracking import services
    from tracking.services import approvals

    admin = django_user_model.objects.get(username="admin")
    report, commune = data["report"], data["village"].placements.get().unit
    services.quarter_report_update(by=admin, report=report, cell=factories.cell(data["village"], name="Chi bộ mới").pk,
                                   full_members=4)
    approvals.quarter_submit(unit=commune, quarter="2019Q2", by=admin)
    return {**data, "approval": approvals.quarter_approve(unit=commune, quarter="2019Q2", by=admin)}


@pytest.mark.usefixtures("vietnamese_by_default")
def test_the_history_pages_name_records_and_states_in_the_page_language(admin_client, approved):
    from django.urls import reverse
    from django.utils import formats, timezone

    approval, report = approved["approval"], approved["report"]
    approval_page = reverse("admin:tracking_quarterapproval_history", args=[approval.pk])
    report_page = reverse("admin:tracking_quarterreport_history", args=[report.pk])
    with translation.override("vi"):
        approved_at = formats.localize(timezone.localtime(approval.approved_at))
    vietnamese = visible_text(admin_client.get(approval_page).content)
    assert "Lịch sử thay đổi: xã Nà Nhạn (03317) 2019Q2: đã duyệt" in vietnamese
    assert "Trạng thái: đã gửi duyệt → đã duyệt" in vietnamese  # the state's words, not its value
    assert "Người duyệt: — → admin" in vietnamese  # nobody before, not "Deleted user (pk=None)"
    assert f"Duyệt lúc: — → {approved_at}" in vietnamese  # local time, in the page's words
    assert "+00:00" not in vietnamese and "UTC" not in vietnamese
    assert {"Phiên bản", "Thời điểm", "Thao tác", "Người thay đổi", "Các thay đổi", "2 thay đổi"} <= set(vietnamese.splitlines())
    assert not [line for line in vietnamese.splitlines() if ENGLISH.search(line)]

    report_text = visible_text(admin_client.get(report_page).content)
    assert "Chi bộ: Chi bộ Huổi Chổn → Chi bộ mới" in report_text  # names, not ids
    assert "Đảng viên chính thức: 3 → 4" in report_text

    english = visible_text(admin_client.get(approval_page, HTTP_ACCEPT_LANGUAGE="en").content)
    assert "View history: xã Nà Nhạn (03317) 2019Q2: approved" in english
    assert "State: submitted → approved" in english and "Approved by: — → admin" in english
    assert {"Version", "Date/time", "Action", "Changed by", "Changes", "2 changes"} <= set(english.splitlines())


@pytest.mark.usefixtures("vietnamese_by_default")
def test_no_admin_page_mixes_in_english(admin_client, approved):
    """Every page of the admin a committee opens, in Vietnamese: not one line reads as English
    (the data here is all Vietnamese names)."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    from tracking.models import AdministrativeUnit

    # Note: a record's note is data, in the words its author wrote (the nation's is recorded with
    # an English note, as in the fixtures), not a message of the pages.
    AdministrativeUnit.objects.update(note="")

    pages = ["/admin/", "/admin/?apps=1", "/admin/tracking/", "/admin/password_change/", "/admin/entry/",
             "/admin/entry/03317/2019Q2/", "/admin/spreadsheets/", "/admin/dashboard/03317/?quarter=2019Q2",
             "/admin/completeness/", "/admin/completeness/?unit=100&quarter=2019Q2"]
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        record = model.objects.order_by("pk").first()
        for view in ("change", "history"):
            with contextlib.suppress(NoReverseMatch):
                pages += [reverse(f"{info}_{view}", args=[record.pk])] if record is not None else []
    english = {}
    for page in pages:
        response = admin_client.get(page, follow=True)
        assert response.status_code in (200, 403), page
        lines = [line for line in visible_text(response.content).splitlines()
                 if ENGLISH.search(line) and not line.startswith("http")]
        if lines:
            english[page] = lines
    assert english == {}


@pytest.mark.usefixtures("vietnamese_by_default")
def test_the_admin_words_django_leaves_in_english(admin_client, approved):
    """Strings of Django's admin and of DRF's token app that their Vietnamese catalogs lack."""
    from django.urls import reverse

    index = visible_text(admin_client.get("/admin/?apps=1").content).splitlines()
    assert "Token truy cập API" in index and "Auth Token" not in index
    assert "Chuyển đến nội dung chính" in index  # "Skip to main content"
    reports = visible_text(admin_client.get(reverse("admin:tracking_quarterreport_changelist")).content).splitlines()
    assert "Hiện số lượng" in reports and "Show counts" not in reports
    english = visible_text(admin_client.get(reverse("admin:tracking_quarterreport_changelist"),
                                            HTTP_ACCEPT_LANGUAGE="en").content).splitlines()
    assert "Show counts" in english
    user = visible_text(admin_client.get(reverse("admin:auth_user_change", args=[approved["approval"].approved_by.pk])).content)
    assert "Phủ kín đảng viên ở thôn, bản | Được xem bản" in user  # a permission, not "Can view village"


# ----- the commands ------------------------------------------------------------------------------


def _command(*args, **environment) -> subprocess.CompletedProcess:
    """``manage.py`` with the development settings (its default), as an operator runs it."""
    clean = {name: value for name, value in os.environ.items()
             if name not in ("DJANGO_SETTINGS_MODULE", "LANGUAGE_CODE", "DATABASE_URL")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, "DATABASE_URL": "sqlite:///:memory:", **environment})


def test_commands_speak_vietnamese_unless_the_environment_says_english():
    missing = ["import_reports", "no-such-file.csv", "--quarter", "2019Q2", "--user", "nobody"]
    assert "CommandError: Không có tệp nào tại no-such-file.csv." in _command(*missing).stderr
    assert "CommandError: No file at no-such-file.csv." in _command(*missing, LANGUAGE_CODE="en").stderr
    refused = _command("check", LANGUAGE_CODE="fr")
    assert refused.returncode != 0 and "LANGUAGE_CODE is vi or en, not 'fr'." in refused.stderr


class Terminal(io.StringIO):
    """What an operator types, as if at a terminal."""

    def isatty(self):
        return True


@pytest.mark.usefixtures("vietnamese_by_default")
def test_the_first_run_asks_in_vietnamese(db, django_user_model):
    from django.core.management import call_command

    from tests import factories

    factories.province()  # the database holds data: seed loads nothing
    out, err = io.StringIO(), io.StringIO()
    typed = Terminal("c\nadmin\n\nngắn\nngắn\nmột-mật-khẩu-dài-2026\nmột-mật-khẩu-dài-2026\n")
    call_command("seed", stdin=typed, stdout=out, stderr=err)
    said = out.getvalue()
    assert said.startswith("Cơ sở dữ liệu đã có dữ liệu: không nạp lại dữ liệu mẫu.\n"
                           "Chưa có người dùng quản trị. Tạo ngay bây giờ để dùng trang quản trị? [c/K] "
                           "Tên đăng nhập: Địa chỉ email (có thể để trống): Mật khẩu: Mật khẩu (nhập lại): ")
    assert "Mật khẩu này quá ngắn. Mật khẩu phải có ít nhất 8 ký tự." in err.getvalue()  # asked again
    assert said.endswith("Đã tạo siêu người dùng admin: đăng nhập trang quản trị tại /admin/.\n")
    assert django_user_model.objects.get(username="admin").is_superuser


@pytest.mark.usefixtures("vietnamese_by_default")
def test_a_command_reports_in_vietnamese(data):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("progress", "03317", "--period", "2019Q2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("xã Nà Nhạn (03317) — 2019Q2 (tính đến 2019Q2, theo địa giới lúc đó: bản đồ ngày")
    assert lines[1:3] == ["Quý 2019Q2: bản nháp", "Theo báo cáo của các bản:"]
    assert not [line for line in lines if ENGLISH.search(line)]


@pytest.mark.usefixtures("vietnamese_by_default")
def test_the_admin_offers_the_other_language_and_keeps_the_choice(admin_client):
    page = admin_client.get("/admin/?apps=1").content.decode()
    assert '<button type="submit" name="language" value="en" lang="en"' in page and "Tiếng Việt</button>" not in page
    chosen = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/?apps=1"})
    assert chosen.status_code == 302 and chosen["Location"] == "/admin/?apps=1"
    # Kept for the next pages, whatever the browser asks for.
    english = admin_client.get("/admin/?apps=1", HTTP_ACCEPT_LANGUAGE="vi")
    assert english["Content-Language"] == "en" and "Site administration" in english.content.decode()
    assert "Tiếng Việt</button>" in english.content.decode()
    admin_client.post("/i18n/setlang/", {"language": "vi", "next": "/admin/"})
    assert admin_client.get("/admin/?apps=1", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "vi"


@pytest.mark.usefixtures("vietnamese_by_default")
def test_error_pages_outside_the_api_in_one_language(admin_client, tree):
    """Django's own error pages are in English whatever the language: the project's are not."""
    for language, heading, text in ((None, "Không tìm thấy", "Không có gì tại /admin/tracking/village/999999/change/"),
                                    ("en", "Not found", "There is nothing at /admin/tracking/village/999999/change/")):
        response = _ask(admin_client, language, "get", "/admin/tracking/village/999999/change/")
        page = visible_text(response.content).splitlines()
        assert response.status_code == 404 and heading in page and any(line.startswith(text) for line in page), page
    assert "Không tìm thấy" in visible_text(admin_client.get("/nowhere/").content).splitlines()


def test_the_admins_scripts_speak_vietnamese(client, django_user_model):
    """The pickers of groups and permissions and the calendar: every message of the admin's
    scripts has its Vietnamese (Django's own catalog lacks 23, kept in tracking/locale_packages)."""
    import json
    from pathlib import Path

    import django

    source = (Path(django.__file__).parent / "contrib/admin/locale/en/LC_MESSAGES/djangojs.po").read_text()
    client.force_login(django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw"))
    catalog = json.loads(client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
                         .split("const newcatalog = ", 1)[1].split(";\n", 1)[0])
    wanted = {match.replace('\\"', '"') for match in re.findall(r'^msgid "(.+)"$', source, re.M)}
    missing = sorted(name for name in wanted if not any(key == name or key.endswith("\x04" + name) for key in catalog))
    assert missing == [], missing
