#!/usr/bin/env bash
# Development server: the web app and the task-queue worker side by side (`make run`).
# Ctrl-C stops both. HOST and PORT choose the address (default 127.0.0.1:5000).
set -u
FLASK="${FLASK:-.venv/bin/flask} --app roadmap"
# The demo offers every verification method; SMS go to the outbox (/admin/outbox) unless
# ROADMAP_SMS_BACKEND=http is set. A real installation chooses its methods itself.
export ROADMAP_VERIFICATION_METHODS="${ROADMAP_VERIFICATION_METHODS:-residents_list,code,sms}"
$FLASK worker &
worker=$!
trap 'kill -INT "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
$FLASK run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
