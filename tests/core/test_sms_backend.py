"""The SMS backends (on SQLite and PostgreSQL): the outbox keeps the message with a masked
number and nothing sealed; the HTTP backend sends it through a real local gateway from the job
``sms.send`` (run by the tests' queue at commit), retries what the gateway refused, and erases
the sealed number once sent and after the last failed attempt."""
from __future__ import annotations

import json
import urllib.parse

import pytest
from sqlalchemy import select

from roadmap.core.jobs import BackgroundJob
from roadmap.core.keys import unseal
from roadmap.core.sms import SMS_RETRIES, SmsMessage, send_sms
from roadmap.extensions import db
from tests.sms_gateway import sms_gateway

NUMBER = "+212661234567"
TEXT = 'Code 123456 "quoted" & 50% — رمزك\nline two'


def _http(app, monkeypatch, url, **settings):
    values = {"ROADMAP_SMS_BACKEND": "http", "ROADMAP_SMS_HTTP_URL": url,
              "ROADMAP_SMS_HTTP_METHOD": "POST",
              "ROADMAP_SMS_HTTP_HEADERS": '{"Authorization": "Bearer test-token"}',
              "ROADMAP_SMS_HTTP_BODY": '{"to": "{to}", "text": "{message}"}', **settings}
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


def _job_of(message) -> BackgroundJob:
    return db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == "sms.send")
                              ).all()[-1]


def _run_scheduled_retry(app):
    """Run the retry the queue scheduled (immediate mode keeps it), as the consumer would."""
    huey = app.extensions["huey"]
    [task] = huey.scheduled()
    huey.storage.flush_schedule()
    huey.execute(task, timestamp=task.eta)
    db.session.expire_all()


def test_the_outbox_keeps_the_message_masked_and_seals_nothing(app):
    message = send_sms(NUMBER, "Your code is 123456")
    db.session.commit()
    assert message.backend == "outbox" and message.recipient_masked == "+212 6•••••567"
    assert message.recipient_sealed is None and message.sent_at is None
    assert db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "sms.send")) is None


def test_the_http_backend_sends_json_with_the_headers_and_erases_the_number(app, monkeypatch):
    with sms_gateway() as gateway:
        _http(app, monkeypatch, gateway.url + "/api/send")
        message = send_sms(NUMBER, TEXT)
        assert unseal(message.recipient_sealed) == NUMBER  # sealed until the job sent it
        assert gateway.received == []  # nothing before the commit
        db.session.commit()
    [request] = gateway.received
    assert request.method == "POST" and request.path == "/api/send"
    assert request.headers["Authorization"] == "Bearer test-token"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request.body.decode("utf-8")) == {"to": NUMBER, "text": TEXT}
    assert message.sent_at is not None and message.recipient_sealed is None
    assert message.error is None and _job_of(message).state == "done"
    assert NUMBER not in json.dumps(_job_of(message).payload)


def test_a_form_body_is_url_encoded_and_a_get_carries_the_query(app, monkeypatch):
    with sms_gateway() as gateway:
        _http(app, monkeypatch, gateway.url + "/form", ROADMAP_SMS_HTTP_HEADERS="{}",
              ROADMAP_SMS_HTTP_BODY="to={to}&text={message}&from=Roadmap")
        send_sms(NUMBER, TEXT)
        db.session.commit()
        _http(app, monkeypatch, gateway.url + "/get?to={to}&msg={message}",
              ROADMAP_SMS_HTTP_METHOD="GET")
        send_sms(NUMBER, TEXT)
        db.session.commit()
    form, query = gateway.received
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(form.body.decode()) == {"to": [NUMBER], "text": [TEXT],
                                                         "from": ["Roadmap"]}
    assert query.method == "GET" and query.body == b""
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(query.path).query) == {
        "to": [NUMBER], "msg": [TEXT]}


def test_a_refusal_is_retried_then_sent(app, monkeypatch):
    with sms_gateway(500) as gateway:
        _http(app, monkeypatch, gateway.url + "/send")
        message = send_sms(NUMBER, "Your code is 123456")
        db.session.commit()
        db.session.expire_all()
        job = _job_of(message)
        assert job.state == "queued" and job.attempts == 1 and "500" in job.error
        assert message.sent_at is None and "500" in message.error
        assert message.recipient_sealed is not None  # kept for the next attempt
        assert NUMBER not in job.error and NUMBER[1:] not in message.error
        _run_scheduled_retry(app)
    assert len(gateway.received) == 2
    assert all(json.loads(r.body)["to"] == NUMBER for r in gateway.received)
    job = _job_of(message)
    assert job.state == "done" and job.attempts == 2
    assert message.sent_at is not None and message.recipient_sealed is None
    assert message.error is None


def test_after_the_last_failed_attempt_the_number_is_erased(app, monkeypatch):
    with sms_gateway(*[503] * (SMS_RETRIES + 1)) as gateway:
        _http(app, monkeypatch, gateway.url + "/send")
        message = send_sms(NUMBER, "Your code is 123456")
        db.session.commit()
        for _ in range(SMS_RETRIES):
            _run_scheduled_retry(app)
    assert len(gateway.received) == SMS_RETRIES + 1
    job = _job_of(message)
    assert job.state == "failed" and job.attempts == SMS_RETRIES + 1
    assert message.sent_at is None and message.recipient_sealed is None
    assert "503" in message.error


def test_an_unreachable_gateway_is_a_failure_too(app, monkeypatch):
    from tests.scale.workers import free_port

    _http(app, monkeypatch, f"http://127.0.0.1:{free_port()}/send")
    message = send_sms(NUMBER, "Your code is 123456")
    db.session.commit()
    db.session.expire_all()
    assert _job_of(message).state == "queued" and "could not be reached" in message.error


def test_an_unknown_backend_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "ROADMAP_SMS_BACKEND", "carrier-pigeon")
    with pytest.raises(ValueError):
        send_sms(NUMBER, "x")


def test_the_admin_outbox_lists_the_text_messages(app, factory):
    from tests.conftest import login

    send_sms(NUMBER, "Votre code est 123456")
    db.session.commit()
    client = app.test_client()
    login(client, factory.user("admin"))
    html = client.get("/admin/outbox?lang=fr").get_data(as_text=True)
    assert "+212 6•••••567" in html and "Votre code est 123456" in html
    assert NUMBER not in html
