"""Demo jury paritaire of the Métallurgie: its people, its rules, a jury ready to deliberate."""

from datetime import date

from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.jurys.models import College, Intervenant, Jury, ReglesJury, RoleJury
from cqpilot.jurys.services import add_dossiers, add_membre
from cqpilot.referentiels.models import Certification


def jurys(organisations: dict[str, Organisation], users: dict[str, User]) -> None:
    metallurgie, formatech = organisations["metallurgie"], organisations["formatech"]
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    ReglesJury.objects.create(certification=maintenance, voix_preponderante_president=True)

    def person(nom, prenom, college, **interests) -> Intervenant:
        organismes = interests.pop("organismes", [])
        intervenant = Intervenant.objects.create(
            organisation=metallurgie, nom=nom, prenom=prenom, college=college, **interests
        )
        intervenant.organismes.set(organismes)
        return intervenant

    people = [
        (
            person(
                "Roussel",
                "Nadia",
                College.EMPLOYEURS,
                user=users["jury.metallurgie"],
                employeur_nom="Forges de Saint-Chamond",
                employeur_siret="41234567800019",
            ),
            RoleJury.PRESIDENT,
        ),
        (
            person(
                "Aubert",
                "Franck",
                College.SALARIES,
                employeur_nom="Aciéries du Rhône",
                employeur_siret="52345678900021",
            ),
            RoleJury.VICE_PRESIDENT,
        ),
        (person("Carpentier", "Hélène", College.EMPLOYEURS), RoleJury.MEMBRE),
        # Trains for Formatech: recused for Formatech's candidates when deliberation opens.
        (person("Diallo", "Moussa", College.SALARIES, organismes=[formatech]), RoleJury.MEMBRE),
        (person("Vasseur", "Paul", College.AUCUN), RoleJury.EXPERT),
    ]
    jury = Jury.objects.create(
        organisation=metallurgie,
        certification=maintenance,
        date=date(2026, 12, 10),
        lieu="UIMM Lyon-Rhône, 60 avenue Jean Mermoz, 69008 Lyon",
    )
    for intervenant, role in people:
        add_membre(jury, intervenant, role)
    add_dossiers(
        jury,
        Dossier.objects.filter(certification=maintenance, state=DossierState.EN_EVALUATION),
        by=users["gestionnaire.metallurgie"],
    )
