"""The life of a passage at the CDC, as one table: what each event makes of each status.

A passage's status changes only through `TRANSITIONS`, applied by `apply()`: after a deposit it
follows what the CDC answered, and nothing but the CDC's answer settles it. A document cancelled
after its passage reached the CDC is withdrawn (flux SUPPRESSION, schema 2026) and the passage is
« Retiré » only once the CDC has accepted the withdrawal; then no event takes it back.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from cqpilot.core.cells import normalise_header
from cqpilot.delivrance.models import DocumentStatus

from .models import FichierAccrochage, PassageAccrochage
from .models import PassageStatus as S


class Event(models.TextChoices):
    # by the certifier's manager
    DEPOT = "depot", "fichier de dépôt produit"
    CORRECTION = "correction", "passage accepté corrigé, à redéposer"
    RETRAIT = "retrait", "fichier de retrait produit"
    # by délivrance
    ANNULATION = "annulation", "document annulé"
    # by the CDC, in its report on the passage's latest file
    ACCEPTE = "accepte", "dépôt accepté par la Caisse des Dépôts"
    REJETE = "rejete", "dépôt rejeté par la Caisse des Dépôts"
    RETRAIT_ACCEPTE = "retrait_accepte", "retrait accepté par la Caisse des Dépôts"
    RETRAIT_REFUSE = "retrait_refuse", "retrait refusé par la Caisse des Dépôts"


E = Event
# (status, event) → status. A pair that is absent is an event that does not apply: a report never
# downgrades what the CDC accepted, a settled withdrawal never comes back.
TRANSITIONS: dict[tuple[str, str], str] = {
    # deposit, and the CDC's verdict
    (S.A_DEPOSER, E.DEPOT): S.DEPOSE,
    (S.REJETE, E.DEPOT): S.DEPOSE,  # re-deposited with the same idTechnique
    (S.DEPOSE, E.ACCEPTE): S.ACCEPTE,
    (S.DEPOSE, E.REJETE): S.REJETE,
    (S.REJETE, E.ACCEPTE): S.ACCEPTE,  # the same file's report, the CDC's acceptance after all
    (S.ACCEPTE, E.ACCEPTE): S.ACCEPTE,
    (S.ACCEPTE, E.CORRECTION): S.A_DEPOSER,
    # the document cancelled: what the CDC holds is withdrawn, nothing else
    (S.A_DEPOSER, E.ANNULATION): S.SANS_OBJET,
    (S.REJETE, E.ANNULATION): S.SANS_OBJET,
    (S.DEPOSE, E.ANNULATION): S.A_RETIRER,  # the CDC may accept it: its report will tell
    (S.ACCEPTE, E.ANNULATION): S.A_RETIRER,
    (S.A_RETIRER, E.ACCEPTE): S.A_RETIRER,
    (S.A_RETIRER, E.REJETE): S.SANS_OBJET,
    # withdrawal (also chosen by hand for a passage deposited by mistake), and the CDC's verdict
    (S.A_RETIRER, E.RETRAIT): S.RETRAIT_DEPOSE,
    (S.RETRAIT_REFUSE, E.RETRAIT): S.RETRAIT_DEPOSE,
    (S.DEPOSE, E.RETRAIT): S.RETRAIT_DEPOSE,
    (S.ACCEPTE, E.RETRAIT): S.RETRAIT_DEPOSE,
    (S.RETRAIT_DEPOSE, E.RETRAIT_ACCEPTE): S.RETIRE,
    (S.RETRAIT_DEPOSE, E.RETRAIT_REFUSE): S.RETRAIT_REFUSE,
    (S.RETRAIT_REFUSE, E.RETRAIT_ACCEPTE): S.RETIRE,
    (S.RETIRE, E.RETRAIT_ACCEPTE): S.RETIRE,
}
SETTLED = (S.RETIRE, S.SANS_OBJET)  # nothing left to do, at the CDC or here
CDC_VERDICTS = (E.ACCEPTE, E.REJETE, E.RETRAIT_ACCEPTE, E.RETRAIT_REFUSE)
UNKNOWN_PASSAGE = "passage inconnu"


def next_status(status: str, event: str, *, correction: bool) -> str | None:
    """The status the event leads to; None when it does not apply to this status.

    A corrected passage was accepted before its correction: the CDC holds that version, so a
    cancellation withdraws it even when the correction was not (or not yet) accepted."""
    target = TRANSITIONS.get((status, event))
    if target == S.SANS_OBJET and correction:
        return S.A_RETIRER
    return target


def sources(event: str) -> set[str]:
    """The statuses the event applies to."""
    return {status for status, on in TRANSITIONS if on == event}


def apply(
    passages: Iterable[PassageAccrochage],
    event: str,
    *,
    messages: dict[int, str] | None = None,
    fichier: FichierAccrochage | None = None,
) -> list[PassageAccrochage]:
    """Move each passage the event applies to, and return those it does not apply to (left as
    they are). `messages` (passage pk → text) is what the CDC said; `fichier` becomes the
    passages' latest file. Few queries: one UPDATE per resulting status and message."""
    messages = messages or {}
    groups: dict[tuple[str, str, bool], list[int]] = defaultdict(list)
    left = []
    for passage in passages:
        target = next_status(passage.status, event, correction=passage.correction)
        if target is None:
            left.append(passage)
            continue
        # an acceptance ends a correction: the CDC holds the corrected data
        correction = {E.ACCEPTE: False, E.CORRECTION: True}.get(event, passage.correction)
        groups[(target, messages.get(passage.pk, ""), correction)].append(passage.pk)
        passage.status, passage.message_cdc, passage.correction = (
            target,
            messages.get(passage.pk, ""),
            correction,
        )
    now = timezone.now()
    extra = {"last_file": fichier} if fichier is not None else {}
    for (target, message, correction), pks in groups.items():
        for start in range(0, len(pks), 10_000):  # SQLite binds at most 32,766 parameters
            PassageAccrochage.objects.filter(pk__in=pks[start : start + 10_000]).update(
                status=target, message_cdc=message, correction=correction, updated_at=now, **extra
            )
    return left


def follow_cancellations(organisation, document=None) -> None:
    """The passages of the documents cancelled since (of `document` only, when given): withdrawn
    when the CDC holds them (or may), without object otherwise. A passage already on its way out
    is left alone."""
    cancelled = PassageAccrochage.objects.filter(
        organisation=organisation,
        document__status=DocumentStatus.ANNULE,
        status__in=sources(E.ANNULATION),
    )
    if document is not None:
        cancelled = cancelled.filter(document=document)
    now = timezone.now()
    for correction in (False, True):
        targets: dict[str, list[str]] = defaultdict(list)
        for status in sources(E.ANNULATION):
            targets[next_status(status, E.ANNULATION, correction=correction)].append(status)
        for target, statuses in targets.items():
            cancelled.filter(status__in=statuses, correction=correction).update(
                status=target, message_cdc="", updated_at=now
            )


def next_step(passage: PassageAccrochage) -> str:
    """What the certifier does next, in French, when the CDC's answer calls for something."""
    if passage.status == S.REJETE:
        if passage.message_cdc.startswith("Fichier rejeté"):
            return "Redéposez-le : il part dans un nouveau fichier, avec le même identifiant."
        return (
            "Vérifiez l'identité du titulaire sur une pièce d'état civil (nom de naissance, "
            "prénom, sexe, date et commune de naissance), corrigez sa fiche, puis redéposez-le."
        )
    if passage.status == S.RETRAIT_REFUSE:
        if normalise_header(passage.message_cdc).startswith(UNKNOWN_PASSAGE):
            return (
                "La Caisse des Dépôts n'a pas ce passage : il ne figure pas au passeport de "
                "compétences du titulaire. Vérifiez-le dans votre espace de la Caisse des "
                "Dépôts ; s'il n'y apparaît pas, il n'y a rien d'autre à faire."
            )
        return (
            "Le passage figure toujours au passeport de compétences du titulaire : corrigez ce "
            "que signale la Caisse des Dépôts et retirez-le à nouveau (cochez-le, « Retirer la "
            "sélection »), ou demandez-lui le retrait."
        )
    return ""
