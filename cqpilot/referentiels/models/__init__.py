"""Certifications and their versioned référentiels.

Certification → ReferentielVersion → Activite → Competence (+ critères) ; the version's Blocs group
compétences and carry their Modalites d'évaluation. A published version is immutable: every model
holding référentiel content refuses to be saved or deleted once its version is published.
"""

from .certifications import (
    REGISTRATION_CODE,
    Certification,
    CertificationCode,
    CertificationQuerySet,
    CertificationStatus,
    CertificationType,
    CodeKind,
    ListeProA,
    Niveau,
)
from .imports import MAX_DETAILED_FICHES, FicheAction, ImportStatus, RncpImport
from .versions import (
    Activite,
    Bloc,
    Competence,
    CorrespondanceBloc,
    CorrespondanceKind,
    CritereEvaluation,
    Modalite,
    ModaliteType,
    Notation,
    ReferentielVersion,
    ReferentielVersionQuerySet,
    VersionContent,
    VersionPublieeError,
    VersionStatus,
)

__all__ = [
    "MAX_DETAILED_FICHES",
    "REGISTRATION_CODE",
    "Activite",
    "Bloc",
    "Certification",
    "CertificationCode",
    "CertificationQuerySet",
    "CertificationStatus",
    "CertificationType",
    "CodeKind",
    "Competence",
    "CorrespondanceBloc",
    "CorrespondanceKind",
    "CritereEvaluation",
    "FicheAction",
    "ImportStatus",
    "ListeProA",
    "Modalite",
    "ModaliteType",
    "Niveau",
    "Notation",
    "ReferentielVersion",
    "ReferentielVersionQuerySet",
    "RncpImport",
    "VersionContent",
    "VersionPublieeError",
    "VersionStatus",
]
