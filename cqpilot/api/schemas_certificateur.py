"""What the certifier reads of its own records: sessions, juries and their decisions, the
register of documents issued and the accrochage of each holder."""

from datetime import date, datetime, time

from ninja import Field, Schema

from .schemas import CertificationRef


class EpreuveRef(Schema):
    id: int
    bloc: str = Field(alias="modalite.bloc.code")
    modalite: str = Field(alias="modalite.intitule")


class SessionOut(Schema):
    id: int
    certification: CertificationRef
    version: int = Field(alias="version_id")
    date_debut: date
    date_fin: date | None
    heure: time | None
    deroulement: str
    lieu: str
    code_postal: str
    organisateur: int | None = Field(alias="organisateur_id")
    epreuves: list[EpreuveRef]
    inscrits: list[int]

    @staticmethod
    def resolve_inscrits(obj) -> list[int]:
        return [inscription.dossier_id for inscription in obj.inscriptions.all()]


class MembreOut(Schema):
    intervenant: int = Field(alias="intervenant_id")
    nom: str = Field(alias="intervenant.nom")
    prenom: str = Field(alias="intervenant.prenom")
    college: str
    role: str
    present: bool


class JuryOut(Schema):
    id: int
    certification: CertificationRef
    date: date
    lieu: str
    statut: str = Field(alias="status")
    statut_libelle: str
    date_validation_cpne: date | None
    membres: list[MembreOut]
    dossiers: list[int]

    @staticmethod
    def resolve_statut_libelle(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_dossiers(obj) -> list[int]:
        return [deliberation.dossier_id for deliberation in obj.deliberations.all()]


class DecisionBlocOut(Schema):
    bloc: str = Field(alias="bloc.code")
    resultat: str


class DecisionOut(Schema):
    dossier: int = Field(alias="dossier_id")
    jury: int = Field(alias="jury_id")
    date_jury: date = Field(alias="jury.date")
    decision: str
    blocs: list[DecisionBlocOut]


class DocumentDelivreOut(Schema):
    id: int
    numero: str
    type: str = Field(alias="kind")
    dossier: int = Field(alias="dossier_id")
    certification: int = Field(alias="certification_id")
    date_decision: date
    date_delivrance: date
    statut: str = Field(alias="status")
    code_verification: str = Field(alias="code")


class PassageOut(Schema):
    id: int
    document: int = Field(alias="document_id")
    numero: str = Field(alias="document.numero")
    dossier: int = Field(alias="document.dossier_id")
    bloc: str | None
    id_technique: str
    date_limite: date
    statut: str = Field(alias="status")
    statut_libelle: str
    message_cdc: str
    correction: bool
    dernier_fichier: str | None
    updated_at: datetime

    @staticmethod
    def resolve_bloc(obj) -> str | None:
        return obj.bloc.code if obj.bloc else None

    @staticmethod
    def resolve_statut_libelle(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_dernier_fichier(obj) -> str | None:
        return obj.last_file.id_flux if obj.last_file else None


class AccuseOut(Schema):
    """The CDC's processing report of a file, as recorded when it was brought back in."""

    nom_fichier: str = ""  # the file it names; a file rejected whole is named only so
    id_traitement: str
    acceptes: list[str] = Field(alias="accepted")
    rejetes: dict[str, str] = Field(alias="rejected")  # idTechnique → message of the CDC
    erreurs_fichier: list[str] = Field(alias="file_errors")


class FichierOut(Schema):
    id: int
    id_flux: str
    action: str
    version_schema: str
    passages: int = Field(alias="nombre")
    taille: int
    cree_le: datetime = Field(alias="created_at")
    accuse: AccuseOut | None = Field(alias="rapport")
