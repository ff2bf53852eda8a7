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


MODEL_HINT = "Vous pouvez l'importer comme modèle."


def _names(items) -> str:
    names = [str(item) for item in items]
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


def listing_refusal(fiche: RncpFiche, organisation: Organisation) -> str | None:
    """Why the fiche does not show that `organisation` certifies it, or None when it names the
    organisation's SIRET among its CERTIFICATEURS."""
    named = {siret for siret, _nom in fiche.certificateurs if siret}
    if organisation.siret and organisation.siret in named:
        return None
    if not fiche.certificateurs:
        return (
            f"La fiche {fiche.numero} ne nomme aucun certificateur : rien ne montre que "
            f"{organisation} la certifie."
        )
    if not organisation.siret:
        return (
            f"{organisation} n'a pas de SIRET dans cqpilot : rien ne montre qu'elle certifie la "
            f"fiche {fiche.numero}."
        )
    owners = _names(
        f"{nom or 'sans nom'} ({f'SIRET {siret}' if siret else 'sans SIRET'})"
        for siret, nom in fiche.certificateurs
    )
    plural = "s" if len(fiche.certificateurs) > 1 else ""
    return (
        f"La fiche {fiche.numero} nomme comme certificateur{plural} {owners} ; {organisation} "
        f"(SIRET {organisation.siret}) n'en fait pas partie."
    )


def plan_fiches(
    fiches: list[RncpFiche],
    *,
    organisation: Organisation | None,
    as_model: bool = False,
    seen: set[str],
) -> list[FichePlan]:
    """What the import does with each fiche of a batch, in order.

    An organisation creates certifications for itself and updates those it already certifies,
    from fiches that name its SIRET. Any other fiche is refused or, with `as_model`, imported as
    the organisation's model: an unregistered certification of its own (no RNCP/RS number, so
    that the number stays free for its certifier), updated by the next import of that fiche.

    `organisation` None is the platform itself (command line without --organisation, or a
    super-administrateur who belongs to no organisation): it creates and updates any
    certification. `seen` holds the numbers met in earlier batches of the same file.
    """
    if as_model and organisation is None:
        raise ValueError("A model belongs to an organisation.")
    numeros = [f.numero for f in fiches]
    registered = {
        c.code_rncp_rs: c
        for c in Certification.objects.filter(code_rncp_rs__in=numeros).prefetch_related(
            "certificateurs"
        )
    }
    models = {}
    if as_model:
        for model in Certification.objects.filter(
            fiche_modele__in=numeros, code_rncp_rs="", certificateurs=organisation
        ).order_by("-pk"):
            models[model.fiche_modele] = model  # the oldest one when there are several
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
        refusal = None
        if organisation is not None:
            refusal = (
                certification is not None
                and ownership_refusal(fiche.numero, certification, organisation)
            ) or listing_refusal(fiche, organisation)
        if refusal and as_model:
            reason = (
                f"{refusal} Elle est importée comme modèle propre à {organisation}, sans numéro "
                "RNCP ou RS."
            )
            plans.append(
                FichePlan(fiche, FicheAction.MODELE, reason, certification=models.get(fiche.numero))
            )
        elif refusal:
            plans.append(FichePlan(fiche, FicheAction.REFUS, f"{refusal} {MODEL_HINT}"))
        elif certification is None:
            plans.append(FichePlan(fiche, FicheAction.CREATION))
        else:
            plans.append(FichePlan(fiche, FicheAction.MISE_A_JOUR, certification=certification))
    return plans
