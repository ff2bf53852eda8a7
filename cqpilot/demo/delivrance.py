"""Demo: an earlier jury of the Métallurgie (June 2026), signed, whose two parchemins were
issued; one holder accepted by the CDC, the other overdue for the accrochage."""

import io
from datetime import date

from cqpilot.accrochage.depots import build_files, ensure_passages, record_report
from cqpilot.accrochage.models import PassageAccrochage, ReglagesAccrochage
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

HOLDERS = [
    # nom, prénom, sexe, année, mois, jour, INSEE, commune, NIR
    ("Lambert", "Sophie", "F", 1988, 4, 9, "69123", "Lyon", "288046912300547"),
    ("Girard", "Mehdi", "M", 1996, 12, 1, "42218", "Saint-Étienne", ""),
]


def earlier_jury(
    metallurgie: Organisation, formatech: Organisation, people: list, users: dict[str, User]
) -> None:
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    version = maintenance.versions.get(numero=1)
    gestionnaire, president = users["gestionnaire.metallurgie"], users["jury.metallurgie"]
    dossiers = []
    for nom, prenom, sexe, annee, mois, jour, insee, commune, nir in HOLDERS:
        candidat = Candidat.objects.create(
            nom_naissance=nom, prenom1=prenom, sexe=sexe, annee_naissance=annee,
            mois_naissance=mois, jour_naissance=jour, code_insee_naissance=insee,
            commune_naissance=commune, nir=nir, situation=Situation.SALARIE,
            created_by_organisation=formatech, email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
        )  # fmt: skip
        dossiers.append(
            Dossier.objects.create(
                candidat=candidat,
                certification=maintenance,
                version=version,
                organisme=formatech,
                initiative=Initiative.EMPLOYEUR,
                voie_acces=VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION,
                date_inscription=date(2025, 9, 8),
                state=DossierState.PRESENTE_JURY,
                created_by=gestionnaire,
            )
        )
    jury = Jury.objects.create(
        organisation=metallurgie, certification=maintenance, date=date(2026, 6, 18),
        lieu="UIMM Lyon-Rhône, 60 avenue Jean Mermoz, 69008 Lyon",
    )  # fmt: skip
    for intervenant, role in people:
        add_membre(jury, intervenant, role)
    add_dossiers(jury, dossiers, by=gestionnaire)
    open_deliberation(jury, by=gestionnaire)
    for ligne in lignes(jury, membres_of(jury)):
        save_decision(
            ligne.deliberation,
            revision=0,
            decision=Decision.TOTALE,
            blocs={bloc.pk: BlocSaisie("valide") for bloc in ligne.blocs},
            unanimite=True,
            by=gestionnaire,
        )
    close(jury, by=gestionnaire)
    sign(jury, by=president)
    issue_all(a_delivrer(jury), by=gestionnaire, on=date(2026, 6, 25), workers=1)
    ReglagesAccrochage.objects.create(
        organisation=metallurgie, id_client="MET00001", id_contrat="MCFCER004512"
    )
    ensure_passages(metallurgie)
    lambert = PassageAccrochage.objects.get(document__dossier__candidat__nom_naissance="Lambert")
    [fichier] = build_files(metallurgie, [lambert], by=gestionnaire)
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
