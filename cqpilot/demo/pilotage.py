"""Demo: the two promotions before the earlier jury (juries one and two years before it) for the
RNCP renewal pack, their holders deposited at the Caisse des Dépôts within the three months and
surveyed at 6 months and 2 years."""

import io
from datetime import timedelta

from cqpilot.accrochage.depots import build_files, record_report
from cqpilot.accrochage.models import PassageAccrochage, ReglagesAccrochage
from cqpilot.accrochage.rapport import parse_rapport
from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import VoieAcces
from cqpilot.jurys.models import Decision
from cqpilot.pilotage.enquetes import (
    is_due,
    open_due,
    record_answer,
    record_sent,
    unanswered,
)
from cqpilot.pilotage.models import IN_EMPLOYMENT, Echeance, EnqueteInsertion

from .calendrier import Calendrier
from .delivrance import DEPOSITED_AFTER, backdate, signed_jury

CONTRAT_PRO = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
PRO_A = VoieAcces.FORMATION_CONTINUE_PRO_A
VAE = VoieAcces.VAE
LIBRE = VoieAcces.CANDIDAT_LIBRE
T, P, N = Decision.TOTALE, Decision.PARTIELLE, Decision.NON_VALIDE


def promotion_older(formatech: Organisation) -> list[tuple]:
    return [
        ("Morel", "Julien", "M", 1991, 3, 14, "69266", "Villeurbanne", "", formatech, CONTRAT_PRO, T),
        ("Fournier", "Claire", "F", 1985, 7, 2, "69123", "Lyon", "", formatech, CONTRAT_PRO, T),
        ("Mercier", "Yanis", "M", 1999, 11, 23, "38185", "Grenoble", "", formatech, PRO_A, T),
        ("Blanc", "Inès", "F", 1979, 1, 30, "42218", "Saint-Étienne", "", None, VAE, T),
        ("Guérin", "Loïc", "M", 1983, 5, 17, "69123", "Lyon", "", None, VAE, T),
        ("Faure", "Sarah", "F", 1994, 9, 8, "01053", "Bourg-en-Bresse", "", formatech, PRO_A, P),
    ]  # fmt: skip


def promotion_younger(formatech: Organisation) -> list[tuple]:
    return [
        ("André", "Lucas", "M", 2000, 2, 11, "69123", "Lyon", "", formatech, CONTRAT_PRO, T),
        ("Rousseau", "Emma", "F", 1997, 6, 25, "69266", "Villeurbanne", "", formatech, CONTRAT_PRO, T),
        ("Lemoine", "Hugo", "M", 2001, 10, 3, "38185", "Grenoble", "", formatech, CONTRAT_PRO, T),
        ("Chevalier", "Léa", "F", 1990, 4, 19, "42218", "Saint-Étienne", "", formatech, PRO_A, T),
        ("Perrot", "Nathan", "M", 1976, 8, 6, "69123", "Lyon", "", None, VAE, T),
        ("Masson", "Chloé", "F", 1993, 12, 12, "73065", "Chambéry", "", None, LIBRE, T),
        ("Colin", "Théo", "M", 1998, 3, 28, "69123", "Lyon", "", formatech, CONTRAT_PRO, N),
    ]  # fmt: skip


# name → answer at 6 months, at 2 years (None: did not answer)
ANSWERS = {
    "Morel": ("metier_vise", "metier_vise"),
    "Fournier": ("metier_vise", "metier_vise"),
    "Mercier": ("autre_metier", "metier_vise"),
    "Blanc": ("metier_vise", None),
    "Guérin": (None, "autre_metier"),
    "André": ("metier_vise", None),
    "Rousseau": ("metier_vise", None),
    "Lemoine": ("recherche", None),
    "Chevalier": ("metier_vise", None),
    "Perrot": (None, None),
    "Masson": ("formation", None),
}


def promotions(
    metallurgie: Organisation,
    formatech: Organisation,
    people: list,
    users: dict[str, User],
    calendrier: Calendrier,
) -> None:
    """Two promotions of holders and the survey they answered; the past's e-mails are recorded
    as sent, never queued for the mail worker."""
    gestionnaire = users["gestionnaire.metallurgie"]
    ReglagesAccrochage.objects.create(
        organisation=metallurgie, id_client="MET00001", id_contrat="MCFCER004512"
    )
    for years_before, holders in ((2, promotion_older), (1, promotion_younger)):
        jury = signed_jury(
            metallurgie, people, users, holders(formatech),
            inscrits_le=calendrier.enrolled(years_before),
            jury_le=calendrier.earlier_jury(years_before),
            delivre_le=calendrier.issued(years_before),
        )  # fmt: skip
        deposited = list(
            PassageAccrochage.objects.filter(document__deliberation__jury=jury).order_by("pk")
        )
        [fichier] = build_files(metallurgie, deposited, by=gestionnaire)
        backdate(fichier, calendrier.issued(years_before) + DEPOSITED_AFTER)
        ok = "".join(f"<idTechnique>{p.id_technique}</idTechnique>" for p in deposited)
        record_report(
            fichier,
            parse_rapport(
                io.BytesIO(
                    f"<rapport><idFlux>{fichier.id_flux}</idFlux><idTraitement>"
                    f"{88120 + years_before}</idTraitement><PassagesOK>{ok}</PassagesOK>"
                    "</rapport>".encode()
                )
            ),
        )
    older = calendrier.earlier_jury(2)
    # the day after each échéance: 6 months of each promotion, then 2 years of the older one
    for day in (add_months(older, months) + timedelta(days=1) for months in (6, 18, 24)):
        # The past's e-mails are recorded as sent without being queued for the worker.
        open_due(metallurgie, day)
        for enquete in unanswered(metallurgie, day):
            if enquete.email and is_due(enquete, day):
                record_sent(enquete.pk, day.isoformat(), enquete.envoyee_le is not None)
        for enquete in EnqueteInsertion.objects.filter(
            date_prevue__lte=day, repondue_le=None
        ).select_related("document__dossier__candidat"):
            answers = ANSWERS.get(enquete.document.dossier.candidat.nom_naissance, (None, None))
            situation = answers[0 if enquete.echeance == Echeance.SIX_MOIS else 1]
            if situation:
                record_answer(
                    enquete,
                    situation=situation,
                    type_contrat="cdi" if situation in IN_EMPLOYMENT else "",
                    commentaire="",
                )
