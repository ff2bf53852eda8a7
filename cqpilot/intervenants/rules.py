"""Conflicts of interest: why a person may neither evaluate nor deliberate on a candidate.

One rule for both uses: `evaluations` refuses such an évaluateur, `jurys` recuses such a member.
"""

from cqpilot.dossiers.models import Dossier

from .models import Intervenant


def siren(siret: str) -> str:
    return siret[:9] if len(siret) >= 9 else ""


def conflict_reasons(intervenant: Intervenant, dossier: Dossier) -> list[str]:
    """Why this person may neither evaluate nor vote for this dossier's candidate.

    The intervenant must come with `organismes` and `candidats_suivis` prefetched, the dossier
    with its candidat and organisme.
    """
    reasons = []
    candidat = dossier.candidat
    employeur = siren(intervenant.employeur_siret)
    if employeur and employeur == siren(candidat.employeur_siret):
        reasons.append(
            f"même entreprise que le candidat ({intervenant.employeur_nom or employeur})"
        )
    if dossier.organisme_id and dossier.organisme_id in {
        o.pk for o in intervenant.organismes.all()
    }:
        reasons.append(
            f"intervient pour l'organisme de formation du candidat ({dossier.organisme})"
        )
    if candidat.pk in {c.pk for c in intervenant.candidats_suivis.all()}:
        reasons.append("a formé, tutoré ou accompagné le candidat")
    return reasons
