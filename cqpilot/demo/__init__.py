"""A realistic French demo data set: two branches, partner OFs, users per role, three CQPs,
candidates and their dossiers, a jury paritaire ready to deliberate; its dates computed from
the day it is loaded (calendrier.py)."""

from datetime import timedelta

from django.db import transaction

from cqpilot.core.models import Organisation, OrganisationKind, Role, RoleGrant, User
from cqpilot.jurys.workflow import today

from . import candidat, dossiers, jurys, referentiels, vae
from .calendrier import Calendrier

DEMO_PASSWORD = "cqpilot-demo"

DEMO_USERS = [
    # username, first name, last name, organisation key, roles
    ("admin", "Alice", "Admin", None, []),
    ("admin.metallurgie", "Sophie", "Marchal", "metallurgie", [Role.ADMINISTRATEUR]),
    ("gestionnaire.metallurgie", "Karim", "Benali", "metallurgie", [Role.GESTIONNAIRE]),
    ("evaluateur.metallurgie", "Jean-Marc", "Lefèvre", "metallurgie", [Role.EVALUATEUR]),
    ("jury.metallurgie", "Nadia", "Roussel", "metallurgie", [Role.MEMBRE_JURY]),
    (
        "gestionnaire.commerce",
        "Élodie",
        "Garnier",
        "commerce",
        [Role.ADMINISTRATEUR, Role.GESTIONNAIRE],
    ),
    ("of.formatech", "Thomas", "Perrin", "formatech", [Role.ORGANISME_FORMATION]),
    (
        "admin.formatech",
        "Claire",
        "Dubois",
        "formatech",
        [Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR],
    ),
    # invited by the Métallurgie, awaiting the confirmation of Formatech's administrator
    ("invite.formatech", "Hugo", "Lambert", "formatech", [Role.ORGANISME_FORMATION]),
    # a VAE accompanist (AAP) the Métallurgie lists, following three of its VAE candidates
    ("aap.relais", "Inès", "Roche", "relais", [Role.ACCOMPAGNATEUR_VAE]),
]
INVITED_BY = {"invite.formatech": "metallurgie"}
# A candidate's account, made apart from the staff's (demo/candidat.py): no organisation, no role.
DEMO_CANDIDAT = candidat.USERNAME


def demo_logins() -> list[tuple[str, str]]:
    return [
        (
            username,
            (", ".join(Role(r).label for r in roles) or "super-administrateur")
            + (" — invité, à confirmer par l'OF" if username in INVITED_BY else ""),
        )
        for username, _first, _last, _organisation, roles in DEMO_USERS
    ] + [(DEMO_CANDIDAT, candidat.LABEL)]


@transaction.atomic
def load_demo() -> bool:
    """Load the demo set; returns False when it is already there."""
    if Organisation.objects.filter(nom="CPNE de la Métallurgie").exists():
        return False
    calendrier = Calendrier(today())
    organisations = {
        "metallurgie": Organisation.objects.create(
            nom="CPNE de la Métallurgie",
            kind=OrganisationKind.BRANCHE,
            idcc="3248",
            siret="78470543600037",
        ),
        "commerce": Organisation.objects.create(
            nom="CPNEFP du Commerce de gros",
            kind=OrganisationKind.BRANCHE,
            idcc="0573",
            siret="31852047500027",
        ),
        "formatech": Organisation.objects.create(
            nom="Formatech Industrie",
            kind=OrganisationKind.ORGANISME_FORMATION,
            siret="53204719800017",
        ),
        "relais": Organisation.objects.create(
            nom=vae.RELAIS,
            kind=OrganisationKind.ACCOMPAGNATEUR_VAE,
            siret=vae.RELAIS_SIRET,
            qualiopi=True,
            qualiopi_date_fin=calendrier.today + timedelta(days=400),
            contact_nom="Inès Roche",
            contact_email="aap.relais@demo.cqpilot.fr",
        ),
    }
    users = {}
    for username, first, last, org_key, roles in DEMO_USERS:
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.cqpilot.fr",
            organisation=organisations.get(org_key),
            is_superuser=org_key is None,
            is_staff=org_key is None,
            limited_to_certifier=organisations.get(INVITED_BY.get(username, "")),
        )
        # get_or_create: the roles come from a data migration, which a flushed database (after
        # a transactional test, or a restored archive's empty tables) no longer holds.
        user.roles.set([RoleGrant.objects.get_or_create(code=code)[0] for code in roles])
        users[username] = user
    referentiels.maintenance(
        organisations["metallurgie"], users["gestionnaire.metallurgie"], calendrier
    )
    referentiels.logistique(
        organisations["metallurgie"],
        organisations["commerce"],
        users["gestionnaire.commerce"],
        calendrier,
    )
    referentiels.vendeur(organisations["commerce"])
    dossiers.dossiers(organisations, users, calendrier)
    jurys.jurys(organisations, users, calendrier)
    dossiers.pieces_exigees()
    dossiers.pieces_deposees(users)
    vae.demandes(organisations, users, calendrier)
    candidat.candidat_account(
        organisations["metallurgie"], users, calendrier, password=DEMO_PASSWORD
    )
    return True
