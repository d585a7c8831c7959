"""``flask users create-admin | set-role | list``."""
from __future__ import annotations

from roadmap.accounts import services


def test_create_admin_with_a_password_option(runner):
    result = runner.invoke(args=["users", "create-admin", "--email", " Root@Example.org",
                                 "--display-name", "Root", "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    admin = services.user_by_email("root@example.org")
    assert admin.role == "admin" and admin.display_name == "Root"
    assert services.verify_password(admin.password_hash, "a long admin password")


def test_create_admin_reads_the_environment_then_prompts(runner, monkeypatch):
    monkeypatch.setenv("ROADMAP_ADMIN_PASSWORD", "password from the environment")
    result = runner.invoke(args=["users", "create-admin", "--email", "env@example.org",
                                 "--display-name", "Env"])
    assert result.exit_code == 0, result.output
    assert services.verify_password(services.user_by_email("env@example.org").password_hash,
                                    "password from the environment")
    monkeypatch.delenv("ROADMAP_ADMIN_PASSWORD")
    result = runner.invoke(args=["users", "create-admin", "--email", "typed@example.org",
                                 "--display-name", "Typed"],
                           input="a typed admin password\na typed admin password\n")
    assert result.exit_code == 0, result.output
    assert "a typed admin password" not in result.output  # hidden input
    assert services.verify_password(services.user_by_email("typed@example.org").password_hash,
                                    "a typed admin password")


def test_create_admin_refuses_short_passwords_cleanly(runner, monkeypatch):
    monkeypatch.delenv("ROADMAP_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "create-admin", "--email", "short@example.org",
                                 "--display-name", "Short", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output and "Traceback" not in result.output
    assert services.user_by_email("short@example.org") is None


def test_create_admin_refuses_a_known_email(runner, make_user):
    make_user("amina@example.org")
    result = runner.invoke(args=["users", "create-admin", "--email", "amina@example.org",
                                 "--display-name", "A", "--password", "a long admin password"])
    assert result.exit_code == 1 and "set-role" in result.output
    assert services.user_by_email("amina@example.org").role == "participant"


def test_set_role(runner, make_user):
    make_user("amina@example.org")
    result = runner.invoke(args=["users", "set-role", "AMINA@example.org", "moderator"])
    assert result.exit_code == 0, result.output
    assert services.user_by_email("amina@example.org").role == "moderator"
    assert runner.invoke(args=["users", "set-role", "amina@example.org", "king"]).exit_code == 2
    unknown = runner.invoke(args=["users", "set-role", "nobody@example.org", "admin"])
    assert unknown.exit_code == 1 and "No account" in unknown.output


def test_set_role_keeps_one_admin(runner, make_user):
    make_user("root@example.org", role="admin")
    result = runner.invoke(args=["users", "set-role", "root@example.org", "participant"])
    assert result.exit_code == 1 and "last admin" in result.output
    assert services.user_by_email("root@example.org").role == "admin"


def test_list(runner, make_user):
    make_user("amina@example.org")
    make_user("root@example.org", role="admin", display_name="Root")
    result = runner.invoke(args=["users", "list", "--role", "admin"])
    assert result.exit_code == 0
    assert "root@example.org" in result.output and "amina@example.org" not in result.output
