"""The demo consultation: real communes, synthetic participation, every synthetic row marked.

``flask --app roadmap demo`` loads it; running it again changes nothing. The consultation, its
axes and the communes (with their HCP census figures) are set up as a real prefecture would;
the accounts, proposals, supports and comments are synthetic and carry ``is_demo = True``,
which the pages show with a "Demo content" badge.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta

import click
from sqlalchemy import func, select

from roadmap.accounts.models import User
from roadmap.consultations.models import Consultation, StrategicAxis
from roadmap.consultations.services import NATIONAL_AXES
from roadmap.core.models import utcnow
from roadmap.extensions import db
from roadmap.participation.models import Comment, Vote
from roadmap.proposals.models import Proposal
from roadmap.proposals.services import refresh_search_text
from roadmap.territory.models import Commune, Prefecture

SLUG = "marrakech-2026-2028"
SEED = 2026

TITLE = {
    "ar": "برنامج التنمية الترابية المندمجة 2026-2028، عمالة مراكش",
    "fr": "Programme de développement territorial intégré 2026-2028, Préfecture de Marrakech",
    "en": "Integrated territorial development programme 2026-2028, Prefecture of Marrakech",
}
DESCRIPTION = {
    "ar": "مشاورة تشاركية لتحديد أولويات التنمية جماعة بجماعة، تُختتم بخريطة طريق تشاركية. "
          "(محتوى تجريبي)",
    "fr": "Consultation participative pour fixer les priorités de développement commune par "
          "commune ; elle aboutit à une feuille de route participative. (contenu de démonstration)",
    "en": "A participatory consultation to set development priorities commune by commune, ending "
          "in a participatory roadmap. (demo content)",
}
AXES = NATIONAL_AXES  # the four national axes, as a new consultation gets them


@dataclass(frozen=True)
class DemoAccount:
    """A demo account; its password is public (README), so it is for local demos only."""

    role: str
    email: str
    password: str
    display_name: str
    stakeholder_type: str = "citizen"


ACCOUNTS = [
    DemoAccount("admin", "admin@demo.roadmap.test", "demo-admin-password", "Admin (démo)",
                "public_service"),
    DemoAccount("organiser", "organiser@demo.roadmap.test", "demo-organiser-password",
                "Organisatrice (démo)", "public_service"),
    DemoAccount("moderator", "moderator@demo.roadmap.test", "demo-moderator-password",
                "Modérateur (démo)", "public_service"),
    DemoAccount("helpdesk", "helpdesk@demo.roadmap.test", "demo-helpdesk-password",
                "Guichet (démo)", "public_service"),
    DemoAccount("participant", "participant@demo.roadmap.test", "demo-participant-password",
                "مشارك (تجريبي)"),
]

# Synthetic proposal ideas per axis: (title_ar, body_ar, title_fr, body_fr).
IDEAS = {
    "employment": [
        ("مركز لمواكبة حاملي المشاريع الشباب", "إحداث فضاء لمواكبة الشباب في إنشاء المقاولات الصغيرة والتعاونيات.",
         "Centre d'accompagnement des jeunes porteurs de projets", "Créer un espace qui accompagne les jeunes dans la création de petites entreprises et de coopératives."),
        ("سوق أسبوعي منظم للتعاونيات النسائية", "تخصيص فضاء مجهز لتسويق منتوجات التعاونيات النسائية.",
         "Souk hebdomadaire pour les coopératives féminines", "Aménager un espace équipé pour vendre les produits des coopératives de femmes."),
        ("تكوين مهني في الصناعة التقليدية", "برنامج تكوين بالتدرج المهني في الحرف التقليدية لفائدة الشباب.",
         "Formation professionnelle aux métiers de l'artisanat", "Un programme d'apprentissage des métiers de l'artisanat pour les jeunes."),
    ],
    "social-services": [
        ("توسيع المركز الصحي وتوفير طبيب قار", "المركز الصحي الحالي لا يكفي، ونطالب بطبيب قار ومداومة ليلية.",
         "Agrandir le centre de santé et y affecter un médecin", "Le centre de santé actuel ne suffit plus ; il faut un médecin permanent et une garde de nuit."),
        ("النقل المدرسي لتلاميذ الدواوير", "توفير حافلات للنقل المدرسي لتقليص الهدر المدرسي خاصة لدى الفتيات.",
         "Transport scolaire pour les élèves des douars", "Des bus scolaires pour réduire l'abandon scolaire, surtout chez les filles."),
        ("دار الطالبة قرب الإعدادية", "بناء دار للطالبة لتمكين الفتيات من متابعة الدراسة.",
         "Dar Taliba près du collège", "Construire un internat pour permettre aux filles de poursuivre leurs études."),
    ],
    "water": [
        ("ربط الدواوير بشبكة الماء الصالح للشرب", "عدة دواوير ما زالت تعتمد على الآبار والصهاريج.",
         "Raccorder les douars au réseau d'eau potable", "Plusieurs douars dépendent encore des puits et des citernes."),
        ("إعادة استعمال المياه العادمة المعالجة لسقي المساحات الخضراء", "استعمال المياه المعالجة بدل الماء الصالح للشرب في السقي.",
         "Réutiliser les eaux usées traitées pour l'arrosage", "Arroser les espaces verts avec de l'eau traitée plutôt qu'avec de l'eau potable."),
        ("تأهيل الخطارات والسواقي", "ترميم الخطارات التقليدية للحفاظ على الفرشة المائية.",
         "Réhabiliter les khettaras et les seguias", "Restaurer les khettaras traditionnelles pour préserver la nappe."),
    ],
    "territorial-upgrading": [
        ("تعبيد الطريق الرابطة بين الدوار والطريق الإقليمية", "الطريق غير معبدة وتنقطع في فصل الشتاء.",
         "Goudronner la piste reliant le douar à la route provinciale", "La piste n'est pas goudronnée et devient impraticable en hiver."),
        ("الإنارة العمومية في الأحياء الناقصة التجهيز", "تعميم الإنارة العمومية لتحسين الأمن خاصة للنساء.",
         "Éclairage public dans les quartiers sous-équipés", "Généraliser l'éclairage public pour améliorer la sécurité, notamment des femmes."),
        ("جمع النفايات بانتظام", "تنظيم جمع النفايات ووضع حاويات كافية.",
         "Collecte régulière des déchets", "Organiser une collecte régulière et installer assez de conteneurs."),
    ],
}
COMMENTS = [
    "أوافق، هذه أولوية حقيقية في جماعتنا. (تعليق تجريبي)",
    "يجب إشراك الجمعيات المحلية في التنفيذ. (تعليق تجريبي)",
    "Je soutiens, c'est urgent pour les familles du quartier. (commentaire de démonstration)",
    "Il faudrait préciser le coût et le calendrier. (commentaire de démonstration)",
]
PARTICIPANTS = 40
PROPOSALS = 48


def load_demo(echo=print) -> Consultation:
    """Load the demo consultation and its synthetic participation; idempotent. Flushes only."""
    prefecture = _ensure_communes(echo)
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    if consultation is None:
        consultation = Consultation(slug=SLUG, prefecture=prefecture, title_i18n=TITLE,
                                    description_i18n=DESCRIPTION, is_demo=True, status="published",
                                    voting_during_proposals=True)
        for position, (code, title) in enumerate(AXES, start=1):
            consultation.axes.append(StrategicAxis(code=code, position=position,
                                                   title_i18n=title))
        db.session.add(consultation)
        db.session.flush()
    if not consultation.phases:
        _add_phases(consultation)
    _ensure_accounts()
    if not db.session.scalar(select(func.count(Proposal.id))
                             .where(Proposal.consultation_id == consultation.id)):
        _add_participation(consultation)
    _add_roadmap(consultation)
    _add_residents_list(prefecture)
    return consultation


# A synthetic residents' list: 30 made-up residents of the demo communes. Their CNIE numbers
# start with "ZZ", which no real card uses, so that testers can verify with them; the list's
# label says it is synthetic. ``flask demo --remove`` removes it with the demo organiser.
RESIDENTS_LABEL = "Liste synthétique de démonstration (numéros fictifs ZZ…) / لائحة تجريبية"
RESIDENTS_COUNT = 30


def resident_communes(prefecture_id: int) -> list[Commune]:
    """The demo communes the synthetic residents live in (the first five by code)."""
    return list(db.session.scalars(select(Commune).where(
        Commune.prefecture_id == prefecture_id).order_by(Commune.code).limit(5)))


def demo_residents(communes: list[Commune]) -> list[tuple[str, date, Commune]]:
    """(CNIE number, date of birth, commune) of the synthetic residents."""
    return [(f"ZZ9000{n:02d}", date(1950 + (n * 7) % 55, n % 12 + 1, (n * 3) % 28 + 1),
             communes[(n - 1) % len(communes)]) for n in range(1, RESIDENTS_COUNT + 1)]


def _add_residents_list(prefecture: Prefecture) -> None:
    from roadmap.verification.models import ResidentList
    from roadmap.verification.residents import CheckedRow, store_list

    if db.session.scalar(select(ResidentList.id).where(ResidentList.label == RESIDENTS_LABEL)):
        return
    communes = resident_communes(prefecture.id)
    organiser = db.session.scalar(select(User).where(User.email == ACCOUNTS[1].email))
    if not communes or organiser is None:
        return
    rows = [CheckedRow(line=line, cnie=cnie, born_on=born_on, commune=commune)
            for line, (cnie, born_on, commune) in enumerate(demo_residents(communes), start=2)]
    store_list(rows, label=RESIDENTS_LABEL, filename=None, by=organiser)


def _add_roadmap(consultation: Consultation) -> None:
    """Evaluate part of the proposals, consolidate, and publish version 1 with progress.

    The demo then shows every phase at once: proposals, evaluation, a published roadmap and its
    implementation, all marked as demo content.
    """
    from roadmap.ranking.models import ConsolidationRun
    from roadmap.ranking.demo import evaluate_demo
    from roadmap.roadmaps.demo import publish_demo_roadmap

    run = evaluate_demo(consultation) or db.session.scalar(
        select(ConsolidationRun).where(ConsolidationRun.consultation_id == consultation.id)
        .order_by(ConsolidationRun.id.desc()))
    if run is not None:
        publish_demo_roadmap(consultation, run)


# The demo's phases, in days from the day it is loaded: proposals are open now, and so is
# voting (the organiser opened it during the proposals phase).
PHASE_DAYS = [("diagnosis", -40, -21), ("proposals", -20, 30), ("voting", 31, 50),
              ("evaluation", 51, 70), ("roadmap", 71, 90), ("implementation", 91, 820)]


def _add_phases(consultation: Consultation) -> None:

    from roadmap.consultations.models import ConsultationPhase
    from roadmap.consultations.phases import today

    start = today()
    for kind, first, last in PHASE_DAYS:
        consultation.phases.append(ConsultationPhase(
            kind=kind, starts_on=start + timedelta(days=first),
            ends_on=start + timedelta(days=last)))
    db.session.flush()


def _ensure_communes(echo) -> Prefecture:
    if not db.session.scalar(select(func.count(Commune.id))):
        from roadmap.territory.services import import_bundled_communes

        echo("Importing the communes of the Prefecture of Marrakech...")
        import_bundled_communes()
    return db.session.scalar(select(Prefecture).order_by(Prefecture.id))


def _ensure_accounts() -> None:
    from roadmap.accounts.services import hash_password

    for account in ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == account.email)) is None:
            db.session.add(User(email=account.email, password_hash=hash_password(account.password),
                                display_name=account.display_name, role=account.role,
                                stakeholder_type=account.stakeholder_type, is_demo=True,
                                email_confirmed_at=utcnow()))
    db.session.flush()


def _random_point(commune: Commune, rng: random.Random) -> tuple[float, float]:
    from shapely.geometry import Point, shape

    polygon = shape(json.loads(commune.geometry))
    while True:
        lon = rng.uniform(commune.min_lon, commune.max_lon)
        lat = rng.uniform(commune.min_lat, commune.max_lat)
        if polygon.contains(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)


def _add_participation(consultation: Consultation) -> None:
    rng = random.Random(SEED)
    communes = list(db.session.scalars(select(Commune).order_by(Commune.code)))
    stakeholders = ["citizen"] * 6 + ["association"] * 2 + ["economic_actor", "elected_official"]
    people = []
    # The synthetic participants joined when the consultation opened, not with their supports:
    # accounts made in the same minute as the supports they give are what the moderators'
    # "suspicious activity" view is for, and the demo should not fill it.
    joined = utcnow() - timedelta(days=30)
    for number in range(1, PARTICIPANTS + 1):
        home = rng.choice(communes)
        people.append(User(
            email=f"citizen{number:03d}@demo.roadmap.test",
            password_hash="!demo-account-without-login",
            display_name=f"مشارك تجريبي {number}" if number % 2 else f"Participant démo {number}",
            stakeholder_type=rng.choice(stakeholders), home_commune=home,
            gender=rng.choice(["woman", "man", "prefer_not_to_say"]),
            age_band=rng.choice(["18_24", "25_34", "35_49", "50_64"]), is_demo=True,
            created_at=joined, email_confirmed_at=joined))
    db.session.add_all(people)
    axes = {axis.code: axis for axis in consultation.axes}
    proposals = []
    for index in range(PROPOSALS):
        commune = communes[index % len(communes)]
        axis_code = AXES[index % len(AXES)][0]
        title_ar, body_ar, title_fr, body_fr = rng.choice(IDEAS[axis_code])
        arabic = rng.random() < 0.6
        lat, lon = _random_point(commune, rng) if rng.random() < 0.75 else (None, None)
        author = rng.choice(people)
        proposals.append(Proposal(
            consultation=consultation, commune=commune, axis=axes[axis_code],
            author=author, author_stakeholder_type=author.stakeholder_type,
            title=title_ar if arabic else title_fr,
            body=(body_ar + "\n(مقترح تجريبي)") if arabic else (body_fr + "\n(proposition de démonstration)"),
            latitude=lat, longitude=lon, sdg_goals=SDGS[axis_code],
            estimated_cost_mad=rng.choice([None, 250_000, 1_200_000, 4_500_000]), is_demo=True))
    db.session.add_all(proposals)
    db.session.flush()
    for proposal in proposals:
        _add_supports_and_comments(proposal, people, rng)
    _add_workshop(consultation, communes, axes, rng)
    _add_pictures(proposals)
    db.session.flush()
    refresh_search_text(proposals)


PICTURES_EVERY = 7  # one proposal in seven shows a (synthetic) picture


def _add_pictures(proposals: list[Proposal]) -> None:
    """Synthetic pictures, labelled as such, on some proposals (the cards and galleries)."""
    from roadmap.media.demo import ALT_TEXT, demo_photo
    from roadmap.media.services import attach, keep_photo

    for index, proposal in enumerate(proposals):
        if index % PICTURES_EVERY:
            continue
        language = "ar" if proposal.body.endswith("(مقترح تجريبي)") else "fr"
        photo = keep_photo(demo_photo(proposal.axis.code, index), proposal.author,
                           ALT_TEXT[language], language, is_demo=True)
        attach([photo], "proposal_id", proposal.id)


# The SDGs the demo ideas of each axis serve.
SDGS = {"employment": [1, 5, 8], "social-services": [3, 4, 5], "water": [6, 13],
        "territorial-upgrading": [9, 11]}


def _add_supports_and_comments(proposal: Proposal, people: list[User], rng) -> None:
    """Supporters (Pareto-distributed), comments with stances and a reply, and follows."""
    from roadmap.participation.models import Follow

    supporters = rng.sample(people, k=min(len(people), int(rng.paretovariate(1.2)) + 1))
    db.session.add_all(Vote(proposal_id=proposal.id, user_id=person.id, is_demo=True)
                       for person in supporters)
    proposal.supports_count = len(supporters)
    followers = {proposal.author_id} | {person.id for person in supporters}
    first = None
    for number in range(rng.randint(0, 3)):
        author = rng.choice(people)
        comment = Comment(proposal_id=proposal.id, author=author, body=rng.choice(COMMENTS),
                          stance=rng.choice(["for", "for", "neutral", "against"]),
                          parent=first if number == 2 else None, is_demo=True)
        db.session.add(comment)
        first = first or comment
        followers.add(author.id)
        proposal.comments_count += 1
    db.session.flush()
    db.session.add_all(Follow(proposal_id=proposal.id, user_id=user_id)
                       for user_id in sorted(followers - {None}))


WORKSHOP = {
    "title": "Atelier de concertation territoriale, cercle de Saada (démonstration) - "
             "ورشة تشاورية ترابية (تجريبية)",
    "place": "Siège de la commune de Saada (démonstration)",
    "minutes": "Compte rendu synthétique généré pour la démonstration : les participants ont "
               "priorisé l'eau potable et le transport scolaire.\n"
               "محضر تجريبي: أعطى المشاركون الأولوية للماء الصالح للشرب والنقل المدرسي.",
}


def _add_workshop(consultation: Consultation, communes: list[Commune], axes: dict, rng) -> None:
    """One synthetic workshop with its attendance and two proposals it produced."""

    from roadmap.consultations.models import Workshop
    from roadmap.consultations.phases import today

    concerned = [c for c in communes if c.code in ("saada", "souihla", "tassoultante")]
    workshop = Workshop(
        consultation=consultation, held_on=today() - timedelta(days=12), is_demo=True,
        attendance_by_stakeholder={"citizen": 22, "association": 9, "economic_actor": 4,
                                   "elected_official": 5, "public_service": 6, "other": 0},
        attendance_by_gender={"woman": 21, "man": 25, "not_recorded": 0}, **WORKSHOP)
    workshop.communes = concerned
    db.session.add(workshop)
    db.session.flush()
    for commune, axis_code, hands in ((concerned[0], "water", 31), (concerned[-1],
                                                                    "social-services", 24)):
        title_ar, body_ar, _, _ = IDEAS[axis_code][0 if axis_code == "water" else 1]
        db.session.add(Proposal(
            consultation=consultation, commune=commune, axis=axes[axis_code], origin="workshop",
            workshop=workshop, show_of_hands=hands, title=title_ar,
            body=body_ar + "\n(مقترح تجريبي صادر عن ورشة)", sdg_goals=SDGS[axis_code],
            is_demo=True))


@click.command("demo")
@click.option("--remove", is_flag=True,
              help="Remove every demo row (and what depends on it) instead of loading the demo.")
@click.option("--yes", is_flag=True, help="With --remove: do not ask for confirmation.")
def demo_command(remove: bool, yes: bool):
    """Load the demo consultation (idempotent) and print the demo accounts; or remove it."""
    if remove:
        _remove_demo(yes)
        return
    if yes:
        raise click.UsageError("--yes goes with --remove.")
    consultation = load_demo(echo=click.echo)
    db.session.commit()
    click.echo(f"Demo consultation ready: /c/{consultation.slug}")
    click.echo("Demo accounts (local demo only; every one is marked as demo content):")
    for account in ACCOUNTS:
        click.echo(f"  {account.role:<12} {account.email:<32} {account.password}")
    communes = resident_communes(consultation.prefecture_id)
    if communes:
        click.echo("Synthetic residents to verify with at /verify/residents (CNIE, birth date):")
        for cnie, born_on, commune in demo_residents(communes)[:3]:
            click.echo(f"  {cnie}  {born_on:%d/%m/%Y}  {commune.code}")


def _remove_demo(yes: bool) -> None:
    """``demo --remove``: show what goes, confirm, remove in one transaction, commit."""
    from roadmap.demo_removal import NoDemo, delete_files, plan_removal, remove_demo

    try:
        plan = plan_removal()
    except NoDemo as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo("Demo rows to remove, per table:")
    for table, count in plan.counts().items():
        click.echo(f"  {table:<24} {count}")
    for link, count in plan.cleared_counts().items():
        click.echo(f"  kept, link to demo cleared: {link:<28} {count}")
    click.echo("The territory, the real consultations and the audit log stay.")
    if plan.actions_elsewhere:
        click.echo(f"Warning: {plan.actions_elsewhere} audit entries record demo accounts acting "
                   "outside the demo consultation (roles, settings...): review them at "
                   "/admin/audit, they are not undone.")
    if not yes and not click.confirm("Remove them?", default=False):
        db.session.rollback()
        raise click.ClickException("Nothing removed.")
    try:
        plan, files = remove_demo(plan)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    deleted = delete_files(files)
    click.echo(f"Removed {sum(plan.counts().values())} demo rows"
               f"{f' and {deleted} file(s)' if deleted else ''}; a demo.remove entry was added "
               "to the audit log.")
