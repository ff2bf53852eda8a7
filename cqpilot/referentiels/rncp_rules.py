"""Whose certification an RNCP import may create or change: one decision per fiche.

The uploaded file is not an authority (anybody can write a SIRET in it): who certifies an existing
certification is what cqpilot records, and an import never takes it over. The import, its preview
and the command line all decide through `plan_fiches`.
"""

from dataclasses import dataclass

from cqpilot.core.models import Organisation

from .models import Certification, FicheAction
from .rncp_parser import RncpFiche


@dataclass
class FichePlan:
    fiche: RncpFiche
    action: FicheAction
    reason: str = ""
    certification: Certification | None = None  # the certification to update

    def as_line(self) -> dict:
        return {
            "ligne": self.fiche.line,
            "numero": self.fiche.numero,
            "intitule": self.fiche.intitule[:300],
            "action": self.action.value,
            "raison": self.reason,
        }


def _names(organisations) -> str:
    names = [str(o) for o in organisations]
    return " et ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def ownership_refusal(
    numero: str, certification: Certification, organisation: Organisation
) -> str | None:
    """Why `organisation` may not change this existing certification, or None when it certifies
    it. Reads `certification.certificateurs.all()` (prefetch it)."""
    owners = list(certification.certificateurs.all())
    if organisation in owners:
        return None
    if not owners:
        return (
            f"La fiche {numero} est celle d'une certification enregistrée dans cqpilot sans "
            "certificateur : seul un super-administrateur peut la rattacher à votre organisation."
        )
    return (
        f"La fiche {numero} est celle d'une certification de {_names(owners)} : "
        "vous ne pouvez pas la modifier."
    )


def plan_fiches(
    fiches: list[RncpFiche], *, organisation: Organisation | None, seen: set[str]
) -> list[FichePlan]:
    """What the import does with each fiche of a batch, in order.

    `organisation` None is the platform itself (command line without --organisation, or a
    super-administrateur who belongs to no organisation): it creates and updates any
    certification. `seen` holds the numbers met in earlier batches of the same file.
    """
    registered = {
        c.code_rncp_rs: c
        for c in Certification.objects.filter(
            code_rncp_rs__in=[f.numero for f in fiches]
        ).prefetch_related("certificateurs")
    }
    plans = []
    for fiche in fiches:
        if fiche.numero in seen:
            plans.append(
                FichePlan(
                    fiche,
                    FicheAction.REFUS,
                    f"La fiche {fiche.numero} figure plusieurs fois dans le fichier : seule la "
                    "première est importée.",
                )
            )
            continue
        seen.add(fiche.numero)
        certification = registered.get(fiche.numero)
        refusal = (
            ownership_refusal(fiche.numero, certification, organisation)
            if certification is not None and organisation is not None
            else None
        )
        if refusal:
            plans.append(FichePlan(fiche, FicheAction.REFUS, refusal))
        elif certification is None:
            plans.append(FichePlan(fiche, FicheAction.CREATION))
        else:
            plans.append(FichePlan(fiche, FicheAction.MISE_A_JOUR, certification=certification))
    return plans
