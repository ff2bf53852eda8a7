"""Who may enrol in what, and why not: every rule returns a French explanation.

Called alike by the dossier form, the bulk import and the inscription transition.
"""

from dataclasses import dataclass
from datetime import date

from cqpilot.core.models import Organisation
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion

from .models import Habilitation, VoieAcces


@dataclass(frozen=True)
class Refus:
    field: str  # the form field the user should change ("" for the dossier as a whole)
    message: str

    def __str__(self) -> str:
        return self.message


def eligibility(
    *,
    certification: Certification,
    version: ReferentielVersion | None,
    voie_acces: str,
    date_inscription: date,
    organisme: Organisation | None = None,
    experience_mois: int | None = None,
    cpf: bool = False,
    blocs_vises: list[Bloc] | tuple = (),
    voie_vae: str = "",
    habilitations: list[Habilitation] | None = None,
) -> list[Refus]:
    """Why this enrolment is not possible (empty: it is).

    `habilitations`, when given, are those of `organisme` for `certification` (a bulk import loads
    them once instead of once per row).
    """
    refus = []
    nom = certification.intitule
    if version is None or version.certification_id != certification.pk:
        refus.append(Refus("version", f"Choisissez une version du référentiel de {nom}."))
    elif not version.is_published:
        refus.append(
            Refus("version", f"La version {version.numero} du référentiel n'est pas publiée.")
        )
    if voie_acces == VoieAcces.VAE:
        if not certification.is_rncp:
            refus.append(
                Refus(
                    "voie_acces",
                    f"{nom} n'est pas enregistrée au RNCP : elle ne peut pas s'obtenir par la VAE.",
                )
            )
        elif not certification.vae_ouverte:
            refus.append(Refus("voie_acces", f"{nom} n'est pas ouverte à la VAE."))
        minimum = certification.experience_min_vae_mois
        if minimum and (experience_mois or 0) < minimum:
            refus.append(
                Refus(
                    "experience_mois",
                    f"La VAE pour {nom} demande au moins {minimum} mois d'expérience "
                    f"({experience_mois or 0} indiqué(s)).",
                )
            )
    elif voie_vae:
        refus.append(Refus("voie_vae", "Le type de VAE ne concerne que la voie d'accès VAE."))
    if voie_acces == VoieAcces.FORMATION_CONTINUE_PRO_A and not certification.is_rncp:
        refus.append(
            Refus(
                "voie_acces",
                f"La Pro-A n'est possible que pour une certification enregistrée au RNCP ; "
                f"{nom} ne l'est pas.",
            )
        )
    if cpf and not certification.code_rncp_rs:
        refus.append(
            Refus(
                "cpf",
                f"{nom} n'est enregistrée ni au RNCP ni au répertoire spécifique : "
                "elle n'est pas finançable par le CPF.",
            )
        )
    if organisme is not None:
        if habilitations is None:
            habilitations = list(
                Habilitation.objects.filter(
                    organisme=organisme, certification=certification
                ).prefetch_related("blocs")
            )
        refus.extend(
            _habilitation_refus(
                organisme, certification, date_inscription, habilitations, blocs_vises
            )
        )
    if version is not None:
        strangers = [b.code for b in blocs_vises if b.version_id != version.pk]
        if strangers:
            refus.append(
                Refus(
                    "blocs_vises",
                    f"Bloc(s) {', '.join(strangers)} absent(s) de la version {version.numero}.",
                )
            )
    return refus


def _habilitation_refus(
    organisme: Organisation,
    certification: Certification,
    day: date,
    habilitations: list[Habilitation],
    blocs_vises: list[Bloc] | tuple,
) -> list[Refus]:
    valid = [h for h in habilitations if h.is_valid_on(day)]
    if any(not h.bloc_codes for h in valid):
        return []  # habilitated for the whole certification
    if valid:
        # Habilitated for some blocs only: the dossier must target those blocs, by code (the
        # habilitation outlives référentiel versions).
        allowed = set().union(*(h.bloc_codes for h in valid))
        outside = sorted({b.code for b in blocs_vises} - allowed) if blocs_vises else []
        if blocs_vises and not outside:
            return []
        scope = ", ".join(sorted(allowed))
        if not blocs_vises:
            message = (
                f"{organisme} n'est habilité que pour les blocs {scope} de "
                f"{certification.intitule} : choisissez les blocs visés."
            )
        else:
            message = (
                f"{organisme} n'est pas habilité pour le(s) bloc(s) {', '.join(outside)} "
                f"(habilitation limitée aux blocs {scope})."
            )
        return [Refus("blocs_vises", message)]
    when = day.strftime("%d/%m/%Y")
    if not habilitations:
        message = f"{organisme} n'est pas habilité pour {certification.intitule}."
    else:
        ended = [h.date_fin for h in habilitations if h.date_fin and h.date_fin < day]
        if ended:
            message = (
                f"L'habilitation de {organisme} pour {certification.intitule} a pris fin le "
                f"{max(ended):%d/%m/%Y} : aucune inscription nouvelle n'est possible au {when}."
            )
        else:
            message = (
                f"{organisme} n'a pas d'habilitation active pour {certification.intitule} "
                f"au {when}."
            )
    return [Refus("organisme", message)]
