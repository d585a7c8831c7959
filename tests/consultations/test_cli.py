"""``flask consultations create|publish|archive|list``: what each prints, writes and refuses."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.audit.models import AuditEntry
from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.extensions import db
from roadmap.ranking.models import EvaluationCriterion


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def written() -> tuple:
    return (count(Consultation), count(StrategicAxis), count(EvaluationCriterion),
            count(AuditEntry))


def create(runner, *args):
    return runner.invoke(args=["consultations", "create", *args])


def by_slug(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def test_create_publish_archive_and_list(factory, runner):
    factory.prefecture()
    result = create(runner, "safi-2027", "--territory", "99.999", "--title", "ar=استشارة آسفي",
                    "--title", "fr=Consultation de Safi", "--description", "fr=Une description")
    assert result.exit_code == 0, result.output
    assert "Draft consultation created: safi-2027" in result.output
    consultation = by_slug("safi-2027")
    assert consultation.status == "draft" and len(consultation.axes) == 4
    assert consultation.title_i18n == {"ar": "استشارة آسفي", "fr": "Consultation de Safi"}
    assert consultation.description_i18n == {"fr": "Une description"}
    assert count(EvaluationCriterion) == 5
    listed = runner.invoke(args=["consultations", "list"])
    assert "safi-2027\tdraft\t99.999\t-\tConsultation de Safi" in listed.output
    result = runner.invoke(args=["consultations", "publish", "safi-2027"])
    assert result.exit_code == 0 and "Published: safi-2027" in result.output
    assert consultation.status == "published"
    result = runner.invoke(args=["consultations", "archive", "safi-2027"])
    assert result.exit_code == 0 and "Archived: safi-2027" in result.output
    assert consultation.status == "archived"
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.actor_label)
                                 .order_by(AuditEntry.id)).all()
    assert [tuple(e) for e in entries] == [("consultation.create", "system"),
                                           ("consultation.publish", "system"),
                                           ("consultation.archive", "system")]


def test_create_with_no_axes_or_a_copy(factory, runner):
    source = factory.consultation(slug="the-source", report_threshold=6)
    assert create(runner, "empty-one", "--territory", "99.999", "--title", "fr=Vide",
                  "--axes", "none").exit_code == 0
    assert by_slug("empty-one").axes == []
    result = create(runner, "copied-one", "--territory", "99.999", "--title", "fr=Copie",
                    "--axes", "copy:the-source")
    assert result.exit_code == 0, result.output
    copied = by_slug("copied-one")
    assert [a.code for a in copied.axes] == [a.code for a in source.axes]
    assert copied.report_threshold == 6


@pytest.mark.parametrize("args, message", [
    (["bad slug", "--territory", "99.999", "--title", "fr=X"], "lowercase Latin letters"),
    (["مراكش", "--territory", "99.999", "--title", "fr=X"], "Arabic letters"),
    (["taken-slug", "--territory", "99.999", "--title", "fr=X"], "already has this web address"),
    (["good-slug", "--territory", "01.001", "--title", "fr=X"], "No prefecture or province"),
    (["good-slug", "--territory", "99.999", "--title", "fr=X", "--axes", "copy:nowhere"],
     "No consultation has the slug 'nowhere'"),
    (["good-slug", "--territory", "99.999", "--title", "fr=X", "--axes", "some"],
     "--axes takes national, none or copy:SLUG"),
    (["good-slug", "--territory", "99.999", "--title", "de=X"], "LANG=TEXT"),
    (["good-slug", "--territory", "99.999", "--title", "fr="], "at least one language"),
])
def test_bad_input_exits_non_zero_and_writes_nothing(factory, runner, args, message):
    factory.consultation(slug="taken-slug")
    db.session.commit()  # the command rolls back on refusal (a savepoint in tests)
    before = written()
    result = create(runner, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert written() == before


def test_refused_transitions_exit_non_zero(factory, runner):
    factory.consultation(slug="already-out")  # published
    draft = factory.consultation(slug="a-draft", status="draft")
    db.session.commit()
    before = written()
    result = runner.invoke(args=["consultations", "publish", "already-out"])
    assert result.exit_code == 1 and "Only a draft can be published" in result.output
    result = runner.invoke(args=["consultations", "archive", "a-draft"])
    assert result.exit_code == 1 and "Only a published consultation" in result.output
    result = runner.invoke(args=["consultations", "publish", "missing"])
    assert result.exit_code == 1 and "No consultation has the slug" in result.output
    assert written() == before and draft.status == "draft"
