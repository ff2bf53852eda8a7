"""Who may see a candidate, and the table that stores the answer.

The rule: the organisation that registered the candidate, the organisme de formation and the VAE
accompanist (AAP) of any of the candidate's dossiers, and every certificateur of the certification
of any of those dossiers.
CandidatAcces holds its result so that list pages join an index instead of evaluating the rule;
sync_acces() recomputes it for the candidates a write touched (signals below, and the bulk
import explicitly), and `cqpilot recalculer-acces` rebuilds it whole.
"""

from collections.abc import Iterable
from itertools import islice

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cqpilot.core.bulk import insert_rows
from cqpilot.core.models import User
from cqpilot.core.permissions import EDIT_DOSSIERS
from cqpilot.referentiels.models import Certification

from .models import Candidat, CandidatAcces, Dossier

BATCH = 2000


def expected_acces(candidat_ids: list[int]) -> set[tuple[int, int]]:
    """(candidat, organisation) pairs the rule grants, for these candidates."""
    pairs = {
        (pk, organisation)
        for pk, organisation in Candidat.objects.filter(
            pk__in=candidat_ids, created_by_organisation__isnull=False
        ).values_list("pk", "created_by_organisation")
    }
    dossiers = Dossier.objects.filter(candidat__in=candidat_ids)
    pairs.update(dossiers.exclude(organisme=None).values_list("candidat", "organisme"))
    pairs.update(dossiers.exclude(accompagnateur=None).values_list("candidat", "accompagnateur"))
    pairs.update(
        dossiers.values_list("candidat", "certification__certificateurs").exclude(
            certification__certificateurs=None
        )
    )
    return pairs


@transaction.atomic
def sync_acces(candidat_ids: Iterable[int] | None = None) -> None:
    """Make CandidatAcces match the rule for these candidates (all of them when None)."""
    ids = (
        iter(candidat_ids)
        if candidat_ids is not None
        else Candidat.objects.values_list("pk", flat=True).iterator()
    )
    while batch := list(islice(ids, BATCH)):
        wanted = expected_acces(batch)
        stored = set(
            CandidatAcces.objects.filter(candidat__in=batch).values_list("candidat", "organisation")
        )
        for candidat, organisation in stored - wanted:
            CandidatAcces.objects.filter(candidat=candidat, organisation=organisation).delete()
        CandidatAcces.objects.bulk_create(
            [CandidatAcces(candidat_id=c, organisation_id=o) for c, o in wanted - stored],
            ignore_conflicts=True,
        )


def grant_new_rows(candidats: Iterable[Candidat], dossiers: Iterable[Dossier]) -> None:
    """The access implied by rows just bulk-created, which send no signal. New rows only add
    access, so granting their pairs is enough (cheaper than sync_acces at 50,000 rows)."""
    dossiers = list(dossiers)
    pairs = {
        (c.pk, c.created_by_organisation_id) for c in candidats if c.created_by_organisation_id
    }
    owners: dict[int, set[int]] = {}
    for certification, organisation in Certification.certificateurs.through.objects.filter(
        certification__in={d.certification_id for d in dossiers}
    ).values_list("certification", "organisation"):
        owners.setdefault(certification, set()).add(organisation)
    for dossier in dossiers:
        if dossier.organisme_id:
            pairs.add((dossier.candidat_id, dossier.organisme_id))
        if dossier.accompagnateur_id:
            pairs.add((dossier.candidat_id, dossier.accompagnateur_id))
        pairs.update((dossier.candidat_id, o) for o in owners.get(dossier.certification_id, ()))
    insert_rows(
        CandidatAcces._meta.db_table,
        ["candidat_id", "organisation_id"],
        list(pairs),
        ignore_conflicts=True,
    )


ACCESS_FIELDS = {
    "candidat",
    "candidat_id",
    "organisme",
    "organisme_id",
    "accompagnateur",
    "accompagnateur_id",
    "certification",
    "certification_id",
}


@receiver(post_save, sender=Candidat)
def candidat_saved(sender, instance: Candidat, created: bool, update_fields=None, **kwargs) -> None:
    if update_fields is None or "created_by_organisation" in update_fields:
        sync_acces([instance.pk])


@receiver(post_save, sender=Dossier)
def dossier_saved(sender, instance: Dossier, update_fields=None, **kwargs) -> None:
    # A change of state leaves access untouched: no need to recompute on every transition.
    if update_fields is None or ACCESS_FIELDS & set(update_fields):
        sync_acces([instance.candidat_id])


@receiver(post_delete, sender=Dossier)
def dossier_deleted(sender, instance: Dossier, **kwargs) -> None:
    sync_acces([instance.candidat_id])


@receiver(m2m_changed, sender=Certification.certificateurs.through)
def certificateurs_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if isinstance(instance, Certification):
        certifications = [instance.pk]
    elif action == "pre_clear":  # from the organisation's side: remember what is being cleared
        instance._cleared_certifications = list(
            instance.certifications.values_list("pk", flat=True)
        )
        return
    elif action == "post_clear":
        certifications = getattr(instance, "_cleared_certifications", [])
    else:
        certifications = list(pk_set or [])
    if not action.startswith("post_"):
        return
    candidats = Dossier.objects.filter(certification__in=certifications)
    sync_acces(candidats.values_list("candidat", flat=True).distinct().iterator())


def can_edit_dossiers(user: User) -> bool:
    """Who may create and change candidates and dossiers (in the UI and through the API)."""
    return EDIT_DOSSIERS(user)
