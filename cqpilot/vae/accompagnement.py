"""VAE accompanists (architectes accompagnateurs de parcours, AAP) and what they may do.

An AAP must be certified Qualiopi for VAE actions or hold a label a branch agreement names for
its CQPs (domain.md §3.2, docs/vae.md « Accompagnement »). The certifier lists the accompanists
it works with (Referencement: the structure, an organisation of its own kind, with its Qualiopi
certification and the branch's label), names one on a candidate's VAE dossier
(Dossier.accompagnateur) and invites its accounts. Those accounts then see the dossiers they
accompany, scoped like a partner OF's (Dossier.visible_to, CandidatAcces): they open VAE dossiers
for their candidates, file the demande de recevabilité, its pièces and the livret 2, and give
their opinion while the demande is undecided. They never decide anything.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from cqpilot.core.invitations import (
    InvitationRefusee,
    create_invited_account,
    set_password_link,
)
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Organisation, OrganisationKind, Role, User
from cqpilot.core.validators import siret_problem
from cqpilot.dossiers.models import Dossier, VoieAcces

from .models import DemandeRecevabilite, Referencement
from .recevabilite import VaeRefus, today


@dataclass(frozen=True)
class StructureSaisie:
    nom: str
    siret: str = ""
    qualiopi: bool = False
    qualiopi_date_fin: date | None = None
    label_branche: str = ""
    label_date_fin: date | None = None
    contact_nom: str = ""
    contact_email: str = ""
    contact_telephone: str = ""


def reconnaissance(referencement: Referencement, on: date) -> str:
    """What entitles the structure to accompany, as this certifier checked it, in the words the
    lists show."""
    parts = []
    if referencement.qualiopi:
        fin = referencement.qualiopi_date_fin
        if fin is None:
            parts.append("Qualiopi (fin de validité à renseigner)")
        else:
            parts.append(
                f"Qualiopi échu le {fin:%d/%m/%Y}"
                if fin < on
                else f"Qualiopi jusqu'au {fin:%d/%m/%Y}"
            )
    if referencement.label_branche:
        label = f"Label « {referencement.label_branche} »"
        if referencement.label_date_fin is not None:
            fin = referencement.label_date_fin
            label += f" échu le {fin:%d/%m/%Y}" if fin < on else f" jusqu'au {fin:%d/%m/%Y}"
        parts.append(label)
    return " ; ".join(parts) or "Ni Qualiopi ni label de branche"


def reconnu_le(on: date) -> Q:
    """Referencements certified Qualiopi or labelled by the branch on that day (the law's two
    ways), as a filter."""
    qualiopi = Q(qualiopi=True, qualiopi_date_fin__gte=on)
    label = ~Q(label_branche="") & (Q(label_date_fin__isnull=True) | Q(label_date_fin__gte=on))
    return qualiopi | label


def est_reconnu(referencement: Referencement, on: date) -> bool:
    """Certified Qualiopi or labelled by the branch on that day."""
    qualiopi = referencement.qualiopi and (
        referencement.qualiopi_date_fin is not None and referencement.qualiopi_date_fin >= on
    )
    label = bool(referencement.label_branche) and (
        referencement.label_date_fin is None or referencement.label_date_fin >= on
    )
    return qualiopi or label


def _certifier_of(by: User) -> Organisation:
    if not by.is_certificateur_manager or by.organisation is None:
        raise VaeRefus("Réservé aux gestionnaires du certificateur.")
    return by.organisation


def _check_saisie(saisie: StructureSaisie) -> None:
    if not saisie.nom.strip():
        raise VaeRefus("Indiquez le nom de l'accompagnateur ou de sa structure.")
    if saisie.siret and (problem := siret_problem(saisie.siret)):
        raise VaeRefus(problem)
    if saisie.qualiopi and saisie.qualiopi_date_fin is None:
        raise VaeRefus("Indiquez la fin de validité de la certification Qualiopi.")
    if not saisie.qualiopi and not saisie.label_branche.strip():
        raise VaeRefus(
            "Un accompagnateur VAE est certifié Qualiopi pour la VAE ou labellisé par la "
            "branche : indiquez l'un ou l'autre."
        )


@transaction.atomic
def referencer(saisie: StructureSaisie, *, by: User) -> Referencement:
    """Add an accompanist to the certifier's list. A structure already known by its SIRET (listed
    by another certifier) is listed as it is: its record is not the certifier's to rewrite."""
    certifier = _certifier_of(by)
    _check_saisie(saisie)
    structure = None
    if saisie.siret:
        structure = Organisation.objects.filter(
            kind=OrganisationKind.ACCOMPAGNATEUR_VAE, siret=saisie.siret
        ).first()
    if structure is None:
        structure = Organisation.objects.create(
            nom=saisie.nom.strip()[:250],
            kind=OrganisationKind.ACCOMPAGNATEUR_VAE,
            siret=saisie.siret,
            contact_nom=saisie.contact_nom.strip()[:200],
            contact_email=saisie.contact_email.strip()[:254],
            contact_telephone=saisie.contact_telephone.strip()[:20],
            created_by=certifier,
        )
    elif Referencement.objects.filter(certificateur=certifier, structure=structure).exists():
        raise VaeRefus(f"{structure} est déjà dans votre liste d'accompagnateurs.")
    return Referencement.objects.create(
        certificateur=certifier,
        structure=structure,
        qualiopi=saisie.qualiopi,
        qualiopi_date_fin=saisie.qualiopi_date_fin if saisie.qualiopi else None,
        label_branche=saisie.label_branche.strip()[:200],
        label_date_fin=saisie.label_date_fin if saisie.label_branche.strip() else None,
        created_by=by,
    )


@transaction.atomic
def designer(dossier: Dossier, referencement: Referencement | None, *, by: User) -> None:
    """The certifier names (or removes, with None) the accompanist of a candidate's VAE dossier;
    from then on the accompanist's accounts see it."""
    certifier = _certifier_of(by)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.voie_acces != VoieAcces.VAE and referencement is not None:
        raise VaeRefus("Seul un dossier de VAE a un accompagnateur VAE.")
    if not dossier.certification.certificateurs.filter(pk=certifier.pk).exists():
        raise VaeRefus("Ce dossier n'est pas d'une de vos certifications.")
    if referencement is not None:
        if referencement.certificateur_id != certifier.pk:
            raise VaeRefus("Cet accompagnateur n'est pas dans votre liste.")
        if not est_reconnu(referencement, today()):
            raise VaeRefus(
                f"{referencement.structure} n'est plus certifié Qualiopi ni labellisé par la "
                "branche : mettez sa fiche à jour avant de le désigner."
            )
    dossier.accompagnateur = referencement.structure if referencement is not None else None
    dossier.save(update_fields=["accompagnateur", "updated_at"])


@transaction.atomic
def inviter(
    referencement: Referencement,
    *,
    first_name: str,
    last_name: str,
    email: str,
    by: User,
    base_url: str,
) -> User:
    """An account for the accompanist, limited to this certifier's dossiers until the
    structure's own administrator confirms it (as for a partner OF, core.invitations)."""
    certifier = _certifier_of(by)
    if referencement.certificateur_id != certifier.pk:
        raise InvitationRefusee("Cet accompagnateur n'est pas dans votre liste.")
    structure = referencement.structure
    user = create_invited_account(
        structure,
        role=Role.ACCOMPAGNATEUR_VAE,
        first_name=first_name,
        last_name=last_name,
        email=email,
        certifier=certifier,
    )
    link = set_password_link(user, base_url=base_url)
    message = (
        f"Bonjour {first_name},\n\n"
        f"{by.get_full_name() or by.username} ({certifier}) vous a créé un compte cqpilot "
        f"d'accompagnateur VAE pour {structure}. Vous y suivez les dossiers de VAE des candidats "
        f"que vous accompagnez : demande de recevabilité, pièces, dossier de validation.\n\n"
        f"Choisissez votre mot de passe en suivant ce lien :\n\n{link}\n\n"
        f"Votre identifiant est {user.email}. Jusqu'à ce que l'administrateur de {structure} "
        f"confirme ce compte, vous ne voyez que les dossiers des certifications de {certifier}.\n"
    )
    send_after_commit(subject="Votre compte cqpilot", body=message, to=[user.email])
    return user


@transaction.atomic
def donner_avis(demande: DemandeRecevabilite, avis: str, *, by: User) -> DemandeRecevabilite:
    """The accompanist writes (or rewrites) its opinion while the certifier has not decided."""
    demande = (
        DemandeRecevabilite.objects.select_for_update().select_related("dossier").get(pk=demande.pk)
    )
    if not (
        by.organisation_id is not None
        and demande.dossier.accompagnateur_id == by.organisation_id
        and by.has_role(Role.ACCOMPAGNATEUR_VAE)
    ):
        raise VaeRefus("Seul l'accompagnateur du candidat donne son avis.")
    if demande.is_decided:
        raise VaeRefus("La demande est décidée : l'avis de l'accompagnateur ne change plus.")
    avis = avis.strip()
    if not avis:
        raise VaeRefus("Écrivez votre avis.")
    if len(avis) > 5000:
        raise VaeRefus("L'avis dépasse 5 000 caractères.")
    demande.avis_accompagnateur = avis
    demande.save(update_fields=["avis_accompagnateur", "updated_at"])
    return demande


def fiche_modifiable(referencement: Referencement) -> bool:
    """The structure's own record (name, SIRET, contact) is the certifier's to correct while it
    is the only one to list it and created it; what it checked (Qualiopi, label) is always its
    own."""
    structure = referencement.structure
    return (
        structure.created_by_id == referencement.certificateur_id
        and not Referencement.objects.filter(structure=structure)
        .exclude(pk=referencement.pk)
        .exists()
    )


@transaction.atomic
def mettre_a_jour(referencement: Referencement, saisie: StructureSaisie, *, by: User) -> None:
    """What the certifier checked (Qualiopi, the branch's label) is always its own to update;
    the structure's record (name, SIRET, contact) only where fiche_modifiable says so."""
    certifier = _certifier_of(by)
    if referencement.certificateur_id != certifier.pk:
        raise VaeRefus("Cet accompagnateur n'est pas dans votre liste.")
    _check_saisie(saisie)
    structure = referencement.structure
    if fiche_modifiable(referencement):
        structure.nom = saisie.nom.strip()[:250]
        structure.siret = saisie.siret
        structure.contact_nom = saisie.contact_nom.strip()[:200]
        structure.contact_email = saisie.contact_email.strip()[:254]
        structure.contact_telephone = saisie.contact_telephone.strip()[:20]
        structure.save()
    referencement.qualiopi = saisie.qualiopi
    referencement.qualiopi_date_fin = saisie.qualiopi_date_fin if saisie.qualiopi else None
    referencement.label_branche = saisie.label_branche.strip()[:200]
    referencement.label_date_fin = saisie.label_date_fin if referencement.label_branche else None
    referencement.save(
        update_fields=["qualiopi", "qualiopi_date_fin", "label_branche", "label_date_fin"]
    )
