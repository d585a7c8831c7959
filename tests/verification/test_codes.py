"""In-person codes: the back office generates a batch, a background job prints the slips (a PDF
in Arabic and French) and erases the sealed codes; residents verify with a code; the CLI
(on SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadmap.core.jobs import BackgroundJob, JobFile
from roadmap.core.keys import unseal
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.verification import codes
from roadmap.verification.jobs import start_slips
from roadmap.verification.models import CodeBatch, Verification, VerificationCode
from tests.conftest import login

CODE = re.compile(r"\d{4} \d{4} \d{4}")


def pdf_text(body: bytes) -> str:
    """The text of a PDF (poppler's pdftotext)."""
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture
def setting(factory):
    commune = factory.commune(name_ar="تسلطانت", name_fr="Tassoultante")
    consultation = factory.consultation("voting")
    return consultation, commune, factory.user("organiser")


def test_the_back_office_prints_slips_and_the_job_erases_the_codes(app, client, setting):
    consultation, commune, organiser = setting
    login(client, organiser)
    answer = client.post("/admin/verification/batches/new", data={
        "consultation": consultation.id, "count": 7, "commune": commune.id,
        "expires_on": (utcnow() + timedelta(days=30)).date().isoformat(), "label": "Atelier"})
    assert answer.status_code == 303
    batch = db.session.scalar(select(CodeBatch).where(CodeBatch.consultation_id ==
                                                      consultation.id))
    job = db.session.get(BackgroundJob, batch.job_id)
    assert job.state == "done" and job.kind == "verification.slips"
    assert "codes" not in job.payload and job.payload["codes_erased"] is True
    page = client.get("/admin/verification").get_data(as_text=True)
    assert f'id="batch-{batch.id}"' in page and 'data-size="7"' in page
    slips = client.get(f"/admin/verification/batches/{batch.id}/slips.pdf")
    assert slips.status_code == 200 and slips.mimetype == "application/pdf"
    assert slips.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(slips.data)
    printed = CODE.findall(text)
    assert len(set(printed)) == 7
    # The printed codes are the batch's (only their hashes are stored), and they work.
    from tests.conftest import Factory

    user = Factory().user()
    verification = codes.verify_with_code(user, printed[0])
    assert verification.commune_id == commune.id
    for plain in printed:
        assert plain.replace(" ", "") not in page
    assert "Tassoultante" in text and "تسلطانت" in text
    # Revoking deletes the PDF.
    assert client.post(f"/admin/verification/batches/{batch.id}/revoke").status_code == 303
    assert db.session.get(JobFile, job.id) is None
    assert client.get(f"/admin/verification/batches/{batch.id}/slips.pdf").status_code == 404
    assert 'data-state="revoked"' in client.get("/admin/verification").get_data(as_text=True)


def test_a_revoked_batch_whose_job_has_not_run_loses_its_sealed_codes(app, setting):
    consultation, commune, organiser = setting
    batch, plain = codes.create_batch(consultation, 3, by=organiser)
    job = start_slips(batch, plain, by=organiser)  # flushed, not committed: not run yet
    assert json.loads(unseal(job.payload["codes"])) == plain
    codes.revoke_batch(batch, by=organiser)
    assert "codes" not in job.payload
    db.session.expire_all()
    assert "codes" not in db.session.get(BackgroundJob, job.id).payload


def test_the_slips_are_in_arabic_and_french_with_the_instructions(app, setting):
    from flask_babel import force_locale, gettext

    from roadmap.verification.slips import slips_pdf

    consultation, commune, organiser = setting
    batch, plain = codes.create_batch(consultation, 6, commune=commune,
                                      expires_at=codes.end_of_day(utcnow().date()))
    text = pdf_text(slips_pdf(batch, plain))
    for code in plain:
        assert codes.format_code(code) in text
    for language in ("ar", "fr"):
        with force_locale(language):
            title = gettext("Your verification code")
        assert title.split()[0] in text
    with force_locale("ar"):
        assert gettext("Your verification code") != "Your verification code"
    assert re.search(r"[\u0600-\u06FF]{3,}", text)
    assert "/verify/code" in text


@pytest.mark.usefixtures("english_request")
def test_expired_used_revoked_and_wrong_codes_are_refused_with_a_message(app, client, setting,
                                                                        factory):
    consultation, commune, organiser = setting
    live, [good, spare] = codes.create_batch(consultation, 2)
    old, [late] = codes.create_batch(consultation, 1,
                                     expires_at=utcnow() + timedelta(minutes=5))
    old.expires_at = utcnow() - timedelta(days=1)
    gone, [withdrawn] = codes.create_batch(consultation, 1)
    codes.revoke_batch(gone)
    codes.verify_with_code(factory.user(), good)
    user = factory.user()
    db.session.commit()  # the views roll back what they refuse: keep the setup
    login(client, user)
    cases = {good: "already used", late: "expired", withdrawn: "withdrawn",
             "1234 5678 0000": "not valid", "12AB": "digits only", "": "Enter the code"}
    for typed, message in cases.items():
        answer = client.post("/verify/code?lang=en", data={"code": typed})
        assert answer.status_code == 422, (typed, answer.headers.get("Location"))
        assert message in answer.get_data(as_text=True), typed
    assert db.session.scalar(select(func.count()).select_from(Verification).where(
        Verification.user_id == user.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(VerificationCode).where(
        VerificationCode.used_by_id == user.id)) == 0
    # Arabic-Indic digits and spaces are accepted; next is followed only on this site.
    arabic = spare.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    answer = client.post("/verify/code", data={"code": arabic[:4] + " " + arabic[4:],
                                               "next": "https://evil.example/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/verify"
    db.session.refresh(user)
    assert user.verification_method == "code"


def test_only_confirmed_accounts_verify(app, client, setting, factory):
    consultation, commune, organiser = setting
    _batch, [plain] = codes.create_batch(consultation, 1)
    user = factory.user(email_confirmed_at=None)
    login(client, user)
    assert client.get("/verify/code").status_code == 403
    assert client.post("/verify/code", data={"code": plain}).status_code == 403
    assert db.session.get(VerificationCode, db.session.scalar(
        select(VerificationCode.id).where(VerificationCode.code_hash != ""))).used_at is None


def test_the_command_line_writes_the_slips(app, runner, setting, tmp_path):
    consultation, commune, organiser = setting
    output = tmp_path / "codes.pdf"
    result = runner.invoke(args=["verification", "codes", consultation.slug, "--count", "4",
                                 "--commune", commune.code, "--expires", "2099-12-31",
                                 "--label", "Bureau", "-o", str(output)])
    assert result.exit_code == 0, result.output
    batch_id = int(re.search(r"Batch (\d+)", result.output).group(1))
    batch = db.session.get(CodeBatch, batch_id)
    assert batch.size == 4 and batch.commune_id == commune.id and batch.label == "Bureau"
    text = pdf_text(output.read_bytes())
    printed = CODE.findall(text)
    assert len(set(printed)) == 4
    assert re.search(r"[\u0600-\u06FF]{3,}", text)
    assert codes.verify_with_code(_new_user(), printed[1]).source_id is not None


def _new_user():
    from tests.conftest import Factory

    return Factory().user()


@pytest.mark.parametrize("args, message", [
    (["no-such-slug", "--count", "3"], "No consultation has the slug"),
    (["{slug}", "--count", "0"], "--count must be from 1"),
    (["{slug}", "--count", "3", "--commune", "nowhere"], "No commune has the code"),
    (["{slug}", "--count", "3", "--expires", "31/12/2099"], "--expires takes a date"),
    (["{slug}", "--count", "3", "--expires", "2001-01-01"], "The expiry must be in the future"),
])
def test_the_command_line_refuses_bad_input_and_writes_nothing(app, runner, setting, tmp_path,
                                                               args, message):
    consultation = setting[0]
    output = tmp_path / "codes.pdf"
    result = runner.invoke(args=["verification", "codes",
                                 *[a.format(slug=consultation.slug) for a in args],
                                 "-o", str(output)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert not output.exists()
    assert db.session.scalar(select(func.count()).select_from(CodeBatch)) == 0
