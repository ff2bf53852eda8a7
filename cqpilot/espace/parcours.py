"""What a candidate reads about each of their dossiers: its step in plain French, its pièces,
sessions, results and documents. Results show only once the jury's PV is signed."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.french import selon_sexe
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.delivrance.models import DocumentStatus as DelivreStatus
from cqpilot.dossiers.acquis import valid_until
from cqpilot.dossiers.models import (
    BlocAcquis,
    Candidat,
    Document,
    Dossier,
    DossierState,
    VoieAcces,
)
from cqpilot.dossiers.pieces import EtatPiece, pieces_of
from cqpilot.evaluations.models import Inscription
from cqpilot.jurys.models import Deliberation, JuryStatus
from cqpilot.pilotage.enquetes import is_open, token_of
from cqpilot.pilotage.models import EnqueteInsertion

S = DossierState
NEXT_STEP = {
    S.BROUILLON: "Votre organisme de formation prépare votre inscription.",
    S.INSCRIT: "Votre inscription est enregistrée ; le certificateur l'examine.",
    S.RECEVABLE: "Votre demande est recevable : votre parcours peut commencer.",
    S.NON_RECEVABLE: "Votre demande n'a pas été jugée recevable. Votre organisme de formation "
    "peut vous en expliquer les raisons.",
    S.EN_FORMATION: "Vous suivez votre parcours ; vous serez {convoque} aux évaluations.",
    S.EN_EVALUATION: "Vous passez les évaluations : vos convocations sont ci-dessous.",
    S.PRESENTE_JURY: "Le jury va se prononcer ; son résultat s'affichera ici dès la signature "
    "du procès-verbal.",
    S.CERTIFIE: "Félicitations, vous êtes {certifie} : votre parchemin est ci-dessous.",
    S.VALIDATION_PARTIELLE: "Le jury a validé une partie des blocs ; ils vous restent acquis "
    "pendant leur durée de validité.",
    S.NON_VALIDE: "Le jury n'a pas validé la certification. Rapprochez-vous de votre organisme "
    "de formation pour la suite.",
    S.ABANDON: "Ce dossier est clos.",
}


def next_step(dossier: Dossier, pieces: list[EtatPiece]) -> str:
    if dossier.state == S.INSCRIT and dossier.voie_acces == VoieAcces.VAE:
        return "Votre inscription est enregistrée ; le certificateur examine sa recevabilité."
    to_give = [e for e in pieces if e.piece.depot_candidat and e.is_missing_or_refused]
    if to_give and dossier.state not in (S.ABANDON, S.NON_RECEVABLE):
        return "Déposez les pièces demandées ci-dessous : " + ", ".join(
            f"« {e.piece.libelle} »" for e in to_give
        )
    sexe = dossier.candidat.sexe
    return NEXT_STEP[S(dossier.state)].format(
        convoque=selon_sexe(sexe, "convoqué"), certifie=selon_sexe(sexe, "certifié")
    )


@dataclass
class Parcours:
    dossier: Dossier
    pieces: list[EtatPiece]  # the pièces asked of the candidate
    next_step: str
    blocs_vises: list
    inscriptions: list[Inscription] = field(default_factory=list)
    deliberations: list[Deliberation] = field(default_factory=list)  # of signed PVs only
    documents: list[DocumentDelivre] = field(default_factory=list)
    enquetes: list["EnqueteOuverte"] = field(default_factory=list)  # open insertion surveys


@dataclass(frozen=True)
class EnqueteOuverte:
    """An insertion survey the holder may answer now, from the espace as from its e-mail."""

    enquete: EnqueteInsertion

    @property
    def url(self) -> str:
        return reverse("enquete", args=[token_of(self.enquete)])


def parcours_of(dossiers: list[Dossier]) -> list[Parcours]:
    """Each dossier's parcours, read in a constant number of queries whatever their number:
    each kind of row is read once for all the dossiers, then shared out."""
    # the aménagements partial reads dossier.demandes_amenagement.all(), the VAE one
    # dossier.demande_recevabilite and its requests for pièces, the congé one dossier.conge_vae
    prefetch_related_objects(
        dossiers,
        "certification__pieces_exigees",
        "blocs_vises",
        "demandes_amenagement",
        "demande_recevabilite__complements",
        "conge_vae",
    )
    ids = [dossier.pk for dossier in dossiers]
    latest: dict[tuple[int, int], Document] = {}
    for document in Document.objects.filter(dossier__in=ids, piece__depot_candidat=True).order_by(
        "uploaded_at", "pk"
    ):
        latest[document.dossier_id, document.piece_id] = document
    inscriptions = _by_dossier(
        Inscription.objects.filter(dossier__in=ids)
        .select_related("session")
        .order_by("session__date_debut", "pk")
    )
    deliberations = _by_dossier(
        Deliberation.objects.filter(dossier__in=ids, jury__status=JuryStatus.SIGNE)
        .select_related("jury")
        # the results' blocs, and what the recours partial reads of each decision
        .prefetch_related("blocs__bloc", "jury__pvs", "recours")
        .order_by("jury__date", "pk")
    )
    documents = _by_dossier(
        DocumentDelivre.objects.filter(dossier__in=ids, status=DelivreStatus.VALIDE).order_by(
            "date_delivrance", "pk"
        )
    )
    today = timezone.localdate()
    enquetes = defaultdict(list)
    for enquete in EnqueteInsertion.objects.filter(
        document__dossier__in=ids, document__status=DelivreStatus.VALIDE, repondue_le__isnull=True
    ).select_related("document"):
        if is_open(enquete, today):
            enquetes[enquete.document.dossier_id].append(EnqueteOuverte(enquete))
    parcours = []
    for dossier in dossiers:
        pieces = [
            EtatPiece(piece, latest.get((dossier.pk, piece.pk)))
            for piece in pieces_of(dossier)
            if piece.depot_candidat
        ]
        parcours.append(
            Parcours(
                dossier=dossier,
                pieces=pieces,
                next_step=next_step(dossier, pieces),
                blocs_vises=list(dossier.blocs_vises.all()),
                inscriptions=inscriptions.get(dossier.pk, []),
                deliberations=deliberations.get(dossier.pk, []),
                documents=documents.get(dossier.pk, []),
                enquetes=enquetes.get(dossier.pk, []),
            )
        )
    return parcours


def _by_dossier(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.dossier_id].append(row)
    return grouped


@dataclass(frozen=True)
class Acquis:
    acquis: BlocAcquis
    valid_until: date | None

    @property
    def is_valid(self) -> bool:
        return self.valid_until is None or self.valid_until >= date.today()


def acquis_of(candidat: Candidat) -> list[Acquis]:
    rows = candidat.blocs_acquis.select_related("bloc__version__certification")
    return [Acquis(a, valid_until(a)) for a in rows]
