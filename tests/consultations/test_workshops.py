"""Workshops: organisers record the in-person meetings; everyone reads them."""
from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from roadmap.consultations import services
from roadmap.consultations.models import Workshop
from roadmap.consultations.policies import can_manage_workshops
from roadmap.extensions import db
from roadmap.territory.models import Prefecture
from tests.conftest import login


def count_workshops() -> int:
    return db.session.scalar(select(func.count()).select_from(Workshop))


@pytest.fixture
def setting(factory):
    """A consultation, two communes of its prefecture and one of another prefecture."""
    consultation = factory.consultation("proposals")
    first = factory.commune(name_fr="Sidi Youssef", name_ar="سيدي يوسف")
    second = factory.commune(name_fr="Ouahat Sidi Brahim", name_ar="واحة سيدي ابراهيم")
    elsewhere = Prefecture(code="99.998", name_ar="عمالة أخرى", name_fr="Autre préfecture")
    db.session.add(elsewhere)
    db.session.flush()
    foreign = factory.commune(name_fr="Ailleurs")
    foreign.prefecture = elsewhere
    db.session.flush()
    return consultation, first, second, foreign


def form(first, **changes) -> dict:
    """A valid workshop form for commune ``first``: 12 people counted both ways."""
    data = {"title": "Atelier de la jeunesse", "held_on": "2025-03-12",
            "place": "Maison des jeunes", "communes": [str(first.id)],
            "stakeholder_citizen": "7", "stakeholder_association": "3",
            "stakeholder_elected_official": "2", "gender_woman": "5", "gender_man": "6",
            "gender_not_recorded": "1",
            "minutes": "Premier point : l'eau.\nDeuxième point : <script>x</script>\n\nFin."}
    data.update(changes)
    return data


def record(consultation, first, by, **changes) -> Workshop:
    arguments = {"title": "Atelier", "held_on": date(2025, 3, 12), "place": "Salle",
                 "commune_ids": [first.id], "attendance_by_stakeholder": {"citizen": 4},
                 "attendance_by_gender": {"woman": 2, "man": 2}, "minutes": "Notes"} | changes
    return services.record_workshop(consultation, by, **arguments)


# --- Policy and services -------------------------------------------------------------------------

def test_only_organisers_and_admins_manage_workshops(factory):
    subject = factory.consultation()
    assert not can_manage_workshops(AnonymousUserMixin(), subject)
    for role, allowed in [("participant", False), ("moderator", False), ("organiser", True),
                          ("admin", True)]:
        assert can_manage_workshops(factory.user(role), subject) is allowed


def test_record_workshop_stores_everything(setting, factory):
    consultation, first, second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser, commune_ids=[first.id, second.id])
    db.session.expire_all()
    stored = db.session.get(Workshop, workshop.id)
    assert (stored.title, stored.held_on, stored.place) == ("Atelier", date(2025, 3, 12), "Salle")
    assert {c.id for c in stored.communes} == {first.id, second.id}
    assert stored.attendance_by_stakeholder == {"citizen": 4}
    assert stored.attendance_by_gender == {"woman": 2, "man": 2}
    assert stored.attendance_total == 4 and stored.created_by_id == organiser.id


@pytest.mark.parametrize("changes, field", [
    ({"attendance_by_gender": {"woman": 3, "man": 2}}, "attendance"),    # 5 against 4
    ({"attendance_by_stakeholder": {"citizen": -1}}, "attendance"),
    ({"attendance_by_gender": {"nobody": 1}}, "attendance"),
    ({"commune_ids": []}, "communes"),
    ({"title": "   "}, "title"),
    ({"held_on": None}, "held_on"),
])
def test_record_workshop_refuses_bad_input_and_creates_nothing(setting, factory, changes, field):
    consultation, first, _second, _foreign = setting
    with pytest.raises(services.ConsultationError) as refused:
        record(consultation, first, factory.user("organiser"), **changes)
    assert field in refused.value.errors
    assert count_workshops() == 0


def test_communes_of_another_prefecture_are_refused(setting, factory):
    consultation, first, _second, foreign = setting
    with pytest.raises(services.ConsultationError) as refused:
        record(consultation, first, factory.user("organiser"), commune_ids=[first.id, foreign.id])
    assert "communes" in refused.value.errors and count_workshops() == 0


def test_one_count_given_alone_needs_no_match(setting, factory):
    consultation, first, _second, _foreign = setting
    workshop = record(consultation, first, factory.user("organiser"), attendance_by_gender={})
    assert workshop.attendance_total == 4


def test_participants_cannot_record_or_update(setting, factory):
    consultation, first, _second, _foreign = setting
    with pytest.raises(services.NotAllowed):
        record(consultation, first, factory.user("participant"))
    workshop = record(consultation, first, factory.user("organiser"))
    with pytest.raises(services.NotAllowed):
        services.update_workshop(workshop, factory.user("moderator"), title="Changed",
                                 held_on=date(2025, 3, 12), place="Salle",
                                 commune_ids=[first.id])
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).title == "Atelier"


# --- Pages ---------------------------------------------------------------------------------------

def test_organiser_records_a_workshop_through_the_form(client, setting, factory):
    consultation, first, second, foreign = setting
    login(client, factory.user("organiser"))
    page = client.get(f"/c/{consultation.slug}/workshops/new?lang=fr").get_data(as_text=True)
    assert f'value="{first.id}"' in page and f'value="{second.id}"' in page
    assert f'value="{foreign.id}"' not in page             # communes of this prefecture only
    response = client.post(f"/c/{consultation.slug}/workshops/new?lang=fr",
                           data=form(first, communes=[str(first.id), str(second.id)]))
    assert response.status_code == 302
    workshop = db.session.scalar(select(Workshop))
    assert response.headers["Location"].endswith(
        f"/c/{consultation.slug}/workshops/{workshop.id}")
    assert workshop.attendance_by_stakeholder == {"citizen": 7, "association": 3,
                                                  "elected_official": 2}
    assert workshop.attendance_by_gender == {"woman": 5, "man": 6, "not_recorded": 1}
    assert {c.id for c in workshop.communes} == {first.id, second.id}


def test_the_public_pages_show_the_figures(client, setting, factory):
    consultation, first, second, _foreign = setting
    login(client, factory.user("organiser"))
    client.post(f"/c/{consultation.slug}/workshops/new", data=form(first))
    workshop = db.session.scalar(select(Workshop))
    client.post("/logout")
    anonymous = client.application.test_client()
    html = anonymous.get(f"/c/{consultation.slug}/workshops/{workshop.id}?lang=fr").get_data(
        as_text=True)
    assert "Atelier de la jeunesse" in html and "Maison des jeunes" in html
    assert "12 mars 2025" in html and "Sidi Youssef" in html and "Ouahat" not in html
    stakeholders = _table(html, "attendance-stakeholders")
    assert _row(stakeholders, "citizen") == "7" and _row(stakeholders, "association") == "3"
    assert _row(stakeholders, "economic_actor") == "–Non relevé"
    assert ">12</td></tr></tfoot>" in stakeholders
    genders = _table(html, "attendance-genders")
    assert (_row(genders, "woman"), _row(genders, "man")) == ("5", "6")
    assert ">12</td></tr></tfoot>" in genders
    assert 'id="workshop-attendance-total">12<' in html
    # Minutes: escaped, line breaks kept, paragraphs at blank lines.
    assert "Premier point : l&#39;eau.<br>Deuxième point : &lt;script&gt;x&lt;/script&gt;</p>" \
        in html
    assert "<p>Fin.</p>" in html and "<script>x" not in html
    assert "Edit the workshop" not in html
    listing = anonymous.get(f"/c/{consultation.slug}/workshops?lang=en").get_data(as_text=True)
    assert "Atelier de la jeunesse" in listing and "12 participants" in listing
    assert "1 workshop" in listing and "Record a workshop" not in listing


def test_organiser_edits_a_workshop(client, setting, factory):
    consultation, first, second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser)
    login(client, organiser)
    edit = f"/c/{consultation.slug}/workshops/{workshop.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Atelier"' in page
    assert 'name="stakeholder_citizen" type="number" value="4"' in page
    response = client.post(edit, data=form(second, title="Atelier corrigé", gender_man="",
                                           gender_not_recorded="", gender_woman="12"))
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Workshop, workshop.id)
    assert stored.title == "Atelier corrigé" and [c.id for c in stored.communes] == [second.id]
    assert stored.attendance_by_gender == {"woman": 12}


@pytest.mark.parametrize("changes, error_id, message", [
    ({"gender_woman": "9"}, "attendance-error",
     "The attendance by gender adds up to 16 but the attendance by stakeholder type adds up to "
     "12: the two totals must be equal."),
    ({"stakeholder_citizen": "-3"}, "stakeholder_citizen-error", "Enter 0 or more."),
    ({"gender_man": "six"}, "gender_man-error", "Enter a whole number, such as 3."),
    ({"communes": []}, "communes-error", "Choose at least one commune."),
    ({"held_on": ""}, "held_on-error", "Enter the date of the workshop."),
    ({"held_on": "someday"}, "held_on-error", "Enter a date"),
    ({"title": "  "}, "title-error", "This field is required."),
])
def test_invalid_workshop_answers_422_keeps_the_input_and_creates_nothing(
        client, setting, factory, changes, error_id, message):
    consultation, first, _second, _foreign = setting
    login(client, factory.user("organiser"))
    response = client.post(f"/c/{consultation.slug}/workshops/new?lang=en",
                           data=form(first, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html[html.index(f'id="{error_id}"'):]
    assert message in errors[:errors.index("</ul>")]
    assert 'value="Maison des jeunes"' in html              # what was typed is kept
    assert count_workshops() == 0


def test_invalid_edit_changes_nothing(client, setting, factory):
    consultation, first, _second, _foreign = setting
    organiser = factory.user("organiser")
    workshop = record(consultation, first, organiser)
    login(client, organiser)
    response = client.post(f"/c/{consultation.slug}/workshops/{workshop.id}/edit",
                           data=form(first, title="Nouveau titre", gender_woman="1"))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).title == "Atelier"


def test_htmx_form_gets_the_fragment_or_a_redirect(client, setting, factory):
    consultation, first, _second, _foreign = setting
    login(client, factory.user("organiser"))
    new = f"/c/{consultation.slug}/workshops/new"
    invalid = client.post(new, data=form(first, communes=[]), headers={"HX-Request": "true"})
    assert invalid.status_code == 422
    assert invalid.get_data(as_text=True).lstrip().startswith("<form")
    valid = client.post(new, data=form(first), headers={"HX-Request": "true"})
    assert valid.status_code == 204 and "/workshops/" in valid.headers["HX-Redirect"]
    assert count_workshops() == 1


@pytest.mark.parametrize("role", ["participant", "moderator"])
def test_others_cannot_create_or_edit(client, setting, factory, role):
    consultation, first, _second, _foreign = setting
    workshop = record(consultation, first, factory.user("organiser"))
    login(client, factory.user(role))
    assert client.get(f"/c/{consultation.slug}/workshops/new").status_code == 403
    assert client.post(f"/c/{consultation.slug}/workshops/new",
                       data=form(first)).status_code == 403
    edit = f"/c/{consultation.slug}/workshops/{workshop.id}/edit"
    assert client.post(edit, data=form(first, title="Pirate")).status_code == 403
    assert count_workshops() == 1
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).title == "Atelier"


def test_anonymous_visitors_are_sent_to_log_in(client, setting):
    consultation, first, _second, _foreign = setting
    response = client.post(f"/c/{consultation.slug}/workshops/new", data=form(first))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count_workshops() == 0


def test_workshops_of_another_consultation_are_404(client, setting, factory):
    consultation, first, _second, _foreign = setting
    workshop = record(consultation, first, factory.user("organiser"))
    other = factory.consultation()
    assert client.get(f"/c/{other.slug}/workshops/{workshop.id}").status_code == 404
    assert client.get(f"/c/{consultation.slug}/workshops/{workshop.id + 1}").status_code == 404
    assert client.get("/c/nowhere/workshops").status_code == 404


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start:html.index("</table>", start)]


def _row(table: str, code: str) -> str:
    """The text of the count cell of row ``code`` (tags removed)."""
    import re

    start = table.index(f'data-code="{code}"')
    cell = table[table.index('<td class="num">', start):table.index("</td>", start)]
    return re.sub(r"<[^>]+>", "", cell.removeprefix('<td class="num">')).strip()
