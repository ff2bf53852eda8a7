"""Limits on VAE requests per calendar year (R6412-3 of the Code du travail, docs/vae.md).

At most one request per calendar year for the same certification, and three for different
certifications, "sauf lorsque les demandes précédentes portaient sur la validation de blocs de
compétences": requests for blocs are neither limited nor counted (cqpilot's reading).

Counted against what the certifier instructing the request knows, and nothing else: the
requests it instructs itself, for the same candidate record or a record of the same person
(birth name, first name, birth date) among its own. Another certifier's candidates are never
read — the candidate's déclaration sur l'honneur, recorded with its date on each request, covers
the requests filed elsewhere.
"""

from datetime import date

from cqpilot.core.models import Organisation
from cqpilot.dossiers.identity import find_duplicates
from cqpilot.dossiers.models import Candidat
from cqpilot.referentiels.models import Bloc, Certification

from .models import DemandeRecevabilite

MEME_CERTIFICATION_PAR_AN = 1
CERTIFICATIONS_PAR_AN = 3


def demandes_de_l_annee(
    candidat: Candidat, organisation: Organisation, year: int
) -> list[DemandeRecevabilite]:
    """The person's requests for a whole certification filed in `year` with `organisation`."""
    known = Candidat.objects.filter(dossiers__demande_recevabilite__organisation=organisation)
    same_person = {candidat.pk} | {c.pk for c in find_duplicates(candidat, known.distinct())}
    return list(
        DemandeRecevabilite.objects.filter(
            organisation=organisation,
            dossier__candidat__in=same_person,
            deposee_le__year=year,
            blocs__isnull=True,
        )
        .select_related("dossier__certification")
        .order_by("deposee_le", "pk")
    )


def refus_limite(
    candidat: Candidat,
    certification: Certification,
    blocs: list[Bloc],
    organisation: Organisation,
    on: date,
) -> str | None:
    """Why a new request may not be filed on `on`, in French, or None."""
    if blocs:
        return None
    earlier = demandes_de_l_annee(candidat, organisation, on.year)
    same = [d for d in earlier if d.dossier.certification_id == certification.pk]
    if len(same) >= MEME_CERTIFICATION_PAR_AN:
        return (
            f"Une demande de recevabilité pour « {certification.intitule} » a déjà été déposée "
            f"le {same[0].deposee_le:%d/%m/%Y} pour ce candidat : une seule demande par année "
            f"civile pour la même certification (article R6412-3 du Code du travail). Une "
            f"demande portant sur des blocs de compétences reste possible."
        )
    others = sorted({d.dossier.certification.intitule for d in earlier})
    if len(others) >= CERTIFICATIONS_PAR_AN:
        named = ", ".join(f"« {intitule} »" for intitule in others)
        return (
            f"Ce candidat a déjà déposé en {on.year} des demandes de recevabilité pour "
            f"{len(others)} certifications différentes ({named}) : au plus "
            f"{CERTIFICATIONS_PAR_AN} par année civile (article R6412-3 du Code du travail). "
            f"Une demande portant sur des blocs de compétences reste possible."
        )
    return None
