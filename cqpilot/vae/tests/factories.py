"""A certifier with a certification open to VAE (two blocs, the first with two compétences), its
gestionnaire, and VAE candidates with their espace account."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from cqpilot.core.models import Organisation, Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.models import Candidat, Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion, VersionStatus
from cqpilot.referentiels.tests.factories import (
    BlocFactory,
    CertificationFactory,
    CompetenceFactory,
    VersionFactory,
)
from cqpilot.vae.accompagnement import StructureSaisie, referencer
from cqpilot.vae.models import DemandeRecevabilite, NiveauEcart, Referencement
from cqpilot.vae.recevabilite import (
    DemandeSaisie,
    EcartSaisi,
    ExperienceSaisie,
    decider,
    declarer_complete,
    deposer,
)

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


@dataclass
class VaeWorld:
    branche: Organisation
    certification: Certification
    version: ReferentielVersion
    blocs: list[Bloc]
    gestionnaire: User

    def certification_bis(self, intitule: str) -> tuple[Certification, ReferentielVersion]:
        certification = CertificationFactory(
            certificateurs=[self.branche], intitule=intitule, vae_ouverte=True
        )
        version = VersionFactory(certification=certification)
        BlocFactory(version=version, code=f"{certification.code_rncp_rs}BC01")
        return certification, publish(version)

    def dossier(
        self,
        candidat: Candidat | None = None,
        certification: Certification | None = None,
        version: ReferentielVersion | None = None,
        state: str = DossierState.INSCRIT,
    ) -> Dossier:
        candidat = candidat or candidate()
        return DossierFactory(
            candidat=candidat,
            certification=certification or self.certification,
            version=version or self.version,
            voie_acces=VoieAcces.VAE,
            state=state,
        )

    def demande(self, dossier: Dossier | None = None, *, on: date, blocs=(), by=None):
        return deposer(
            dossier or self.dossier(), saisie(blocs=list(blocs)), by=by or self.gestionnaire, on=on
        )


def publish(version: ReferentielVersion) -> ReferentielVersion:
    ReferentielVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLIEE)
    version.refresh_from_db()
    return version


_names = itertools.count()


def _letters(n: int) -> str:
    # Names told apart by cqpilot's identity matching, which ignores digits.
    return "".join(chr(ord("a") + int(d)) for d in str(n))


def candidate(**kwargs) -> Candidat:
    kwargs.setdefault("nom_naissance", f"Vae{_letters(next(_names))}")
    candidat = CandidatFactory(email="", **kwargs)
    candidat.compte = UserFactory(
        organisation=None, roles=[], email=f"{candidat.nom_naissance.lower()}@exemple.fr"
    )
    candidat.save(update_fields=["compte"])
    return candidat


def vae_world(nom: str = "CPNE de la propreté") -> VaeWorld:
    branche = OrganisationFactory(nom=nom)
    certification = CertificationFactory(
        certificateurs=[branche], intitule="CQP Agent de propreté", vae_ouverte=True
    )
    version = VersionFactory(certification=certification)
    blocs = [
        BlocFactory(version=version, code="RNCP1BC01", intitule="Nettoyer les locaux", ordre=1),
        BlocFactory(version=version, code="RNCP1BC02", intitule="Accueillir le client", ordre=2),
    ]
    blocs[0].competences.set(
        [
            CompetenceFactory(version=version, code="C1", intitule="Choisir les produits"),
            CompetenceFactory(version=version, code="C2", intitule="Utiliser une monobrosse"),
        ]
    )
    publish(version)
    gestionnaire = UserFactory(
        organisation=branche, roles=[Role.GESTIONNAIRE], email="gestion@exemple.fr"
    )
    return VaeWorld(branche, certification, version, blocs, gestionnaire)


def saisie(**kwargs) -> DemandeSaisie:
    values = {
        "experiences": [
            ExperienceSaisie(
                intitule="Agent de propreté",
                structure="Net Services",
                nature="salariee",
                duree_mois=30,
                activites="Entretien de bureaux",
            )
        ],
        "declaration_honneur": True,
        "formations": "Habilitation électrique",
    }
    values.update(kwargs)
    return DemandeSaisie(**values)


def reload(demande: DemandeRecevabilite) -> DemandeRecevabilite:
    return DemandeRecevabilite.objects.select_related("dossier__certification").get(pk=demande.pk)


def decided_demande(dossier: Dossier, bloc: Bloc, *, by: User) -> DemandeRecevabilite:
    """A demande for `bloc`, complete and declared recevable today."""
    demande = deposer(dossier, saisie(blocs=[bloc]), by=by)
    declarer_complete(demande, by=by)
    return decider(
        demande,
        recevable=True,
        motivation="Expérience en rapport avec le bloc",
        ecarts=[EcartSaisi(bloc, NiveauEcart.ACQUIS)],
        by=by,
    )


def relais(w: VaeWorld, nom: str = "Point Relais Conseil VAE", **kwargs) -> Referencement:
    """A VAE accompanist the world's certifier lists, certified Qualiopi until 30/06/2028."""
    values = {"qualiopi": True, "qualiopi_date_fin": date(2028, 6, 30)}
    values.update(kwargs)
    return referencer(StructureSaisie(nom=nom, **values), by=w.gestionnaire)


def aap_user(referencement: Referencement, email: str = "sophie@relais.fr") -> User:
    """An account of that accompanist, with its role."""
    return UserFactory(
        organisation=referencement.structure, roles=[Role.ACCOMPAGNATEUR_VAE], email=email
    )
