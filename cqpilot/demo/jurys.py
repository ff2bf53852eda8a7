"""Demo evaluation session and jury paritaire of the Métallurgie: its people, its rules, an
earlier signed jury, results entered for two of the three candidates, a jury ready to
deliberate."""

from decimal import Decimal

from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.models import ModeleParchemin
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.evaluations.services import (
    Saisie,
    assign,
    create_session,
    criteres_of,
    enrol,
    record_result,
)
from cqpilot.intervenants.models import Civilite, College, Intervenant
from cqpilot.jurys.models import Jury, ReglesJury, RoleJury
from cqpilot.jurys.services import add_dossiers, add_membre
from cqpilot.referentiels.models import Certification

from .calendrier import Calendrier
from .delivrance import earlier_jury
from .pilotage import promotions


def jurys(
    organisations: dict[str, Organisation], users: dict[str, User], calendrier: Calendrier
) -> None:
    metallurgie, formatech = organisations["metallurgie"], organisations["formatech"]
    maintenance = Certification.objects.get(code_rncp_rs="RNCP39912")
    ReglesJury.objects.create(certification=maintenance, voix_preponderante_president=True)
    ModeleParchemin.objects.create(
        organisation=metallurgie,
        signataire_nom="Éric Vasseur",
        signataire_qualite="Président de la CPNE de la Métallurgie",
        lieu_delivrance="Paris",
        texte="Les compétences de l'industrie, reconnues par la branche.",
    )

    def person(civilite, nom, prenom, college, **interests) -> Intervenant:
        organismes = interests.pop("organismes", [])
        intervenant = Intervenant.objects.create(
            organisation=metallurgie,
            civilite=civilite,
            nom=nom,
            prenom=prenom,
            college=college,
            **interests,
        )
        intervenant.organismes.set(organismes)
        return intervenant

    madame, monsieur = Civilite.MADAME, Civilite.MONSIEUR
    people = [
        (
            person(
                madame,
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
                monsieur,
                "Aubert",
                "Franck",
                College.SALARIES,
                employeur_nom="Aciéries du Rhône",
                employeur_siret="52345678900021",
            ),
            RoleJury.VICE_PRESIDENT,
        ),
        (person(madame, "Carpentier", "Hélène", College.EMPLOYEURS), RoleJury.MEMBRE),
        (person(monsieur, "Vasseur", "Paul", College.AUCUN), RoleJury.EXPERT),
    ]
    # The earlier juries sat with Sandrine Guérin for the salariés; Moussa Diallo replaces her
    # in the coming jury. He trains for Formatech: recused for its candidates when deliberation
    # opens, which leaves 2 employeurs and 1 salarié for them until an employeur withdraws too.
    guerin = person(madame, "Guérin", "Sandrine", College.SALARIES)
    diallo = person(monsieur, "Diallo", "Moussa", College.SALARIES, organismes=[formatech])
    earlier = [*people[:3], (guerin, RoleJury.MEMBRE), people[3]]
    promotions(metallurgie, formatech, earlier, users, calendrier)
    earlier_jury(metallurgie, formatech, earlier, users, calendrier)
    people = [*people[:3], (diallo, RoleJury.MEMBRE), people[3]]
    evaluate(metallurgie, maintenance, users, calendrier)
    jury = Jury.objects.create(
        organisation=metallurgie,
        certification=maintenance,
        date=calendrier.jury,
        lieu="UIMM Lyon-Rhône, 60 avenue Jean Mermoz, 69008 Lyon",
    )
    for intervenant, role in people:
        add_membre(jury, intervenant, role)
    add_dossiers(
        jury,
        Dossier.objects.filter(certification=maintenance, state=DossierState.EN_EVALUATION),
        by=users["gestionnaire.metallurgie"],
    )


def evaluate(
    metallurgie: Organisation,
    maintenance: Certification,
    users: dict[str, User],
    calendrier: Calendrier,
) -> None:
    evaluateur = Intervenant.objects.create(
        organisation=metallurgie,
        civilite=Civilite.MONSIEUR,
        nom="Lefèvre",
        prenom="Jean-Marc",
        college=College.SALARIES,
        user=users["evaluateur.metallurgie"],
    )
    session = create_session(
        SessionEvaluation(
            organisation=metallurgie,
            certification=maintenance,
            version=maintenance.versions.get(numero=1),
            date_debut=calendrier.session[0],
            date_fin=calendrier.session[1],
            lieu="Pôle formation UIMM, Vénissieux",
            code_postal="69200",
        )
    )
    dossiers = list(
        Dossier.objects.filter(certification=maintenance, state=DossierState.EN_EVALUATION)
        .select_related("candidat", "organisme")
        .order_by("candidat__nom_naissance")
    )
    enrol(session, dossiers, by=users["gestionnaire.metallurgie"])
    for epreuve in session.epreuves.select_related("modalite"):
        assign(epreuve, evaluateur)
        for n, dossier in enumerate(dossiers[:2]):  # the third candidate is not evaluated yet
            modalite = epreuve.modalite
            success = n == 0 or modalite.bloc.code != "RNCP39912BC02"
            if modalite.notation == "note":
                note = modalite.seuil + (2 if success else -3)
                saisie = Saisie({}, max(Decimal(0), note))
            else:
                saisie = Saisie({c.pk: success for c in criteres_of(modalite)})
            record_result(epreuve, dossier, saisie, by=users["evaluateur.metallurgie"])
