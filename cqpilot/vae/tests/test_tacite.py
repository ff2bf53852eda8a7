"""Silence means acceptance: the daily command turns a complete demande whose last day has
passed without a decision into « recevable (acceptation tacite) », from the day after that last
day; the dossier becomes recevable (journaled, no user), the candidate gets the letter. Not
before the day after, not when the certification gives silence no effect, never twice."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.management import call_command

from cqpilot.core.pdf import pdf_text
from cqpilot.dossiers.models import DossierState
from cqpilot.dossiers.tests.factories import PieceExigeeFactory
from cqpilot.dossiers.workflow import TransitionRefusee, available_transitions, transition
from cqpilot.vae.models import StatutDemande
from cqpilot.vae.recevabilite import declarer_complete

from .factories import at, reload, vae_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def complete_on(w, day: date):
    demande = w.demande(on=day)
    with at(day):
        declarer_complete(demande, by=w.gestionnaire)
    return reload(demande)


def run_on(day: date, capsys) -> str:
    with at(day, hour=3):
        call_command("vae_acceptations_tacites")
    return capsys.readouterr().out


def test_the_day_after_the_last_day_the_demande_becomes_recevable(
    capsys, django_capture_on_commit_callbacks
):
    w = vae_world()
    demande = complete_on(w, date(2026, 12, 31))  # last day: 28 February 2027
    assert "0 demande devenue recevable" in run_on(date(2027, 2, 28), capsys)
    assert reload(demande).statut == StatutDemande.COMPLETE
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        out = run_on(date(2027, 3, 1), capsys)
    assert "1 demande devenue recevable par acceptation tacite" in out
    demande = reload(demande)
    assert demande.statut == StatutDemande.RECEVABLE_TACITE
    assert (demande.decidee_le, demande.decidee_par) == (date(2027, 3, 1), None)
    assert demande.valide_jusquau == date(2028, 3, 1)
    dossier = demande.dossier
    assert dossier.state == DossierState.RECEVABLE
    last = dossier.transitions.last()
    assert (last.from_state, last.to_state, last.by) == (
        DossierState.INSCRIT,
        DossierState.RECEVABLE,
        None,
    )
    assert "le silence du certificateur vaut acceptation" in last.motif
    statuts = [e.changes_dict.get("statut") for e in LogEntry.objects.get_for_object(demande)]
    assert ["complete", "recevable_tacite"] in statuts
    (message,) = mail.outbox
    assert message.to == [dossier.candidat.compte.email]
    assert "est recevable (acceptation tacite)" in message.body
    assert "acceptation tacite" in pdf_text(message.attachments[0][1])

    assert "0 demande devenue recevable" in run_on(date(2027, 3, 2), capsys)  # never twice


def test_a_late_run_dates_the_acceptance_from_the_day_after_the_last_day(capsys):
    w = vae_world()
    demande = complete_on(w, date(2026, 11, 30))  # last day: 30 January 2027
    run_on(date(2027, 2, 10), capsys)  # the job did not run for ten days
    assert reload(demande).decidee_le == date(2027, 1, 31)


def test_no_tacit_acceptance_when_the_certification_gives_silence_no_effect(capsys):
    w = vae_world()
    w.certification.silence_recevabilite_vae = "sans_effet"
    w.certification.save()
    demande = complete_on(w, date(2026, 11, 2))
    run_on(date(2027, 6, 1), capsys)
    assert reload(demande).statut == StatutDemande.COMPLETE
    assert reload(demande).dossier.state == DossierState.INSCRIT


def test_missing_pieces_exigees_do_not_hold_the_law_back(capsys):
    w = vae_world()
    PieceExigeeFactory(certification=w.certification, etat_requis=DossierState.RECEVABLE)
    demande = complete_on(w, date(2026, 11, 2))
    run_on(date(2027, 1, 3), capsys)
    assert reload(demande).dossier.state == DossierState.RECEVABLE


def test_a_dossier_moved_meanwhile_is_reported_and_holds_no_other_back(capsys):
    w = vae_world()
    abandoned = complete_on(w, date(2026, 11, 2))
    with at(date(2026, 11, 10)):
        transition(abandoned.dossier, DossierState.ABANDON, by=w.gestionnaire, motif="Parti")
    other = complete_on(w, date(2026, 11, 3))
    with at(date(2027, 1, 10), hour=3):
        call_command("vae_acceptations_tacites")
    captured = capsys.readouterr()
    assert "1 demande devenue recevable par acceptation tacite, 1 en échec" in captured.out
    assert "ne peut pas passer à « Recevable »" in captured.err
    assert reload(other).statut == StatutDemande.RECEVABLE_TACITE
    assert reload(abandoned).statut == StatutDemande.COMPLETE


def test_the_hidden_system_move_is_no_button_and_no_user_move():
    w = vae_world()
    dossier = w.dossier()
    labels = [t.label for t in available_transitions(dossier, w.gestionnaire)]
    assert "Recevable (acceptation tacite)" not in labels
    with pytest.raises(TransitionRefusee):
        transition(dossier, DossierState.RECEVABLE, by=None)  # not without allow_hidden
