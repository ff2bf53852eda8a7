"""Who signs a jury's PV: the signers the certification's rules require (ReglesJury.signatures_pv),
each in cqpilot with his own account, and what each has signed. The signing itself, which locks
the PV at the last signature, is pv.sign."""

from dataclasses import dataclass

from cqpilot.core.models import User

from .models import (
    Jury,
    JuryMembre,
    JuryStatus,
    ProcesVerbal,
    ReglesJury,
    RoleJury,
    SignaturePV,
    SignaturesPV,
)
from .workflow import JuryRefus, check_transition, require_status


@dataclass(frozen=True)
class Signataire:
    membre: JuryMembre
    qualite: str  # as printed: « présidente du jury », « secrétaire de séance »…

    def __str__(self) -> str:
        return f"{self.membre.intervenant}, {self.qualite}"


def qualite_of(membre: JuryMembre) -> str:
    if membre.secretaire and membre.role != RoleJury.PRESIDENT:
        return "secrétaire de séance"
    return f"{membre.role_label} du jury"


def signataires(
    membres: list[JuryMembre], regles: ReglesJury
) -> tuple[list[Signataire], list[str]]:
    """The signers the rules require, president first, and what would keep the PV from being
    signed (French, for closing and the jury page)."""
    president = next((m for m in membres if m.role == RoleJury.PRESIDENT), None)
    problems = []
    if regles.signatures_pv == SignaturesPV.MEMBRES_PRESENTS:
        required = sorted(
            (m for m in membres if m.present and m.has_voix_deliberative),
            key=lambda m: (m.role != RoleJury.PRESIDENT, not m.secretaire),
        )
    else:
        required = [president] if president else []
        if president is None:
            problems.append("Le jury n'a pas de président pour signer le PV.")
        if regles.signatures_pv == SignaturesPV.PRESIDENT_SECRETAIRE:
            secretaire = next((m for m in membres if m.secretaire), None)
            if secretaire is None:
                problems.append(
                    "Désignez le secrétaire de séance : les règles de la certification "
                    "demandent sa signature."
                )
            else:
                required.append(secretaire)
    for membre in required:
        if not membre.present:
            problems.append(f"{membre.intervenant}, qui doit signer le PV, est absent(e).")
        if membre.intervenant.user_id is None:
            problems.append(
                f"{membre.intervenant} n'a pas de compte cqpilot : rattachez-lui un compte "
                "(fiche intervenant) pour qu'il signe le PV."
            )
        elif not Jury.objects.visible_to(membre.intervenant.user).filter(pk=membre.jury_id):
            problems.append(
                f"Le compte cqpilot de {membre.intervenant} n'a pas accès à ce jury (rôle "
                "« membre de jury » du certificateur) : il ne pourrait pas signer le PV."
            )
    return [Signataire(m, qualite_of(m)) for m in required], problems


@dataclass(frozen=True)
class EtatSignature:
    signataire: Signataire
    signature: SignaturePV | None


def etat_signatures(
    pv: ProcesVerbal, membres: list[JuryMembre], regles: ReglesJury
) -> list[EtatSignature]:
    """Each required signer of this PV version with his signature, if given."""
    given = {s.membre_id: s for s in pv.signatures.all()}
    return [EtatSignature(s, given.get(s.membre.pk)) for s in signataires(membres, regles)[0]]


def check_signer(
    jury: Jury, by: User, pv: ProcesVerbal, membres: list[JuryMembre], regles: ReglesJury
) -> Signataire:
    """As whom `by` signs this PV now, or JuryRefus saying why he may not."""
    require_status(jury, JuryStatus.CLOS)
    required = signataires(membres, regles)[0]
    mine = next((s for s in required if s.membre.intervenant.user_id == by.pk), None)
    if mine is None:
        if regles.signatures_pv == SignaturesPV.PRESIDENT:
            raise JuryRefus(
                "Seul le président du jury, connecté avec son compte, peut signer le PV."
            )
        raise JuryRefus(
            "Votre signature n'est pas requise sur ce PV. Le signent, chacun avec son compte : "
            + " ; ".join(str(s) for s in required)
            + "."
        )
    if pv.signatures.filter(membre=mine.membre).exists():
        raise JuryRefus("Vous avez déjà signé ce PV.")
    check_transition(jury, JuryStatus.SIGNE, by=by)  # not before the jury's day
    return mine
