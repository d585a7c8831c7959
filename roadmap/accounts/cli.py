"""``flask users ...`` commands: create an admin, give a role, invite, list the accounts."""
from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from flask import current_app
from flask_babel import force_locale

from roadmap.accounts import invitations, services
from roadmap.accounts.models import ROLES, STAKEHOLDER_TYPES
from roadmap.config import LANGUAGES
from roadmap.accounts.queries import all_users
from roadmap.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


def _admin_password(given: str | None) -> str:
    """The password from ``--password``, else ``ROADMAP_ADMIN_PASSWORD``, else a hidden prompt."""
    if given:
        return given
    from_env = os.environ.get("ROADMAP_ADMIN_PASSWORD")
    if from_env:
        return from_env
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create-admin")
@click.option("--email", required=True, help="The admin's email address.")
@click.option("--display-name", required=True, help="The name shown on the platform.")
@click.option("--password", default=None,
              help="At least 12 characters. Default: $ROADMAP_ADMIN_PASSWORD, else a prompt.")
def create_admin_command(email: str, display_name: str, password: str | None) -> None:
    """Create an admin account."""
    try:
        user = services.create_admin(email, display_name, _admin_password(password))
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Admin account created: {user.email}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role_command(email: str, role: str) -> None:
    """Give the account of EMAIL the ROLE."""
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account uses {services.normalise_email(email)}.")
    try:
        services.set_role(user, role)
    except services.AccountError as error:
        db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("invite")
@click.argument("email")
@click.option("--role", required=True, help="helpdesk, moderator, organiser or admin.")
@click.option("--stakeholder-type", default="public_service", show_default=True,
              help=f"One of: {', '.join(STAKEHOLDER_TYPES)}.")
@click.option("--organisation", default=None, help="The service, council or association.")
@click.option("--commune", default=None, help="The home commune: its code (or name).")
@click.option("--name", default=None, help="A display name the invitee may change.")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="The language of the mail (default: Arabic).")
def invite_command(email: str, role: str, stakeholder_type: str, organisation: str | None,
                   commune: str | None, name: str | None, language: str | None) -> None:
    """Invite EMAIL to take a role: a single-use link is mailed (or kept in the outbox)."""
    with force_locale("en"):
        try:
            invitation, link = invitations.invite(
                email, role, None, stakeholder_type=stakeholder_type, organisation=organisation,
                commune=commune, display_name=name, language=language)
        except services.AccountError as error:
            db.session.rollback()
            raise click.ClickException(str(error.args[0])) from None
    db.session.commit()
    where = (f"sent over SMTP ({current_app.config['MAIL_SERVER']})"
             if current_app.config.get("MAIL_SERVER") else "kept in the outbox (/admin/outbox)")
    click.echo(f"Invited {invitation.email} as {invitation.role}; the link, valid until "
               f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC, was {where}.")


@users_cli.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None, help="Only accounts of this role.")
def list_command(role: str | None) -> None:
    """List the accounts: email, role, display name, and whether disabled or demo."""
    for user in all_users(role):
        marks = [] if user.active else ["disabled"]
        marks += ["demo"] if user.is_demo else []
        suffix = f"  ({', '.join(marks)})" if marks else ""
        click.echo(f"{user.email:<40} {user.role:<12} {user.display_name}{suffix}")
