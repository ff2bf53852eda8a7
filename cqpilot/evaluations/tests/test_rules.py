"""Two-evaluator agreement and the proposed result of a bloc."""

from cqpilot.evaluations.rules import Proposition, bloc_proposition, epreuve_outcome

A, N, D = Proposition.ACQUIS, Proposition.NON_ACQUIS, Proposition.DESACCORD


def test_with_two_evaluators_agreement_decides_and_disagreement_goes_to_the_jury():
    assert epreuve_outcome([True, True], double_evaluation=True) == A
    assert epreuve_outcome([False, False], double_evaluation=True) == N
    assert epreuve_outcome([True, False], double_evaluation=True) == D


def test_with_two_evaluators_required_one_result_is_not_enough():
    assert epreuve_outcome([True], double_evaluation=True) is None


def test_with_a_single_evaluator_his_opinion_is_the_outcome():
    assert epreuve_outcome([True], double_evaluation=False) == A
    assert epreuve_outcome([False], double_evaluation=False) == N
    assert epreuve_outcome([], double_evaluation=False) is None


def test_a_bloc_is_proposed_acquis_only_when_every_epreuve_is():
    assert bloc_proposition([A, A]) == A
    assert bloc_proposition([A, N]) == N
    assert bloc_proposition([A, D]) == D
    assert bloc_proposition([N, D]) == N
    assert bloc_proposition([A, None]) is None
    assert bloc_proposition([]) is None
