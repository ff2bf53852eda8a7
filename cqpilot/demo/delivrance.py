"""Demo: an earlier jury of the Métallurgie (five months ago), signed, whose two parchemins were
issued a week later; one holder deposited and accepted by the CDC, the other overdue for the
accrochage (due three months after issuance)."""

import io
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cqpilot.accrochage.depots import build_files, record_report
from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage
from cqpilot.accrochage.rapport import parse_rapport
from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.services import a_delivrer, issue_all
from cqpilot.dossiers.models import (
    Candidat,
    Dossier,
    DossierState,
    Initiative,
    Situation,
    VoieAcces,
)
from cqpilot.jurys.deliberation import BlocSaisie, lignes, save_decision
from cqpilot.jurys.models import Decision, Jury
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import add_dossiers, add_membre, membres_of, open_deliberation
from cqpilot.referentiels.models import Certification

from .calendrier import Calendrier

DEPOSITED_AFTER = timedelta(days=20)  # within the CDC's three months

HOLDERS = [
    # nom, prénom, sexe, année, mois, jour, INSEE, commune, NIR
    ("Lambert", "Sophie", "F", 1988, 4, 9, "69123", "Lyon", "288046912300547"),
    ("Girard", "Mehdi", "M", 1996, 12, 1, "42218", "Saint-Étienne", ""),
]


def signed_jury(
    metallurgie: Organisation,
    people: list,
    users: dict[str, User],
    holders: list[tuple],
    *,
    inscrits_le: date,
    jury_le: date,
    delivre_le: date,
) -> Jury:
    """A jury of the CQP Agent de maintenance that deliberated, signed, and whose documents were
    issued. A holder: identity (as HOLDERS), then OF (or None), voie d'accès and decision."""
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    version = maintenance.versions.get(numero=1)
    gestionnaire, president = users["gestionnaire.metallurgie"], users["jury.metallurgie"]
    decisions = {}
    for nom, prenom, sexe, annee, mois, jour, insee, commune, nir, of, voie, decision in holders:
        candidat = Candidat.objects.create(
            nom_naissance=nom, prenom1=prenom, sexe=sexe, annee_naissance=annee,
            mois_naissance=mois, jour_naissance=jour, code_insee_naissance=insee,
            commune_naissance=commune, nir=nir, situation=Situation.SALARIE,
            created_by_organisation=of or metallurgie,
            email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
        )  # fmt: skip
        dossier = Dossier.objects.create(
            candidat=candidat,
            certification=maintenance,
            version=version,
            organisme=of,
            initiative=Initiative.EMPLOYEUR if of else Initiative.CERTIFIE,
            voie_acces=voie,
            experience_mois=36 if voie == VoieAcces.VAE else None,
            date_inscription=inscrits_le,
            state=DossierState.PRESENTE_JURY,
            created_by=gestionnaire,
        )
        decisions[dossier.pk] = decision
    jury = Jury.objects.create(
        organisation=metallurgie, certification=maintenance, date=jury_le,
        lieu="UIMM Lyon-Rhône, 60 avenue Jean Mermoz, 69008 Lyon",
    )  # fmt: skip
    for intervenant, role in people:
        add_membre(jury, intervenant, role)
    add_dossiers(jury, Dossier.objects.filter(pk__in=decisions), by=gestionnaire)
    open_deliberation(jury, by=gestionnaire)
    for ligne in lignes(jury, membres_of(jury)):
        decision = decisions[ligne.deliberation.dossier_id]
        results = {
            Decision.TOTALE: ["valide"] * len(ligne.blocs),
            Decision.PARTIELLE: ["valide"] * (len(ligne.blocs) - 1) + ["non_valide"],
            Decision.NON_VALIDE: ["non_valide"] * len(ligne.blocs),
        }[decision]
        save_decision(
            ligne.deliberation,
            revision=0,
            decision=decision,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(ligne.blocs, results, strict=True)},
            unanimite=True,
            by=gestionnaire,
        )
    close(jury, by=gestionnaire)
    sign(jury, by=president)
    issue_all(a_delivrer(jury), by=gestionnaire, on=delivre_le, workers=1)
    return jury


def backdate(fichier: FichierAccrochage, day: date) -> None:
    """A deposit file of the past, made on `day` (its delay is on the pilotage dashboard)."""
    made = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    FichierAccrochage.objects.filter(pk=fichier.pk).update(created_at=made)


def earlier_jury(
    metallurgie: Organisation,
    formatech: Organisation,
    people: list,
    users: dict[str, User],
    calendrier: Calendrier,
) -> None:
    contrat_pro = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    signed_jury(
        metallurgie,
        people,
        users,
        [(*holder, formatech, contrat_pro, Decision.TOTALE) for holder in HOLDERS],
        inscrits_le=calendrier.enrolled(),
        jury_le=calendrier.earlier_jury(),
        delivre_le=calendrier.issued(),
    )
    lambert = PassageAccrochage.objects.get(document__dossier__candidat__nom_naissance="Lambert")
    [fichier] = build_files(metallurgie, [lambert], by=users["gestionnaire.metallurgie"])
    backdate(fichier, calendrier.issued() + DEPOSITED_AFTER)
    record_report(
        fichier,
        parse_rapport(
            io.BytesIO(
                f"<rapport><idFlux>{fichier.id_flux}</idFlux><idTraitement>90412</idTraitement>"
                f"<PassagesOK><idTechnique>{lambert.id_technique}</idTechnique></PassagesOK>"
                "</rapport>".encode()
            )
        ),
    )
