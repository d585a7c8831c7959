"""roadmap: a participatory territorial roadmap platform."""
from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from flask import Flask

from roadmap import config as settings
from roadmap.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Every module that registers a background job handler (@job_handler): imported by the web
# processes and the worker alike, so that both know every kind. Missing ones are skipped.
JOB_MODULES = (
    "roadmap.core.mail",
    "roadmap.accounts.jobs",
    "roadmap.territory.jobs",
    "roadmap.exports.services",
    "roadmap.core.sms",
    "roadmap.verification.jobs",
    "roadmap.media.jobs",
)


def create_app(config: dict | None = None) -> Flask:
    """Create the application; ``config`` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ROADMAP_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.update(config)

    from roadmap.core.routing import install_converters

    install_converters(app)  # before any route: <int:...> stops at the database's range
    _init_extensions(app)
    _import_job_modules()
    _register_blueprints(app)
    _register_cli(app)

    from roadmap.core.assets import init_assets
    from roadmap.core.errors import register_error_handlers
    from roadmap.core.security import init_security
    from roadmap.core.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)
    init_assets(app)  # fingerprinted static URLs
    init_security(app)  # headers, sessions, rate limits (after the blueprints: it wraps views)
    return app


def _init_extensions(app: Flask) -> None:
    from roadmap.core.database import configure_sqlite
    from roadmap.core.i18n import install_template_gettext, select_locale
    from roadmap.core.tasks import init_tasks

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    install_template_gettext(app)
    init_tasks(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _import_models()


def _import_models() -> None:
    """Import every model module so that metadata and Alembic see all tables."""
    from roadmap.accounts import models as _accounts  # noqa: F401
    from roadmap.audit import models as _audit  # noqa: F401
    from roadmap.consultations import models as _consultations  # noqa: F401
    from roadmap.core import jobs as _jobs  # noqa: F401
    from roadmap.core import mail as _mail  # noqa: F401
    from roadmap.media import models as _media  # noqa: F401
    from roadmap.moderation import models as _moderation  # noqa: F401
    from roadmap.participation import models as _participation  # noqa: F401
    from roadmap.proposals import models as _proposals  # noqa: F401
    from roadmap.ranking import models as _ranking  # noqa: F401
    from roadmap.roadmaps import models as _roadmaps  # noqa: F401
    from roadmap.territory import models as _territory  # noqa: F401
    from roadmap.core import sms as _sms  # noqa: F401
    from roadmap.verification import models as _verification  # noqa: F401


def _import_job_modules() -> None:
    """Import :data:`JOB_MODULES` (those that exist), so every job kind has its handler."""
    for name in JOB_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _register_blueprints(app: Flask) -> None:
    """Register every domain's blueprints, in the order of the layers."""
    from roadmap.accounts.admin import bp as accounts_admin
    from roadmap.accounts.views import bp as accounts
    from roadmap.consultations.admin import bp as consultations_admin
    from roadmap.consultations.views import bp as consultations
    from roadmap.exports.api import bp as api
    from roadmap.exports.views import bp as exports
    from roadmap.maps.features import bp as features
    from roadmap.maps.views import bp as maps
    from roadmap.moderation.views import bp as moderation
    from roadmap.participation.views import bp as participation
    from roadmap.proposals.views import bp as proposals
    from roadmap.ranking.views import bp as ranking
    from roadmap.roadmaps.views import bp as roadmaps
    from roadmap.territory.views import bp as territory
    from roadmap.verification.admin import bp as verification_admin
    from roadmap.verification.views import bp as verification
    from roadmap.helpdesk.views import bp as helpdesk
    from roadmap.media.views import bp as media

    for blueprint in (consultations, consultations_admin, territory, accounts, accounts_admin,
                      verification, verification_admin, proposals, participation, moderation,
                      helpdesk, ranking, roadmaps, maps, features, exports, api, media):
        app.register_blueprint(blueprint)
    # The territories' back office; importing it registers the territory.import job handler.
    from roadmap.territory.admin import bp as territory_admin
    app.register_blueprint(territory_admin)


def _register_cli(app: Flask) -> None:
    """Register the command-line groups and commands (``flask --app roadmap ...``)."""
    from roadmap.accounts.cli import users_cli
    from roadmap.consultations.cli import consultations_cli
    from roadmap.core.tasks import worker_command
    from roadmap.demo import demo_command
    from roadmap.exports.cli import export_command
    from roadmap.media.cli import media_cli
    from roadmap.roadmaps import cli as _roadmaps_cli  # noqa: F401  (media adopt-progress-photos)
    from roadmap.ops.backup_cli import backup_command, restore_command
    from roadmap.ops.check import check_command
    from roadmap.participation.cli import notifications_cli
    from roadmap.ranking.cli import consolidate_command
    from roadmap.territory.cli import territory_cli
    from roadmap.verification.cli import verification_cli

    for command in (territory_cli, users_cli, consultations_cli, demo_command,
                    notifications_cli, verification_cli,
                    consolidate_command, export_command, check_command, backup_command,
                    restore_command, worker_command, media_cli):
        app.cli.add_command(command)
