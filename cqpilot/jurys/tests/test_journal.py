"""Every decision, bloc decision, vote, recusal, signature and rectification is in the journal
(django-auditlog), with who did it when it comes through the screens."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury, Recusation, Vote
from cqpilot.jurys.pv import close, rectify, sign
from cqpilot.jurys.services import open_deliberation

from .factories import scenario

pytestmark = pytest.mark.django_db
CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE


def journal(model, action) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_model(model).filter(action=action).order_by("pk"))


def decide(s, deliberation, results, decision="totale", unanimite=True):
    deliberation.refresh_from_db()
    save_decision(
        deliberation,
        revision=deliberation.revision,
        decision=decision,
        blocs={b.pk: BlocSaisie(r) for b, r in zip(s.blocs, results, strict=True)},
        unanimite=unanimite,
        by=s.gestionnaire,
    )


def opened(candidats=1):
    s = scenario(candidats)
    open_deliberation(s.jury, by=s.gestionnaire)
    return s


def test_a_decision_its_blocs_and_its_unanimous_votes_are_journaled():
    s = opened()
    deliberation = s.jury.deliberations.get()

    decide(s, deliberation, ["valide"] * 3)

    [entry] = journal(Deliberation, UPDATE)
    assert entry.changes_dict["decision"] == ["", "totale"]
    assert len(journal(DecisionBloc, CREATE)) == 3
    assert len(journal(Vote, CREATE)) == 4


def test_a_changed_decision_journals_the_bloc_it_changes_and_the_votes_it_discards():
    s = opened()
    deliberation = s.jury.deliberations.get()
    decide(s, deliberation, ["valide", "non_valide", "valide"], "partielle")

    decide(s, deliberation, ["valide"] * 3, unanimite=False)

    [bloc_change] = journal(DecisionBloc, UPDATE)
    assert bloc_change.changes_dict["resultat"] == ["non_valide", "valide"]
    assert len(journal(Vote, DELETE)) == 4


def test_the_recusals_found_when_the_deliberation_opens_are_journaled():
    s = scenario(2)
    s.jury.membres.get(intervenant__nom="Texier").intervenant.organismes.set([s.of])

    open_deliberation(s.jury, by=s.gestionnaire)

    assert len(journal(Recusation, CREATE)) == 2


def test_a_decision_through_the_screen_is_journaled_with_its_author(client):
    s = opened()
    deliberation = s.jury.deliberations.get()
    client.force_login(s.gestionnaire)
    data = {"revision": 0, "decision": "totale", "unanimite": "1"}
    data.update({f"bloc-{b.pk}": "valide" for b in s.blocs})

    client.post(reverse("jurys:deliberation_candidat", args=[s.jury.pk, deliberation.pk]), data)

    [entry] = journal(Deliberation, UPDATE)
    assert entry.actor == s.gestionnaire
    assert {e.actor for e in journal(Vote, CREATE)} == {s.gestionnaire}


def test_the_signature_and_a_rectification_are_journaled():
    s = opened()
    decide(s, s.jury.deliberations.get(), ["valide"] * 3)
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)

    rectify(s.jury, "Erreur de saisie", by=s.gestionnaire)

    changes = [e.changes_dict for e in journal(Jury, UPDATE)]
    assert {"rectification_en_cours": ["", "Erreur de saisie"]} in changes
    assert any("signed_at" in e.changes_dict for e in LogEntry.objects.filter(action=UPDATE))
