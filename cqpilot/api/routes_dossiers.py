"""Candidates, dossiers and their pièces: the same querysets, forms and services as the UI."""

from django.db import transaction
from django.db.models import Prefetch
from django.forms.models import model_to_dict
from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cqpilot.core.permissions import EDIT_DOSSIERS
from cqpilot.dossiers.documents import add_document, upload_problem
from cqpilot.dossiers.forms import CandidatForm, DocumentForm, DossierForm, enrollable_versions
from cqpilot.dossiers.models import BlocAcquis, Candidat, Document, Dossier, DossierState
from cqpilot.dossiers.pieces import format_problem
from cqpilot.dossiers.workflow import TransitionRefusee, transition
from cqpilot.referentiels.models import Bloc

from .errors import ApiRefus, form_refus
from .pagination import Pages
from .schemas import (
    CandidatIn,
    CandidatOut,
    CandidatPatch,
    DossierEcrit,
    DossierIn,
    DossierOut,
    DossierPatch,
    PathId,
    PieceOut,
    QueryDateTime,
    QueryId,
    QueryText,
    TransitionIn,
    VersionOut,
)

candidats_router = Router(tags=["Candidats"])
router = Router(tags=["Dossiers"])


def _candidat(request: HttpRequest, pk: int) -> Candidat:
    candidat = Candidat.objects.visible_to(request.user).filter(pk=pk).first()
    if candidat is None:
        raise ApiRefus(404, f"Candidat {pk} introuvable (ou hors de votre périmètre).")
    return candidat


def _dossiers(request: HttpRequest):
    return (
        Dossier.objects.visible_to(request.user)
        .select_related("certification")
        .prefetch_related(
            "blocs_vises",
            "financements",
            Prefetch("blocs_obtenus", queryset=BlocAcquis.objects.select_related("bloc")),
        )
    )


def _dossier(request: HttpRequest, pk: int) -> Dossier:
    dossier = _dossiers(request).filter(pk=pk).first()
    if dossier is None:
        raise ApiRefus(404, f"Dossier {pk} introuvable (ou hors de votre périmètre).")
    return dossier


@router.get(
    "/versions",
    response=list[VersionOut],
    summary="Référentiels ouverts aux dossiers",
    operation_id="listVersions",
)
@paginate(Pages)
def versions(request: HttpRequest):
    """Les versions publiées sur lesquelles vous pouvez ouvrir un dossier, avec leurs blocs."""
    return enrollable_versions(request.user).prefetch_related(
        Prefetch("blocs", queryset=Bloc.objects.order_by("ordre", "code"))
    )


# --- Candidats -------------------------------------------------------------------------------


@candidats_router.get(
    "/candidats", response=list[CandidatOut], summary="Candidats", operation_id="listCandidats"
)
@paginate(Pages)
def candidats(request: HttpRequest, nom: QueryText = "", modifie_depuis: QueryDateTime = None):
    found = Candidat.objects.visible_to(request.user).order_by("pk")
    if nom:
        found = found.filter(nom_naissance__istartswith=nom.strip())
    if modifie_depuis:
        found = found.filter(updated_at__gte=modifie_depuis)
    return found


@candidats_router.get(
    "/candidats/{pk}", response=CandidatOut, summary="Un candidat", operation_id="getCandidat"
)
def candidat(request: HttpRequest, pk: PathId):
    return _candidat(request, pk)


def _save_candidat(request: HttpRequest, instance: Candidat | None, payload: dict) -> Candidat:
    EDIT_DOSSIERS.check(request.user)
    # unsent fields keep their value (or the model's default): PATCH changes only what it sends
    data = model_to_dict(instance or Candidat(), fields=CandidatForm._meta.fields)
    nir = payload.pop("nir", None)
    data.update({k: ("" if v is None else v) for k, v in payload.items()})
    if nir is not None:
        if not request.user.is_certificateur_manager:
            raise ApiRefus.on_field(403, "nir", "Le NIR n'est collecté que par le certificateur.")
        data["nouveau_nir"] = nir
    form = CandidatForm(data, instance=instance, by=request.user)
    if not form.is_valid():
        refus = form_refus(form.errors)
        for erreur in refus.erreurs:
            erreur["champ"] = "nir" if erreur["champ"] == "nouveau_nir" else erreur["champ"]
        raise refus
    return form.save()


@candidats_router.post(
    "/candidats",
    response={201: CandidatOut},
    summary="Créer un candidat",
    operation_id="createCandidat",
)
def candidat_create(request: HttpRequest, payload: CandidatIn):
    """Mêmes contrôles que l'écran : identité (INSEE, date de naissance), SIRET, homonymes
    (renvoyez `autre_personne: true` après vérification)."""
    return Status(201, _save_candidat(request, None, payload.dict(exclude_unset=True)))


@candidats_router.patch(
    "/candidats/{pk}",
    response=CandidatOut,
    summary="Modifier un candidat",
    operation_id="updateCandidat",
)
def candidat_update(request: HttpRequest, pk: PathId, payload: CandidatPatch):
    candidat = _candidat(request, pk)
    return _save_candidat(request, candidat, payload.dict(exclude_unset=True))


# --- Dossiers --------------------------------------------------------------------------------


@router.get("/dossiers", response=list[DossierOut], summary="Dossiers", operation_id="listDossiers")
@paginate(Pages)
def dossiers(
    request: HttpRequest,
    etat: QueryText = "",
    certification: QueryId = None,
    candidat: QueryId = None,
    modifie_depuis: QueryDateTime = None,
):
    found = _dossiers(request).order_by("pk")
    if etat:
        found = found.filter(state=etat)
    if certification:
        found = found.filter(certification_id=certification)
    if candidat:
        found = found.filter(candidat_id=candidat)
    if modifie_depuis:
        found = found.filter(updated_at__gte=modifie_depuis)
    return found


@router.get(
    "/dossiers/{pk}",
    response=DossierOut,
    summary="Un dossier et son état",
    operation_id="getDossier",
)
def dossier(request: HttpRequest, pk: PathId):
    return _dossier(request, pk)


DOSSIER_FIELDS = DossierForm._meta.fields


def _save_dossier(request: HttpRequest, instance: Dossier, payload: dict) -> Dossier:
    EDIT_DOSSIERS.check(request.user)
    if instance.pk and instance.state != DossierState.BROUILLON:
        raise ApiRefus(
            409,
            f"Le dossier est « {instance.get_state_display()} » : il ne se modifie qu'en "
            "brouillon, avant l'inscription examinée par le certificateur.",
        )
    data = model_to_dict(instance, fields=DOSSIER_FIELDS)
    data["blocs_vises"] = [bloc.pk for bloc in instance.blocs_vises.all()] if instance.pk else []
    data.update({k: ("" if v is None else v) for k, v in payload.items()})
    form = DossierForm(data, instance=instance, by=request.user)
    if "organisme" in payload and "organisme" not in form.fields:
        message = "Un organisme de formation ne crée que ses propres dossiers."
        raise ApiRefus.on_field(403, "organisme", message)
    if not form.is_valid():
        raise form_refus(form.errors)
    with transaction.atomic():
        saved = form.save()
    dossier = _dossier(request, saved.pk)
    dossier.avertissements = form.warnings  # eligibility's, shown without blocking
    return dossier


@router.post(
    "/dossiers",
    response={201: DossierEcrit},
    summary="Créer un dossier (brouillon)",
    operation_id="createDossier",
)
def dossier_create(request: HttpRequest, payload: DossierIn):
    """Le dossier est créé en brouillon, avec les contrôles d'éligibilité de l'écran (VAE
    et apprentissage réservés aux certifications enregistrées au RNCP et pas au-delà de leur fin
    d'enregistrement, Pro-A selon la liste de la branche, habilitation de l'organisme…). Les
    `avertissements` (expérience en deçà de celle attendue pour la VAE) n'empêchent pas
    l'enregistrement : le certificateur en juge à la recevabilité.
    Inscrivez-le ensuite avec `POST /dossiers/{id}/transitions` et `{"etat": "inscrit"}`."""
    data = payload.dict(exclude_unset=True)
    candidat = _candidat(request, data.pop("candidat"))
    return Status(201, _save_dossier(request, Dossier(candidat=candidat), data))


@router.patch(
    "/dossiers/{pk}",
    response=DossierEcrit,
    summary="Modifier un dossier",
    operation_id="updateDossier",
)
def dossier_update(request: HttpRequest, pk: PathId, payload: DossierPatch):
    return _save_dossier(request, _dossier(request, pk), payload.dict(exclude_unset=True))


@router.post(
    "/dossiers/{pk}/transitions",
    response=DossierOut,
    summary="Faire changer un dossier d'état",
    operation_id="transitionDossier",
)
def dossier_transition(request: HttpRequest, pk: PathId, payload: TransitionIn):
    """Les transitions de l'écran, avec les mêmes droits (un organisme inscrit ses dossiers ;
    la recevabilité revient au certificateur) et les mêmes motifs obligatoires."""
    dossier = _dossier(request, pk)
    try:
        with transaction.atomic():
            transition(dossier, payload.etat, by=request.user, motif=payload.motif)
    except ValueError:
        message = f"État inconnu : « {payload.etat} »."
        raise ApiRefus.on_field(422, "etat", message) from None
    except TransitionRefusee as refus:
        raise ApiRefus(409, refus.message) from None
    return _dossier(request, pk)


@router.get(
    "/dossiers/{pk}/pieces",
    response=list[PieceOut],
    summary="Pièces du dossier",
    operation_id="listDossierPieces",
)
def pieces(request: HttpRequest, pk: PathId):
    dossier = _dossier(request, pk)
    return list(
        Document.objects.visible_to(request.user)
        .filter(dossier=dossier)
        .select_related("piece")
        .order_by("pk")
    )


@router.post(
    "/dossiers/{pk}/pieces",
    response={201: PieceOut},
    summary="Déposer une pièce",
    operation_id="createDossierPiece",
)
def piece_add(
    request: HttpRequest,
    pk: PathId,
    fichier: File[UploadedFile],
    type: Form[str] = "autre",
    piece: Form[int | None] = None,
):
    """Envoi `multipart/form-data` : `fichier`, et `piece` (l'identifiant d'une pièce exigée
    de la certification, dans l'un de ses formats) ou `type` (piece_identite, cv, contrat…,
    seulement `autre` une fois que la certification a des pièces exigées)."""
    EDIT_DOSSIERS.check(request.user)
    dossier = _dossier(request, pk)
    chosen = f"piece:{piece}" if piece is not None else type
    form = DocumentForm.for_dossier(dossier, request.user, {"type": chosen}, {"fichier": fichier})
    if not form.is_valid():
        raise form_refus(form.errors)
    if problem := upload_problem(fichier) or (
        form.piece and format_problem(form.piece, fichier.name)
    ):
        raise ApiRefus.on_field(422, "fichier", problem)
    try:
        document = add_document(
            dossier,
            form.cleaned_data["fichier"],
            type=form.cleaned_data["type"],
            by=request.user,
            piece=form.piece,
        )
    except TransitionRefusee as refus:
        raise ApiRefus(403, refus.message) from None
    return Status(201, document)
