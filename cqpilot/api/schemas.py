"""What the API reads and writes. Inputs are checked by the UI's own forms (same rules, same
French messages); these schemas give the types of the OpenAPI document."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Path, Query, Schema
from pydantic import AfterValidator, ConfigDict, Field, model_serializer

MAX_ID = 2**63 - 1  # the databases' bigint: a larger id is a request error, not a crash
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
# no NUL character: PostgreSQL refuses it in text, so it must be refused before
QueryText = Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")]
Text = Annotated[str, Field(max_length=5000, pattern=r"^[^\x00]*$")]


def _in_utc(moment: datetime | None) -> datetime | None:
    """PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 lets through: the instant is
    compared in UTC, and one outside the calendar once converted is a request error."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("date et heure hors du calendrier") from None


QueryDateTime = Annotated[datetime | None, AfterValidator(_in_utc), Query(None)]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Refus(Schema):
    detail: str
    erreurs: list[dict] = []


class Moi(Schema):
    utilisateur: str
    organisation: str | None
    type_organisation: str | None
    roles: list[str]


class CandidatPatch(Strict):
    nom_naissance: str | None = None
    nom_usage: str | None = None
    prenom1: str | None = None
    prenom2: str | None = None
    prenom3: str | None = None
    sexe: str | None = None
    jour_naissance: int | None = None
    mois_naissance: int | None = None
    annee_naissance: int | None = None
    code_insee_naissance: str | None = None
    code_postal_naissance: str | None = None
    commune_naissance: str | None = None
    pays_naissance: str | None = None
    email: str | None = None
    telephone: str | None = None
    adresse: str | None = None
    situation: str | None = None
    employeur_siret: str | None = None
    employeur_idcc: str | None = None
    nir: str | None = None  # certifier only; never read back
    autre_personne: bool = False  # confirms a homonym is another person


class CandidatIn(CandidatPatch):
    nom_naissance: str
    prenom1: str
    sexe: str
    annee_naissance: int


class CandidatOut(Schema):
    id: int
    nom_naissance: str
    nom_usage: str
    prenom1: str
    prenom2: str
    prenom3: str
    sexe: str
    jour_naissance: int | None
    mois_naissance: int | None
    annee_naissance: int
    code_insee_naissance: str
    code_postal_naissance: str
    commune_naissance: str
    pays_naissance: str
    email: str
    telephone: str
    adresse: str
    situation: str
    employeur_siret: str
    employeur_idcc: str
    nir_masque: str | None = Field(
        None, description="NIR masqué : lu par le certificateur seulement, absent sinon."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_nir_masque(obj, context) -> str | None:
        # The NIR is the certifier's, for the CDC (docs/domaine.md §7.1): a partner OF never reads it.
        request = (context or {}).get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_certificateur_manager:
            return None
        return obj.nir_masque

    @model_serializer(mode="wrap")
    def _without_hidden_nir(self, handler):
        data = handler(self)
        if self.nir_masque is None:
            data.pop("nir_masque", None)
        return data


class CertificationRef(Schema):
    id: int
    intitule: str
    code_rncp_rs: str


class BlocRef(Schema):
    id: int
    code: str
    intitule: str


class VersionOut(Schema):
    id: int
    numero: int
    certification: CertificationRef
    blocs: list[BlocRef]


class BlocObtenu(Schema):
    bloc: int = Field(alias="bloc_id")
    code: str = Field(alias="bloc.code")
    date_obtention: date


class FinancementOut(Schema):
    dispositif: str
    financeur: str
    frais_pedagogiques: Decimal | None
    remuneration: Decimal | None
    heures: int | None
    numero_prise_en_charge: str
    statut: str = Field(alias="status")


class DossierPatch(Strict):
    version: Id | None = None
    organisme: Id | None = None  # certifier only: a partner OF's dossiers are its own
    voie_acces: str | None = None
    voie_vae: str | None = None
    initiative: str | None = None
    date_inscription: date | None = None
    experience_mois: int | None = None
    cpf: bool | None = None
    blocs_vises: list[Id] | None = None


class DossierIn(DossierPatch):
    candidat: Id
    version: Id
    voie_acces: str
    date_inscription: date


class DossierOut(Schema):
    id: int
    candidat: int = Field(alias="candidat_id")
    certification: CertificationRef
    version: int = Field(alias="version_id")
    organisme: int | None = Field(alias="organisme_id")
    voie_acces: str
    voie_vae: str
    initiative: str
    date_inscription: date
    experience_mois: int | None
    cpf: bool
    blocs_vises: list[int]
    etat: str = Field(alias="state")
    etat_libelle: str
    etat_change_le: datetime | None = Field(alias="state_changed_at")
    blocs_obtenus: list[BlocObtenu]
    financements: list[FinancementOut]
    updated_at: datetime

    @staticmethod
    def resolve_blocs_vises(obj) -> list[int]:
        return [bloc.pk for bloc in obj.blocs_vises.all()]

    @staticmethod
    def resolve_etat_libelle(obj) -> str:
        return obj.get_state_display()


class DossierEcrit(DossierOut):
    avertissements: list[str] = Field(
        default_factory=list,
        description="Points que le certificateur appréciera à la recevabilité (expérience en "
        "deçà de celle attendue pour la VAE…) : ils n'empêchent pas l'enregistrement.",
    )


class TransitionIn(Strict):
    etat: Text
    motif: Text = ""


class PieceOut(Schema):
    id: int
    type: str
    piece_exigee: int | None = Field(alias="piece_id")
    libelle: str
    nom: str
    statut: str = Field(alias="status")
    motif_refus: str
    deposee_le: datetime = Field(alias="uploaded_at")


class CritereOut(Schema):
    id: int
    intitule: str


class InscritOut(Schema):
    dossier: int
    candidat: str


class EpreuveOut(Schema):
    id: int
    session: int
    date: date
    bloc: str
    modalite: str
    notation: str
    note_sur: int | None
    seuil: float | None
    criteres: list[CritereOut]
    inscrits: list[InscritOut]


class ResultatIn(Strict):
    dossier: Id
    criteres: dict[Id, bool] = {}
    note: Decimal | None = Field(None, ge=0, le=1000, max_digits=6, decimal_places=2)
    commentaire: Text = ""


class ResultatOut(Schema):
    id: int
    dossier: int = Field(alias="dossier_id")
    acquis: bool
    note: float | None
