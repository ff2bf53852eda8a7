"""Closing a jury, its PV (PDF, the content docs/domaine.md §1.5 lists), its signatures (who signs:
signatures.py), rectifications, the CPNE step, and the decisions applied to the dossiers. No HTTP
here."""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.core.pdf import html_to_pdf
from cqpilot.dossiers.models import AcquisSource, BlocAcquis, DossierState
from cqpilot.dossiers.workflow import record_jury_decision

from .deliberation import lignes
from .models import BlocResultat, Decision, Jury, JuryStatus, ProcesVerbal, SignaturePV
from .services import composition_of, membres_of, regles_of
from .signatures import check_signer, etat_signatures, signataires
from .workflow import JuryRefus, check_transition, lock, require_status, today, transition


def pv_context(jury: Jury, pv: ProcesVerbal) -> dict:
    membres = membres_of(jury)
    regles = regles_of(jury)
    rows = lignes(jury, membres)
    return {
        "jury": jury,
        "pv": pv,
        "certification": jury.certification,
        "regles": regles,
        "signatures": etat_signatures(pv, membres, regles) if pv.pk else [],
        "signataires": signataires(membres, regles)[0],
        "membres": membres,
        "presents": [m for m in membres if m.present],
        "absents": [m for m in membres if not m.present],
        "composition": composition_of(jury, membres),
        "lignes": rows,
        "recusations": [
            (li.deliberation.dossier.candidat, r) for li in rows for r in li.recusations
        ],
        "now": timezone.localtime(),
    }


def pv_pdf(jury: Jury, pv: ProcesVerbal, *, base_url: str = "") -> bytes:
    # base_url is no longer used: a PDF loads nothing from the server (core/pdf.py).
    return html_to_pdf(render_to_string("jurys/pv_pdf.html", pv_context(jury, pv)))


@transaction.atomic
def close(jury: Jury, *, by: User, base_url: str = "") -> ProcesVerbal:
    """End the deliberation: refused while the jury is not validly composed or a decision is
    missing or not adopted; otherwise the PV (next version) is produced, to be signed."""
    lock(jury)
    check_transition(jury, JuryStatus.CLOS, by=by)
    membres = membres_of(jury)
    composition = composition_of(jury, membres)
    problems = list(composition.problems)
    problems += signataires(membres, regles_of(jury))[1]
    for ligne in lignes(jury, membres):
        name = ligne.deliberation.dossier.candidat
        # What the jury-wide check already says is not repeated for each candidate.
        if own := [
            p.rstrip(".") for p in ligne.composition.problems if p not in composition.problems
        ]:
            problems.append(f"{name} : composition irrégulière ({' ; '.join(own)}).")
        if not ligne.deliberation.decision:
            problems.append(f"{name} : décision non prise.")
        elif not ligne.adoption.adopted:
            problems.append(
                f"{name} : décision non adoptée ({ligne.adoption.explanation.rstrip('.')})."
            )
    if problems:
        raise JuryRefus("Le jury ne peut pas être clos. " + " ".join(problems))
    pv = ProcesVerbal(
        jury=jury, numero=jury.pvs.count() + 1, rectification=jury.rectification_en_cours
    )
    _write_pdf(pv, base_url)  # a draft, marked as such, for the jury to read before signing
    jury.rectification_en_cours = ""
    jury.save(update_fields=["rectification_en_cours"])
    transition(jury, JuryStatus.CLOS, by=by)
    return pv


@transaction.atomic
def reopen(jury: Jury, *, by: User) -> None:
    """Back to deliberation before signing (the unsigned PV is discarded)."""
    lock(jury)
    check_transition(jury, JuryStatus.DELIBERATION, by=by)
    pv = jury.pvs.filter(signed_at=None).last()
    if pv:
        jury.rectification_en_cours = pv.rectification
        jury.save(update_fields=["rectification_en_cours"])
        # The file goes once the deletion is committed: a rollback keeps both.
        transaction.on_commit(lambda name=pv.fichier.name: pv.fichier.storage.delete(name))
        pv.delete()
    transition(jury, JuryStatus.DELIBERATION, by=by)


def _write_pdf(pv: ProcesVerbal, base_url: str) -> None:
    content = pv_pdf(pv.jury, pv, base_url=base_url)
    if pv.fichier:
        pv.fichier.delete(save=False)
    pv.sha256 = hashlib.sha256(content).hexdigest()
    pv.fichier.save(f"pv-v{pv.numero}.pdf", ContentFile(content), save=False)
    pv.save()


@transaction.atomic
def sign(jury: Jury, *, by: User, base_url: str = "") -> ProcesVerbal:
    """`by` signs the PV as one of the signers the certification's rules require. The last
    signature locks the jury: the PV is produced signed, and its SHA-256 kept."""
    lock(jury)
    require_status(jury, JuryStatus.CLOS)
    membres, regles = membres_of(jury), regles_of(jury)
    pv = jury.pvs.get(signed_at=None)
    mine = check_signer(jury, by, pv, membres, regles)
    SignaturePV.objects.create(
        pv=pv, membre=mine.membre, user=by, qualite=mine.qualite, signed_at=timezone.now()
    )
    if any(e.signature is None for e in etat_signatures(pv, membres, regles)):
        return pv
    pv.signed_by = by
    pv.signed_at = timezone.now()
    _write_pdf(pv, base_url)  # the signed PV, whose SHA-256 is the one kept
    transition(jury, JuryStatus.SIGNE, by=by)
    if not regles.validation_cpne or jury.date_validation_cpne:
        apply_decisions(jury, by=by)
    return pv


@transaction.atomic
def validate_cpne(jury: Jury, on: date, *, by: User) -> None:
    require_status(jury, JuryStatus.SIGNE)
    if not regles_of(jury).validation_cpne:
        raise JuryRefus("Cette certification ne prévoit pas de validation par la CPNE.")
    if on < jury.date:
        raise JuryRefus("La validation CPNE ne peut pas précéder le jury.")
    if on > today():
        raise JuryRefus("La validation CPNE ne peut pas être datée d'un jour à venir.")
    jury.date_validation_cpne = on
    jury.save(update_fields=["date_validation_cpne"])
    apply_decisions(jury, by=by)


@transaction.atomic
def rectify(jury: Jury, motif: str, *, by: User) -> None:
    """Reopen a signed jury for a recorded correction; closing it again produces a new PV
    version, and signing that one applies the corrected decisions."""
    lock(jury)
    check_transition(jury, JuryStatus.DELIBERATION, by=by, motif=motif)
    jury.rectification_en_cours = motif.strip()
    jury.save(update_fields=["rectification_en_cours"])
    transition(jury, JuryStatus.DELIBERATION, by=by, motif=motif)


DOSSIER_STATE = {
    Decision.TOTALE: DossierState.CERTIFIE,
    Decision.PARTIELLE: DossierState.VALIDATION_PARTIELLE,
    Decision.NON_VALIDE: DossierState.NON_VALIDE,
}


def decision_date(jury: Jury) -> date:
    """The date the blocs are obtained: the CPNE's when it pronounces, else the jury's."""
    return jury.date_validation_cpne or jury.date


# Sent once a signed PV's (or the CPNE's) decisions are applied, with the deliberations.
decisions_applied = Signal()


def apply_decisions(jury: Jury, *, by: User) -> None:
    """Dossiers take the jury's decisions; validated blocs become acquired (carried over by
    later dossiers). Idempotent, so that a rectified PV re-applies cleanly."""
    on = decision_date(jury)
    pv = jury.pvs.order_by("numero").last()
    motif = f"Décision du jury du {jury.date:%d/%m/%Y} (PV v{pv.numero})"
    deliberations = jury.deliberations.select_related(
        "dossier__candidat", "dossier__organisme"
    ).prefetch_related("blocs__bloc")
    for deliberation in deliberations:
        dossier = deliberation.dossier
        record_jury_decision(dossier, DOSSIER_STATE[deliberation.decision], by=by, motif=motif)
        # One by one, through the ORM: the journal records each bloc acquired or withdrawn.
        for acquis in BlocAcquis.objects.filter(dossier=dossier, source=AcquisSource.JURY):
            acquis.delete()
        for decision in deliberation.blocs.all():
            if decision.resultat == BlocResultat.VALIDE:
                BlocAcquis.objects.create(
                    candidat=dossier.candidat,
                    bloc_id=decision.bloc_id,
                    source=AcquisSource.JURY,
                    date_obtention=on,
                    dossier=dossier,
                    created_by=by,
                )
    decisions_applied.send(sender=Jury, jury=jury, deliberations=list(deliberations))
