"""What the certifier reads of its own records: sessions, juries and their decisions, the
register of documents issued and the accrochage of each holder."""

from datetime import date, datetime, time

from ninja import Schema

from .schemas import CertificationRef


class EpreuveRef(Schema):
    id: int
    bloc: str
    modalite: str

    @staticmethod
    def resolve_bloc(obj) -> str:
        return obj.modalite.bloc.code

    @staticmethod
    def resolve_modalite(obj) -> str:
        return obj.modalite.intitule


class SessionOut(Schema):
    id: int
    certification: CertificationRef
    version: int
    date_debut: date
    date_fin: date | None
    heure: time | None
    deroulement: str
    lieu: str
    code_postal: str
    organisateur: int | None
    epreuves: list[EpreuveRef]
    inscrits: list[int]

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version_id

    @staticmethod
    def resolve_organisateur(obj) -> int | None:
        return obj.organisateur_id

    @staticmethod
    def resolve_epreuves(obj) -> list:
        return list(obj.epreuves.all())

    @staticmethod
    def resolve_inscrits(obj) -> list[int]:
        return [inscription.dossier_id for inscription in obj.inscriptions.all()]


class MembreOut(Schema):
    intervenant: int
    nom: str
    prenom: str
    college: str
    role: str
    present: bool

    @staticmethod
    def resolve_intervenant(obj) -> int:
        return obj.intervenant_id

    @staticmethod
    def resolve_nom(obj) -> str:
        return obj.intervenant.nom

    @staticmethod
    def resolve_prenom(obj) -> str:
        return obj.intervenant.prenom


class JuryOut(Schema):
    id: int
    certification: CertificationRef
    date: date
    lieu: str
    statut: str
    statut_libelle: str
    date_validation_cpne: date | None
    membres: list[MembreOut]
    dossiers: list[int]

    @staticmethod
    def resolve_statut(obj) -> str:
        return obj.status

    @staticmethod
    def resolve_statut_libelle(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_membres(obj) -> list:
        return list(obj.membres.all())

    @staticmethod
    def resolve_dossiers(obj) -> list[int]:
        return [deliberation.dossier_id for deliberation in obj.deliberations.all()]


class DecisionBlocOut(Schema):
    bloc: str
    resultat: str

    @staticmethod
    def resolve_bloc(obj) -> str:
        return obj.bloc.code


class DecisionOut(Schema):
    dossier: int
    jury: int
    date_jury: date
    decision: str
    blocs: list[DecisionBlocOut]

    @staticmethod
    def resolve_dossier(obj) -> int:
        return obj.dossier_id

    @staticmethod
    def resolve_jury(obj) -> int:
        return obj.jury_id

    @staticmethod
    def resolve_date_jury(obj) -> date:
        return obj.jury.date

    @staticmethod
    def resolve_blocs(obj) -> list:
        return list(obj.blocs.all())


class DocumentDelivreOut(Schema):
    id: int
    numero: str
    type: str
    dossier: int
    certification: int
    date_decision: date
    date_delivrance: date
    statut: str
    code_verification: str

    @staticmethod
    def resolve_type(obj) -> str:
        return obj.kind

    @staticmethod
    def resolve_dossier(obj) -> int:
        return obj.dossier_id

    @staticmethod
    def resolve_certification(obj) -> int:
        return obj.certification_id

    @staticmethod
    def resolve_statut(obj) -> str:
        return obj.status

    @staticmethod
    def resolve_code_verification(obj) -> str:
        return obj.code


class PassageOut(Schema):
    id: int
    document: int
    numero: str
    dossier: int
    bloc: str | None
    id_technique: str
    date_limite: date
    statut: str
    statut_libelle: str
    message_cdc: str
    correction: bool
    dernier_fichier: str | None
    updated_at: datetime

    @staticmethod
    def resolve_document(obj) -> int:
        return obj.document_id

    @staticmethod
    def resolve_numero(obj) -> str:
        return obj.document.numero

    @staticmethod
    def resolve_dossier(obj) -> int:
        return obj.document.dossier_id

    @staticmethod
    def resolve_bloc(obj) -> str | None:
        return obj.bloc.code if obj.bloc else None

    @staticmethod
    def resolve_statut(obj) -> str:
        return obj.status

    @staticmethod
    def resolve_statut_libelle(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_dernier_fichier(obj) -> str | None:
        return obj.last_file.id_flux if obj.last_file else None
