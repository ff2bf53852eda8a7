"""What the law keeps, and what is due for purge at one certifier on one day.

Each function answers with a queryset or a list, never a write: the purge (purge.py) and its dry
run read the same answers.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cqpilot.accrochage.models import PassageAccrochage, PassageStatus
from cqpilot.core.models import CERTIFICATEUR_KINDS, Organisation
from cqpilot.delivrance.models import DocumentDelivre, DocumentKind
from cqpilot.delivrance.models import DocumentStatus as DocumentDelivreStatus
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import Candidat, CandidatImport, Document, Dossier, DossierState
from cqpilot.jurys.models import Deliberation, RecoursStatus
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.referentiels.models import Certification

from .models import DEFAULT_DOSSIERS_SANS_SUITE_MOIS, RetentionPolicy

# Dossiers that ended before any jury: what « sans suite » means for the retention periods.
SANS_SUITE = (DossierState.BROUILLON, DossierState.NON_RECEVABLE, DossierState.ABANDON)
DECIDED = (DossierState.CERTIFIE, DossierState.VALIDATION_PARTIELLE, DossierState.NON_VALIDE)
CLOSED = SANS_SUITE + DECIDED  # no document, hence no deposit, can come out of these any more
# A passage the CDC has not settled yet: the NIR may still have to be sent.
PASSAGE_PENDING = tuple(
    status
    for status in PassageStatus.values
    if status not in (PassageStatus.ACCEPTE, PassageStatus.RETIRE, PassageStatus.SANS_OBJET)
)


def policy_for(organisation: Organisation, *, create: bool = True) -> RetentionPolicy:
    """The certifier's retention periods, the defaults when it never set them (saved only when
    `create`: a dry run writes nothing)."""
    policy = RetentionPolicy.objects.filter(organisation=organisation).first()
    if policy is None:
        policy = RetentionPolicy(organisation=organisation)
        if create:
            policy.save()
    return policy


def cutoff(today: date, months: int) -> datetime:
    """The start of the day `months` before `today`: what is older is due."""
    return timezone.make_aware(datetime.combine(add_months(today, -months), time.min))


# --- What the law keeps ------------------------------------------------------------------------


def in_register() -> QuerySet:
    """Candidates with a line in the register of documents issued (cancelled ones included: the
    register keeps them), which proves their certification for life (docs/domaine.md §7.2)."""
    return DocumentDelivre.objects.values("dossier__candidat")


def in_signed_pv() -> QuerySet:
    """Candidates named in a PV that was signed once: a signed PV and its hash never change."""
    return Deliberation.objects.filter(jury__pvs__signed_at__isnull=False).values(
        "dossier__candidat"
    )


def kept_by_law(candidats: QuerySet) -> QuerySet:
    return candidats.filter(Q(pk__in=in_register()) | Q(pk__in=in_signed_pv()))


# --- What is due -------------------------------------------------------------------------------


def _of_certifier(organisation: Organisation) -> QuerySet:
    return Dossier.objects.filter(certification__certificateurs=organisation)


def due_candidats(policy: RetentionPolicy, today: date) -> list[Candidat]:
    """Candidates whose every dossier ended without a jury long enough ago, at this certifier and
    at any other one (each by its own period): their identity is anonymised. Never one the law
    keeps, nor one presented to a jury, nor one already anonymised."""
    limit = cutoff(today, policy.dossiers_sans_suite_mois)
    found = (
        Candidat.objects.filter(
            pk__in=_of_certifier(policy.organisation)
            .filter(state__in=SANS_SUITE, updated_at__lt=limit)
            .values("candidat")
        )
        .exclude(pk__in=Dossier.objects.exclude(state__in=SANS_SUITE).values("candidat"))
        .exclude(pk__in=Deliberation.objects.values("dossier__candidat"))
        .exclude(pk__in=in_register())
        .exclude(pk__in=in_signed_pv())
        .exclude(anonymise__isnull=False)
        .order_by("pk")
    )
    candidats = list(found)
    due = _all_dossiers_due([c.pk for c in candidats], today, policy)
    return [c for c in candidats if c.pk in due]


def _all_dossiers_due(
    candidat_ids: Iterable[int], today: date, policy: RetentionPolicy
) -> set[int]:
    """Those of the candidates all of whose dossiers are due by the period of each of their
    certifiers (the longest, for a certification several certify); `policy`'s certifier by
    `policy`, saved or not."""
    rows = list(
        Dossier.objects.filter(candidat__in=candidat_ids).values_list(
            "candidat", "updated_at", "certification__certificateurs"
        )
    )
    certifiers = {certifier for _, _, certifier in rows if certifier is not None}
    months = {
        other.organisation_id: other.dossiers_sans_suite_mois
        for other in RetentionPolicy.objects.filter(organisation__in=certifiers)
    }
    months[policy.organisation_id] = policy.dossiers_sans_suite_mois
    not_due = {
        candidat
        for candidat, updated_at, certifier in rows
        if updated_at
        >= cutoff(today, months.get(certifier, RetentionPolicy().dossiers_sans_suite_mois))
    }
    return {candidat for candidat, _, _ in rows} - not_due


def due_pieces(policy: RetentionPolicy, today: date) -> QuerySet:
    """Pièces of the certifier's dossiers: those ended without a jury after the « sans suite »
    period, those decided after the pièces period (from the decision)."""
    sans_suite = cutoff(today, policy.dossiers_sans_suite_mois)
    decided = cutoff(today, policy.pieces_mois)
    return (
        Document.objects.filter(dossier__in=_of_certifier(policy.organisation))
        .alias(decided_at=Coalesce("dossier__state_changed_at", "dossier__updated_at"))
        .filter(
            Q(dossier__state__in=SANS_SUITE, dossier__updated_at__lt=sans_suite)
            | Q(dossier__state__in=DECIDED, decided_at__lt=decided)
        )
        # a recours being examined, or still possible, needs the dossier's pièces
        .exclude(
            dossier__in=Deliberation.objects.filter(
                Q(recours__status=RecoursStatus.DEPOSE) | _recours_still_possible(policy, today)
            ).values("dossier")
        )
        .order_by("dossier", "pk")
    )


def _recours_still_possible(policy: RetentionPolicy, today: date) -> Q:
    """Deliberations whose signed PV may still be contested, at the certifications whose
    recours deadline (a setting of each, jurys.recours) outlasts the pièces period. Counted
    back from today, a month's end clamped may keep the pièces a day longer, never shorter."""
    longer = Certification.objects.filter(
        certificateurs=policy.organisation, delai_recours_mois__gt=policy.pieces_mois
    ).values_list("pk", "delai_recours_mois")
    condition = Q(pk__in=[])
    for certification, months in longer:
        condition |= Q(
            jury__certification=certification, jury__pvs__signed_at__gte=cutoff(today, months)
        )
    return condition


def due_nir(policy: RetentionPolicy, today: date) -> QuerySet:
    """Candidates whose NIR has served: the CDC accepted their passages at this certifier before
    the period, no passage of theirs anywhere awaits the CDC or was accepted since, no document
    of theirs awaits its passage, and no dossier of theirs is in progress (it may lead to a new
    deposit)."""
    limit = cutoff(today, policy.nir_mois)
    passages = PassageAccrochage.objects.values("document__dossier__candidat")
    undeposited = (
        DocumentDelivre.objects.filter(status=DocumentDelivreStatus.VALIDE, passages__isnull=True)
        .exclude(certification__code_rncp_rs="")
        .exclude(kind=DocumentKind.ATTESTATION, certification__code_rncp_rs__startswith="RS")
        .values("dossier__candidat")
    )
    return (
        Candidat.objects.exclude(nir="")
        .filter(
            pk__in=passages.filter(
                organisation=policy.organisation,
                status=PassageStatus.ACCEPTE,
                updated_at__lt=limit,
            )
        )
        .exclude(pk__in=passages.filter(status__in=PASSAGE_PENDING))
        .exclude(pk__in=passages.filter(status=PassageStatus.ACCEPTE, updated_at__gte=limit))
        .exclude(pk__in=undeposited)
        .exclude(pk__in=Dossier.objects.exclude(state__in=CLOSED).values("candidat"))
        .order_by("pk")
    )


def due_enquetes(policy: RetentionPolicy, today: date) -> QuerySet:
    """The certifier's survey rows still holding an e-mail or a comment, answered (or due to be
    sent, when never answered) before the period."""
    limit = cutoff(today, policy.enquetes_mois)
    return (
        EnqueteInsertion.objects.filter(organisation=policy.organisation)
        .filter(Q(email__gt="") | Q(commentaire__gt=""))
        .filter(
            Q(repondue_le__lt=limit) | Q(repondue_le__isnull=True, date_prevue__lt=limit.date())
        )
        .order_by("pk")
    )


def due_import_reports(policy: RetentionPolicy, today: date) -> QuerySet:
    """The certifier's own imports older than the « sans suite » period whose report still
    holds messages: they quote the file's cells (a birth date, an e-mail), and no candidate
    is linked to them to be anonymised with."""
    return _import_reports_before(cutoff(today, policy.dossiers_sans_suite_mois)).filter(
        organisation=policy.organisation
    )


def _import_reports_before(limit: datetime) -> QuerySet:
    return (
        CandidatImport.objects.filter(created_at__lt=limit)
        .exclude(errors=[], warnings=[])
        .order_by("pk")
    )


def due_other_import_reports(today: date) -> QuerySet:
    """The imports of OFs (their rows may go to several certifiers) or of a deleted
    organisation: after the default « sans suite » period."""
    return _import_reports_before(cutoff(today, DEFAULT_DOSSIERS_SANS_SUITE_MOIS)).exclude(
        organisation__kind__in=CERTIFICATEUR_KINDS
    )
