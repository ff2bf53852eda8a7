"""Replacing a candidate's identity with neutral values, deleting pièces, and scrubbing the
journal of what it said about him.

What stays is what statistics and the RNCP renewal count: the dossier rows (certification,
dates, state, access route, organisme), enrolments, results and blocs obtained; the person
behind them is gone. Never called on a candidate the law keeps (retention.kept_by_law): the
callers check it.
"""

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet

from cqpilot.core.audit import MASKED
from cqpilot.core.mail import forget_messages_to
from cqpilot.core.models import Organisation, User
from cqpilot.dossiers.models import (
    BlocAcquis,
    Candidat,
    Document,
    Dossier,
    DossierTransition,
    Financement,
)
from cqpilot.evaluations.models import DemandeAmenagement, Inscription, Resultat
from cqpilot.intervenants.models import Intervenant
from cqpilot.jurys.models import Deliberation, Recours
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.vae.models import (
    AnalyseEcart,
    ComplementDemande,
    DemandeRecevabilite,
    DossierValidationVae,
    ExperienceVae,
    NotificationResultatVae,
)

from .models import CandidatAnonymise, Motif

ERASED = "effacé"
# Fields of these models that hold what a person wrote or uploaded about the candidate.
FREE_TEXT = {
    Document: ("nom", "motif_refus"),
    Financement: ("numero_prise_en_charge",),
    BlocAcquis: ("commentaire",),
    Resultat: ("commentaire",),
    # What the candidate wrote against a decision, and the answer that quotes him.
    Recours: ("motifs", "motivation"),
    # His VAE demande de recevabilité: what he declared, what was asked of him, the decision.
    DemandeRecevabilite: (
        "formations",
        "certifications_detenues",
        "accompagnateur",
        "avis_accompagnateur",
        "reference_france_vae",
        "motivation",
        "recommandations",
    ),
    ExperienceVae: ("intitule", "structure", "activites"),
    ComplementDemande: ("pieces",),
    AnalyseEcart: ("commentaire",),
    # The livret 2's document is named by its file name; the result went to these addresses.
    DossierValidationVae: ("document",),
    NotificationResultatVae: ("destinataires",),
}


def neutral_identity(candidat: Candidat) -> dict:
    """The values an anonymised candidate keeps: his sex and the decade of his birth, which say
    nothing of one person and still give the statistics their age bands."""
    return {
        "nom_naissance": "ANONYME",
        "nom_usage": "",
        "prenom1": f"n° {candidat.pk}",
        "prenom2": "",
        "prenom3": "",
        "annee_naissance": candidat.annee_naissance // 10 * 10,
        "mois_naissance": None,
        "jour_naissance": None,
        "code_insee_naissance": "",
        "code_postal_naissance": "",
        "commune_naissance": "",
        "pays_naissance": "",
        "nir": "",
        "email": "",
        "telephone": "",
        "adresse": "",
        "employeur_siret": "",
        "employeur_idcc": "",
    }


def delete_pieces(documents: QuerySet) -> int:
    """Deletes the pièces and, once the transaction is committed, their files. The journal keeps
    their earlier entries, with the file name masked; the purge run counts them."""
    pieces = list(documents.only("pk", "fichier"))
    if not pieces:
        return 0
    names = [piece.fichier.name for piece in pieces if piece.fichier]
    ids = [piece.pk for piece in pieces]
    _scrub(Document, ids, repr_of=lambda pk: f"Pièce n° {pk} (supprimée)")
    # A livret 2's deposit stays a fact (its day, the jury's deadline) without its document.
    depots = DossierValidationVae.objects.filter(document__in=ids)
    _scrub(
        DossierValidationVae,
        list(depots.values_list("pk", flat=True)),
        repr_of=lambda pk: f"Dossier de validation VAE n° {pk}",
    )
    with disable_auditlog():
        depots.update(document=None)
        Document.objects.filter(pk__in=ids).delete()
    storage = Document._meta.get_field("fichier").storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return len(ids)


def delete_amenagements(demandes: QuerySet) -> int:
    """Deletes the requests for an aménagement d'épreuves and, after commit, their medical
    justificatifs: health data, of no use once the candidate is anonymised. The journal keeps
    that there were requests, every value masked."""
    rows = list(demandes.only("pk", "justificatif"))
    if not rows:
        return 0
    names = [row.justificatif.name for row in rows if row.justificatif]
    ids = [row.pk for row in rows]
    _scrub(
        DemandeAmenagement,
        ids,
        repr_of=lambda pk: f"Demande d'aménagement n° {pk} (supprimée)",
        every_field=True,
    )
    with disable_auditlog():
        DemandeAmenagement.objects.filter(pk__in=ids).delete()
    storage = DemandeAmenagement._meta.get_field("justificatif").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(ids)


@transaction.atomic
def anonymise(
    candidat: Candidat, *, organisation: Organisation | None, motif: str, by: User | None
) -> None:
    """Replaces the candidate's identity, deletes his pièces and free texts about him, and
    records it in the journal (without a name)."""
    old_repr = str(candidat)
    dossiers = list(Dossier.objects.filter(candidat=candidat).values_list("pk", flat=True))
    # The mail task rows keep each message's address, text and attachments.
    forget_messages_to(
        [
            candidat.email,
            # the espace's mails (login links, decisions) go to the account's own address
            candidat.compte.email if candidat.compte_id else "",
            *EnqueteInsertion.objects.filter(document__dossier__in=dossiers).values_list(
                "email", flat=True
            ),
        ]
    )
    delete_pieces(Document.objects.filter(dossier__in=dossiers))
    delete_amenagements(DemandeAmenagement.objects.filter(dossier__in=dossiers))
    with disable_auditlog():
        Financement.objects.filter(dossier__in=dossiers).update(numero_prise_en_charge="")
        DossierTransition.objects.filter(dossier__in=dossiers).update(motif="")
        BlocAcquis.objects.filter(candidat=candidat).update(commentaire="")
        Resultat.objects.filter(dossier__in=dossiers).update(commentaire="")
        Deliberation.objects.filter(dossier__in=dossiers).update(preconisations="", motivation="")
        # A recours stays a legal act (filed, decided, its outcome), without his words.
        Recours.objects.filter(deliberation__dossier__in=dossiers).update(motifs=ERASED)
        Recours.objects.filter(deliberation__dossier__in=dossiers).exclude(motivation="").update(
            motivation=ERASED
        )
        erase_demandes_vae(dossiers)
        Intervenant.candidats_suivis.through.objects.filter(candidat=candidat).delete()
        for field, value in neutral_identity(candidat).items():
            setattr(candidat, field, value)
        candidat.save()
        if candidat.compte_id:
            close_account(candidat.compte)
    CandidatAnonymise.objects.create(candidat=candidat, organisation=organisation, motif=motif)
    _scrub_journal(candidat, dossiers, old_repr)
    LogEntry.objects.log_create(
        candidat,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=by,
        changes={"identité": ["", f"anonymisée ({Motif(motif).label.lower()})"]},
    )


def erase_demandes_vae(dossiers: list[int]) -> None:
    """His VAE demande stays a legal act (filed, complete, decided, the durations and natures of
    his experiences, the gap analysis's levels), without what he or the certifier wrote."""
    demandes = DemandeRecevabilite.objects.filter(dossier__in=dossiers)
    demandes.update(
        formations="",
        certifications_detenues="",
        accompagnateur="",
        avis_accompagnateur="",
        reference_france_vae="",
        recommandations="",
    )
    demandes.exclude(motivation="").update(motivation=ERASED)
    ExperienceVae.objects.filter(demande__in=demandes).update(
        intitule=ERASED, structure="", activites=""
    )
    ComplementDemande.objects.filter(demande__in=demandes).update(pieces=ERASED)
    AnalyseEcart.objects.filter(demande__in=demandes).update(commentaire="")
    # The result's notification keeps its day; its addresses (his, his accompanist's) go.
    NotificationResultatVae.objects.filter(deliberation__dossier__in=dossiers).exclude(
        destinataires="par courrier"
    ).update(destinataires=ERASED)


def close_account(user: User) -> None:
    """The candidate's account (espace candidat) goes with his identity: it can no longer sign
    in, and neither its name nor its address remain."""
    user.username = f"anonyme-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _scrub_journal(candidat: Candidat, dossiers: list[int], old_repr: str) -> None:
    """The journal's past entries about the candidate keep what was done, when and by whom, not
    what he was called: their text and changed values are replaced."""
    neutral = f"Candidat anonymisé n° {candidat.pk}"
    _scrub(Candidat, [candidat.pk], repr_of=lambda pk: neutral, every_field=True)
    related = {
        Dossier: dossiers,
        Financement: Financement.objects.filter(dossier__in=dossiers).values_list("pk", flat=True),
        BlocAcquis: BlocAcquis.objects.filter(candidat=candidat).values_list("pk", flat=True),
        Inscription: Inscription.objects.filter(dossier__in=dossiers).values_list("pk", flat=True),
        Resultat: Resultat.objects.filter(dossier__in=dossiers).values_list("pk", flat=True),
        Deliberation: Deliberation.objects.filter(dossier__in=dossiers).values_list(
            "pk", flat=True
        ),
        Recours: Recours.objects.filter(deliberation__dossier__in=dossiers).values_list(
            "pk", flat=True
        ),
    }
    demandes = DemandeRecevabilite.objects.filter(dossier__in=dossiers)
    related[DemandeRecevabilite] = demandes.values_list("pk", flat=True)
    for model in (ExperienceVae, ComplementDemande, AnalyseEcart):
        related[model] = model.objects.filter(demande__in=demandes).values_list("pk", flat=True)
    related[DossierValidationVae] = DossierValidationVae.objects.filter(
        dossier__in=dossiers
    ).values_list("pk", flat=True)
    related[NotificationResultatVae] = NotificationResultatVae.objects.filter(
        deliberation__dossier__in=dossiers
    ).values_list("pk", flat=True)
    for model, ids in related.items():
        _scrub(model, list(ids), repr_of=lambda pk, m=model: f"{m._meta.verbose_name} n° {pk}")
    # Intervenants' « candidats suivis » name him in their many-to-many changes.
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Intervenant),
        changes__icontains=old_repr,
    )
    for entry in entries:
        changes = _replace(entry.changes, old_repr, neutral)
        LogEntry.objects.filter(pk=entry.pk).update(changes=changes)


def _scrub(model, ids: list[int], *, repr_of, every_field: bool = False) -> None:
    if not ids:
        return
    free_text = set(FREE_TEXT.get(model, ()))
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    ).only("pk", "object_id", "changes")
    for entry in entries:
        changes = {
            field: _masked_change(change) if every_field or field in free_text else change
            for field, change in (entry.changes or {}).items()
        }
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=repr_of(entry.object_id),
            changes=changes,
            changes_text="",
            serialized_data=None,
        )


def _masked_change(change):
    if isinstance(change, list):
        return [ERASED if value not in ("", "None", None) else value for value in change]
    return MASKED


def _replace(value, old: str, new: str):
    """`value` (JSON: dicts, lists, strings) with every string mentioning `old` rewritten."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    return value
