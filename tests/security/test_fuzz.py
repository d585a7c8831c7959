"""Fuzzing every form and API parameter with hypothesis: Arabic, Tifinagh, RTL marks,
zero-width characters, NUL bytes, 100 KB strings, wrong ids and wrong types.

- Each form a user or an organiser fills (registration, login, password reset, profile,
  proposal, proposal edit, comment, comment edit, report, workshop, consultation settings) gets
  :data:`FORM_EXAMPLES` generated submissions on a small scene, with the field names read from
  the form's page plus stray ones (``id``, ``next``).
- Each GET route that reads query parameters (lists, search, maps, the JSON API) gets
  :data:`QUERY_EXAMPLES` generated query strings (:data:`QUERY_EXAMPLES_POSTGRESQL` on
  PostgreSQL), on the authorization walk's demo scene, as the admin.

Before the generated ones, every special value (NUL bytes, 100 KB strings in forms,
overflowing integers, RTL marks...) is sent once in every field at the same time, so that each reaches
each parameter whatever the draw. The generated budgets keep the suite within its time on
CI's two cores (the GET pass renders 26 full pages per example, on both databases);
``ROADMAP_FUZZ_EXAMPLES=1000 pytest tests/security/test_fuzz.py`` runs a deeper pass.

No answer may be a 500, and an answer that refuses (4xx) must change no row (the database
fingerprint of tests/security/permissions.py). CSRF is off here (it has its own test).
"""
from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from roadmap.extensions import db
from tests.conftest import login
from tests.security.conftest import _writes_into
from tests.security.permissions import fingerprint
from tests.security.test_csrf import _send

_DEEPER = int(os.environ.get("ROADMAP_FUZZ_EXAMPLES") or 0)
FORM_EXAMPLES = _DEEPER or 120
QUERY_EXAMPLES = _DEEPER or 100
# On PostgreSQL, what differs from SQLite is how values reach the database (NUL bytes, integers
# past 64 bits, impossible dates), and the special pass sends each of them in every parameter;
# the generated combinations are the same pages' parsing, so fewer of them are drawn there.
QUERY_EXAMPLES_POSTGRESQL = _DEEPER or 40
SPECIAL = ["", " ", "0", "-1", "999999999", "1.5", "NaN", "null", "true", "[]", "{}",
           "\x00", "a\x00b", "\u200b\u200c\u200d\ufeff", "\u202e\u202d\u2066\u2069", "\u200f",
           "مشروع تهيئة الطريق", "ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵎⵔⵜ", "\u0640" * 50, "A" * 100_000,
           "ب" * 50_000, "../../etc/passwd", "' OR 1=1 --", "<script>window.__xss=1</script>",
           "2026-13-45", "1e309", "-0", "٣٤٥", "𝟙𝟚𝟛", "\ud7ff\ue000"]
TEXT = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.text(st.sampled_from("ابةتثجحخدذرزسشصضطظعغفقكلمنهوىيءأإآ ⵜⴰⵎⵣⵉⵖ\u200f\u200e\u200b\x00\n"),
            max_size=80),
    st.integers(min_value=-2**63, max_value=2**63).map(str),
)
# GET parameters the list, map and API routes read.
QUERY_NAMES = ["consultation", "commune", "axis", "status", "bbox", "q", "sort", "page",
               "per_page", "seed", "origin", "stakeholder_type", "lat", "lon", "title", "body",
               "limit", "offset", "format", "lang", "since", "cursor"]
# The GET routes that read query parameters (lists, search, maps, API, pages with filters).
QUERY_ROUTES = {"proposals.index", "proposals.similar", "proposals.locate", "proposals.commune",
                "participation.comments", "maps.proposals_geojson", "maps.communes_geojson",
                "maps.roadmap_geojson", "maps.consultation_map", "api.proposals", "api.proposal",
                "api.communes", "api.consultations", "api.consultation", "api.roadmap",
                "api.axes", "territory.communes", "moderation.queue", "moderation.audit",
                "roadmaps.show", "exports.index", "exports.dashboard", "ranking.need",
                "consultations.home", "participation.notifications", "accounts.login"}
class _Forms(HTMLParser):
    """Names of the fields of the POST forms of a page, by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, set[str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag, attrs):
        """Collect form actions and field names."""
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._action = attrs.get("action") or ""
            self.forms.setdefault(self._action, set())
        elif tag in ("input", "select", "textarea") and self._action is not None:
            name = attrs.get("name")
            if name and name != "csrf_token":
                self.forms[self._action].add(name)

    def handle_endtag(self, tag):
        """Leave a form."""
        if tag == "form":
            self._action = None


def _each_special_then_generated(names: list[str], examples: int, check,
                                 longest: int | None = None) -> None:
    """Call ``check(values)`` with every :data:`SPECIAL` value (up to ``longest`` characters)
    in every field at once (each value reaches each parameter, whatever the draw), then with
    ``examples`` generated sets of values (hypothesis, derandomized), long ones included."""
    for special in SPECIAL:
        if longest is None or len(special) <= longest:
            check({name: special for name in names})

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(values=st.dictionaries(st.sampled_from(names), TEXT, max_size=len(names)))
    def run(values):
        check(values)

    run()


def _fuzz(walk, role: str, endpoint: str, rule, method: str, names: list[str]):
    problems = []

    def check(values):
        if method == "GET":
            status, changed = _send_query(walk, role, endpoint, rule, values)
        else:
            status, changed = _send(walk, role, endpoint, method, rule, values)
        if status >= 500 or (status >= 400 and changed):
            problems.append((status, changed, {k: v[:60] for k, v in values.items()}))

    # A query string of 22 parameters of 100 KB each is 2 to 7 MB: gunicorn refuses a request
    # line over 4 KB before the app sees it. The long values still come in generated examples.
    examples = QUERY_EXAMPLES if db.engine.dialect.name == "sqlite" else QUERY_EXAMPLES_POSTGRESQL
    _each_special_then_generated(names, examples, check, longest=1000)
    return problems


def _send_query(walk, role, endpoint, rule, values):
    original = walk.url

    def with_query(endpoint_, rule_):
        return original(endpoint_, rule_) + "?" + urlencode(values)

    walk.url = with_query
    try:
        return _send(walk, role, endpoint, "GET", rule)
    finally:
        walk.url = original


def _form_fields(client, page: str, action: str) -> list[str]:
    """The field names of the POST form of ``page`` that posts to ``action``, and extras."""
    parser = _Forms()
    parser.feed(client.get(page).get_data(as_text=True))
    names = set(parser.forms.get(action, set()))
    if page == action:
        names |= parser.forms.get("", set())
    return sorted(names | {"id", "next"})


@pytest.fixture
def forms(app, factory):
    """The citizen's and the organiser's forms on a small scene: (user, page, action) each."""
    from roadmap.participation.models import Comment
    commune = factory.commune()
    consultation = factory.consultation("proposals", voting_during_proposals=True)
    participant = factory.user(home_commune=commune)
    organiser = factory.user("organiser")
    proposal = factory.proposal(consultation, commune, participant)
    other = factory.proposal(consultation, commune, organiser)
    comment = Comment(proposal_id=other.id, author_id=participant.id, body="x", stance="for")
    db.session.add(comment)
    db.session.commit()
    c, show = f"/c/{consultation.slug}", f"/c/{consultation.slug}/proposals/{other.id}"
    return {
        "accounts.register": (None, "/register", "/register"),
        "accounts.login": (None, "/login", "/login"),
        "accounts.forgot_password": (None, "/password/forgot", "/password/forgot"),
        "accounts.profile": (participant, "/profile", "/profile"),
        "proposals.new": (participant, f"{c}/proposals/new", f"{c}/proposals/new"),
        "proposals.edit": (participant, f"{c}/proposals/{proposal.id}/edit",
                           f"{c}/proposals/{proposal.id}/edit"),
        "participation.comment": (participant, show, f"{show}/comments"),
        "participation.edit_comment": (participant, f"/comments/{comment.id}/edit",
                                       f"/comments/{comment.id}/edit"),
        "moderation.report": (participant, f"/report/proposal/{other.id}",
                              f"/report/proposal/{other.id}"),
        "consultations.new_workshop": (organiser, f"{c}/workshops/new", f"{c}/workshops/new"),
        "consultations.settings": (organiser, f"{c}/settings", f"{c}/settings"),
    }


FORMS = ["accounts.register", "accounts.login", "accounts.forgot_password", "accounts.profile",
         "proposals.new", "proposals.edit", "participation.comment",
         "participation.edit_comment", "moderation.report", "consultations.new_workshop",
         "consultations.settings"]


@pytest.mark.parametrize("endpoint", FORMS)
def test_every_form_survives_fuzzing(app, forms, endpoint):
    user, page, action = forms[endpoint]
    client = app.test_client()
    if user is not None:
        login(client, user)
    names = _form_fields(client, page, action)
    assert len(names) > 2, names
    problems = []
    # The database's fingerprint is taken again only after a request that wrote (an INSERT,
    # UPDATE or DELETE went through the engine): most fuzzed submissions are refused without
    # writing, and fingerprinting every table twice per request was most of the test's time.
    writes: list[str] = []
    state = {"print": fingerprint()}

    def check(values):
        writes.clear()
        response = client.post(action, data=values)
        if not writes and response.status_code < 500:
            return
        after = fingerprint() if writes else state["print"]
        refused = response.status_code >= 400
        if response.status_code >= 500 or (refused and after != state["print"]):
            problems.append((response.status_code, {k: v[:60] for k, v in values.items()}))
        state["print"] = after

    listener = _writes_into(writes)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _each_special_then_generated(names, FORM_EXAMPLES, check)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not problems, problems[:3]


def test_every_get_parameter_survives_fuzzing(walk):
    failures = {}
    for rule in walk.app.url_map.iter_rules():
        if rule.endpoint not in QUERY_ROUTES or "GET" not in rule.methods:
            continue
        problems = _fuzz(walk, "admin", rule.endpoint, rule, "GET", QUERY_NAMES)
        if problems:
            failures[rule.endpoint] = problems[:3]
    assert not failures, failures
