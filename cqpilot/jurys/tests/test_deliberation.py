"""A jury from deliberation to the signed PV, through the services the screens call."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader

from cqpilot.dossiers.models import AcquisSource, BlocAcquis, DossierState
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.deliberation import BlocSaisie, lignes, record_votes, save_decision
from cqpilot.jurys.models import (
    BlocResultat,
    Decision,
    JuryStatus,
    ReglesJury,
    RoleJury,
    VoteChoice,
)
from cqpilot.jurys.pv import close, rectify, sign, validate_cpne
from cqpilot.jurys.services import (
    JuryRefus,
    add_membre,
    membres_of,
    open_deliberation,
    set_presence,
)

from .factories import scenario

pytestmark = pytest.mark.django_db
V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE


def decide(s, deliberation, decision, results, **kwargs):
    deliberation.refresh_from_db()
    return save_decision(
        deliberation,
        revision=deliberation.revision,
        decision=decision,
        blocs={bloc.pk: BlocSaisie(r) for bloc, r in zip(s.blocs, results, strict=False)},
        unanimite=kwargs.pop("unanimite", True),
        by=s.gestionnaire,
        **kwargs,
    )


def deliberations(s):
    return list(s.jury.deliberations.order_by("dossier__candidat__nom_naissance"))


def full_jury():
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    first, second, third = deliberations(s)  # Benali, Durand, Nguyen
    decide(s, first, Decision.TOTALE, [V, V, V])
    decide(s, second, Decision.PARTIELLE, [V, NV, V], preconisations="Reprendre le bloc BC02.")
    decide(s, third, Decision.NON_VALIDE, [NV, NV, NV])
    return s


def pdf_text(pv) -> str:
    with pv.fichier.open("rb") as file:
        text = " ".join(page.extract_text() for page in PdfReader(file).pages)
    return " ".join(text.split())  # table cells wrap lines


def test_the_decision_must_match_the_blocs_validated():
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]

    with pytest.raises(JuryRefus, match="Validation totale impossible : bloc BC02 non validé"):
        decide(s, first, Decision.TOTALE, [V, NV, V])
    with pytest.raises(JuryRefus, match="choisissez la validation partielle"):
        decide(s, first, Decision.NON_VALIDE, [V, NV, NV])
    with pytest.raises(JuryRefus, match="BC03 : indiquez si le bloc est validé"):
        decide(s, first, Decision.PARTIELLE, [V, NV])
    with pytest.raises(JuryRefus, match="la décision est une validation totale"):
        decide(s, first, Decision.PARTIELLE, [V, V, V])


def test_a_mark_override_needs_its_justification():
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]
    blocs = {b.pk: BlocSaisie(V) for b in s.blocs}
    blocs[s.blocs[0].pk] = BlocSaisie(V, note_jury=12)

    with pytest.raises(JuryRefus, match="BC01 : justifiez la note modifiée"):
        save_decision(first, revision=0, decision=Decision.TOTALE, blocs=blocs, by=s.gestionnaire)


def test_of_two_concurrent_saves_the_second_is_refused_with_who_saved_first():
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]
    seen_by_both = first.revision
    blocs = {b.pk: BlocSaisie(V) for b in s.blocs}
    save_decision(
        first, revision=seen_by_both, decision=Decision.TOTALE, blocs=blocs, by=s.president
    )

    with pytest.raises(JuryRefus, match=r"modifiée par Anne Prési à .* rechargez-la"):
        save_decision(
            first,
            revision=seen_by_both,
            decision=Decision.NON_VALIDE,
            blocs={b.pk: BlocSaisie(NV) for b in s.blocs},
            by=s.gestionnaire,
        )
    first.refresh_from_db()
    assert first.decision == Decision.TOTALE and first.revision == seen_by_both + 1


def test_a_member_with_a_declared_conflict_is_recused_and_cannot_vote():
    s = scenario(membres=False)
    trainer = IntervenantFactory(organisation=s.branche, nom="Formateur", organismes=[s.of])
    add_membre(s.jury, trainer, RoleJury.MEMBRE)
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]
    membre = s.jury.membres.get()

    assert first.recusations.get().motif == (
        "intervient pour l'organisme de formation du candidat (Formapro Sud)"
    )
    with pytest.raises(JuryRefus, match=r"est récusé\(e\) pour .* pas de vote possible"):
        record_votes(first, {membre.pk: VoteChoice.POUR})


def test_unanimity_records_a_vote_for_each_member_not_recused():
    s = full_jury()
    ligne = lignes(s.jury, membres_of(s.jury))[0]

    assert ligne.adoption.adopted
    assert ligne.adoption.explanation == "4 pour, 0 contre sur 4."
    assert ligne.deliberation.votes.count() == 4


def test_a_jury_with_a_missing_college_cannot_be_closed():
    s = full_jury()
    for membre in s.jury.membres.filter(college="salaries"):
        set_presence(membre, False)

    with pytest.raises(JuryRefus, match="Collège salariés : 0 membre présent, 1 requis"):
        close(s.jury, by=s.gestionnaire)
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.DELIBERATION


def test_closing_needs_every_decision_taken_and_adopted():
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]
    decide(s, first, Decision.TOTALE, [V, V, V], unanimite=False)
    membres = {m.intervenant.nom: m.pk for m in s.jury.membres.select_related("intervenant")}
    record_votes(first, {membres["Prési"]: "pour", membres["Salah"]: "contre"})

    with pytest.raises(JuryRefus) as refusal:
        close(s.jury, by=s.gestionnaire)

    assert refusal.value.message == (
        "Le jury ne peut pas être clos. BENALI Marie : décision non adoptée (1 pour, 1 contre "
        "sur 4). DURAND Marie : décision non prise. NGUYEN Marie : décision non prise."
    )


def test_the_signed_pv_locks_the_jury_and_applies_the_decisions():
    s = full_jury()
    draft = close(s.jury, by=s.gestionnaire)
    assert "PROJET" in pdf_text(draft)

    with pytest.raises(JuryRefus, match="Seul le président"):
        sign(s.jury, by=s.gestionnaire)
    pv = sign(s.jury, by=s.president)

    text = pdf_text(pv)
    assert "PROJET" not in text
    for expected in (
        "Validation totale",
        "Validation partielle",
        "Non validé",
        "Reprendre le bloc BC02",
    ):
        assert expected in text
    assert "BENALI" in text and "DURAND" in text and "NGUYEN" in text
    assert len(pv.sha256) == 64 and pv.signed_by == s.president
    states = [d.dossier.state for d in deliberations(s)]
    assert states == [
        DossierState.CERTIFIE,
        DossierState.VALIDATION_PARTIELLE,
        DossierState.NON_VALIDE,
    ]
    durand = deliberations(s)[1].dossier
    assert sorted(
        BlocAcquis.objects.filter(dossier=durand).values_list("bloc__code", "source")
    ) == [("BC01", AcquisSource.JURY), ("BC03", AcquisSource.JURY)]
    with pytest.raises(JuryRefus, match="verrouillé"):
        decide(s, deliberations(s)[2], Decision.PARTIELLE, [V, NV, NV])
    with pytest.raises(JuryRefus, match="verrouillé"):
        set_presence(s.jury.membres.first(), False)


def test_a_rectification_produces_a_new_pv_version_and_reapplies_decisions():
    s = full_jury()
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)
    first_sha = s.jury.pvs.get().sha256

    rectify(s.jury, "Erreur de saisie sur le bloc BC02 de M. Durand", by=s.gestionnaire)
    s.jury.refresh_from_db()
    decide(s, deliberations(s)[1], Decision.TOTALE, [V, V, V])
    close(s.jury, by=s.gestionnaire)
    pv2 = sign(s.jury, by=s.president)

    assert (pv2.numero, pv2.rectification) == (2, "Erreur de saisie sur le bloc BC02 de M. Durand")
    assert s.jury.pvs.get(numero=1).sha256 == first_sha
    durand = deliberations(s)[1].dossier
    assert durand.state == DossierState.CERTIFIE
    assert BlocAcquis.objects.filter(dossier=durand).count() == 3
    assert durand.transitions.order_by("pk").last().motif.endswith("(PV v2)")


def test_with_cpne_validation_decisions_apply_on_the_cpne_date():
    s = full_jury()
    ReglesJury.objects.filter(certification=s.certification).update(validation_cpne=True)
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)
    benali = deliberations(s)[0].dossier
    benali.refresh_from_db()
    assert benali.state == DossierState.PRESENTE_JURY

    with pytest.raises(JuryRefus, match="ne peut pas précéder"):
        validate_cpne(s.jury, date(2026, 11, 1), by=s.gestionnaire)
    with time_machine.travel(datetime(2026, 12, 3, 12, tzinfo=UTC)):
        validate_cpne(s.jury, date(2026, 12, 3), by=s.gestionnaire)

    benali.refresh_from_db()
    assert benali.state == DossierState.CERTIFIE
    assert {a.date_obtention for a in BlocAcquis.objects.filter(dossier=benali)} == {
        date(2026, 12, 3)
    }


@pytest.mark.parametrize(
    ("validite_mois", "carried"), [(None, True), (24, True), (6, False)], ids=str
)
def test_blocs_acquired_earlier_are_carried_over_under_the_validity_rule(validite_mois, carried):
    s = scenario()
    s.certification.validite_blocs_mois = validite_mois
    s.certification.save()
    benali = deliberations(s)[0]
    BlocAcquis.objects.create(
        candidat=benali.dossier.candidat,
        bloc=s.blocs[0],
        source=AcquisSource.EQUIVALENCE,
        date_obtention=date(2025, 3, 1),
    )
    open_deliberation(s.jury, by=s.gestionnaire)

    ligne = next(li for li in lignes(s.jury, membres_of(s.jury)) if li.deliberation == benali)

    assert (s.blocs[0].pk in ligne.acquis) is carried
    assert [b.code for b in ligne.blocs] == (
        ["BC02", "BC03"] if carried else ["BC01", "BC02", "BC03"]
    )
    if carried:  # two blocs left to decide: validating them is a full validation
        benali.refresh_from_db()
        save_decision(
            benali,
            revision=benali.revision,
            decision=Decision.TOTALE,
            blocs={b.pk: BlocSaisie(V) for b in s.blocs[1:]},
            by=s.gestionnaire,
        )


def test_changing_a_decision_discards_the_votes_cast_on_the_previous_one():
    s = full_jury()
    durand = deliberations(s)[1]

    decide(s, durand, Decision.TOTALE, [V, V, V], unanimite=False)

    assert durand.votes.count() == 0
    ligne = next(li for li in lignes(s.jury, membres_of(s.jury)) if li.deliberation == durand)
    assert not ligne.adoption.adopted


def test_an_rs_certification_is_never_partially_validated():
    s = scenario()
    s.certification.code_rncp_rs = "RS6117"
    s.certification.save(update_fields=["code_rncp_rs"])
    open_deliberation(s.jury, by=s.gestionnaire)
    first = deliberations(s)[0]
    with pytest.raises(JuryRefus, match="pas de validation partielle"):
        decide(s, first, Decision.PARTIELLE, [V, NV, V])
