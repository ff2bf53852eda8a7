"""The composition of a jury deliberating on a VAE dossier (D6412-6 du Code du travail,
domaine.md §1.1, docs/vae.md). No HTTP.

On top of the certification's jury rules (jurys/rules.py), checked for each VAE candidate under
the reform's regime (`accompagnateurs`) with the members who vote for him (present, voix
délibérative, not recused):
- at least 2 members, at least one qualified for the certification (`ReglesJuryVae`, defaults
  from the code; professionals of the trade: none required by default, the old quarter of
  professionals being no longer in the code);
- as many women as men (the members' civilité), a setting on by default;
- the accompanist never sits: a present member named as the demande's accompagnateur, or who
  declared he accompanied the candidate, must be recused for him. The law, not a setting.

Each problem is a French sentence; jurys/deliberation.py adds them to the candidate's
composition, which refuses any vote or decision until they are solved.
"""

from collections.abc import Iterable

from cqpilot.core.french import compte
from cqpilot.dossiers.identity import normalise_name
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.intervenants.models import Civilite, Intervenant
from cqpilot.referentiels.models import Certification

from .models import DemandeRecevabilite, ReglesJuryVae

ARTICLE = "(art. D6412-6 du code du travail)"


def regles_vae(certification: Certification) -> ReglesJuryVae:
    """The certification's VAE jury rules; the defaults (not saved) when never edited."""
    regles = ReglesJuryVae.objects.filter(certification=certification).first()
    return regles or ReglesJuryVae(certification=certification)


def accompagnateurs(dossiers: Iterable[Dossier]) -> dict[int, str]:
    """The dossiers under the reform's regime → the accompagnateur named in their demande ("" if
    none), in one query. Under the reform: a demande de recevabilité recorded in cqpilot and not
    on the old form (Cerfa 12818, certifications not yet on France VAE stay under the old rules,
    domaine.md §3.1). A VAE dossier without a demande (made recevable before cqpilot recorded
    them) is of an unknown regime: D6412-6 is not checked for it."""
    return dict(
        DemandeRecevabilite.objects.filter(
            dossier__in=[d.pk for d in dossiers], ancien_regime=False
        ).values_list("dossier_id", "accompagnateur")
    )


def _names(intervenant: Intervenant) -> set[str]:
    return {
        normalise_name(f"{intervenant.prenom} {intervenant.nom}"),
        normalise_name(f"{intervenant.nom} {intervenant.prenom}"),
    }


def is_accompagnateur(intervenant: Intervenant, dossier: Dossier, accompagnateur: str) -> bool:
    """Whether this person accompanied the candidate in his VAE: named as the accompagnateur of
    the demande (accents, case, spaces, hyphens and order of the names ignored), declared so
    (`candidats_suivis`, prefetched), or with an account of the dossier's accompanying
    structure."""
    named = bool(accompagnateur.strip()) and normalise_name(accompagnateur) in _names(intervenant)
    declared = dossier.candidat_id in {c.pk for c in intervenant.candidats_suivis.all()}
    # an account of the accompanying structure (Dossier.accompagnateur) is its accompanist
    of_structure = (
        dossier.accompagnateur_id is not None
        and intervenant.user_id is not None
        and intervenant.user.organisation_id == dossier.accompagnateur_id
    )
    return named or declared or of_structure


def problemes_jury_vae(
    dossier: Dossier,
    membres_presents: Iterable,
    votants: Iterable,
    regles: ReglesJuryVae,
    accompagnateur: str = "",
) -> list[str]:
    """What keeps these members from deliberating on this VAE dossier (none for another route).

    `membres_presents`: the JuryMembre present and not recused for the candidate; `votants`:
    those of them who vote. Each intervenant must come with `qualifie_pour` and
    `candidats_suivis` prefetched."""
    if dossier.voie_acces != VoieAcces.VAE:
        return []
    votants = list(votants)
    problems = []
    for membre in membres_presents:
        if is_accompagnateur(membre.intervenant, dossier, accompagnateur):
            problems.append(
                f"{membre.intervenant} a accompagné le candidat dans sa démarche de VAE : il ne "
                f"peut pas siéger pour lui {ARTICLE}."
            )
    if len(votants) < regles.membres_min:
        problems.append(
            f"Jury VAE : {compte(len(votants), 'membre votant', 'membres votants')}, "
            f"{regles.membres_min} au moins {ARTICLE}."
        )
    qualifies = sum(
        dossier.certification_id in {c.pk for c in m.intervenant.qualifie_pour.all()}
        for m in votants
    )
    if qualifies < regles.qualifies_min:
        problems.append(
            f"Jury VAE : {compte(qualifies, 'personne qualifiée', 'personnes qualifiées')} pour "
            f"la certification, {regles.qualifies_min} au moins {ARTICLE}."
        )
    professionnels = sum(m.intervenant.professionnel for m in votants)
    if professionnels < regles.professionnels_min:
        problems.append(
            f"Jury VAE : {compte(professionnels, 'professionnel', 'professionnels')} du métier, "
            f"{regles.professionnels_min} au moins (règle de la certification)."
        )
    if regles.parite_femmes_hommes:
        sans_civilite = [str(m.intervenant) for m in votants if not m.intervenant.civilite]
        if sans_civilite:
            problems.append(
                "Jury VAE : la parité entre femmes et hommes ne peut pas être vérifiée, "
                f"civilité à renseigner pour {', '.join(sans_civilite)}."
            )
        else:
            femmes = sum(m.intervenant.civilite == Civilite.MADAME for m in votants)
            hommes = len(votants) - femmes
            if femmes != hommes:
                problems.append(
                    f"Jury VAE : {compte(femmes, 'femme', 'femmes')} et "
                    f"{compte(hommes, 'homme', 'hommes')} parmi les membres votants ; il en "
                    f"faut autant de chaque {ARTICLE}."
                )
    return problems
