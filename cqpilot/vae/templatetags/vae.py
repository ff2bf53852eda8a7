from django import template

from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier
from cqpilot.vae.conge import refus_conge, textes_conge
from cqpilot.vae.models import CongeVae, DemandeRecevabilite, Referencement
from cqpilot.vae.notification import EtatNotification, etat_notification
from cqpilot.vae.recevabilite import today
from cqpilot.vae.validation import EtatValidation, etat_validation

register = template.Library()


@register.simple_tag
def demande_de(dossier: Dossier) -> DemandeRecevabilite | None:
    """The dossier's demande de recevabilité, or None (one query, on VAE dossiers' pages)."""
    return DemandeRecevabilite.objects.filter(dossier=dossier).first()


@register.simple_tag
def validation_de(dossier: Dossier, user: User) -> EtatValidation:
    """The dossier de validation of a VAE dossier, its jury's deadline and proposed juries."""
    return etat_validation(dossier, user, today())


@register.simple_tag
def notification_de(dossier: Dossier, user: User) -> EtatNotification:
    """The VAE jury's result to notify within 15 days, or when it was."""
    return etat_notification(dossier, user, today())


@register.simple_tag
def conge_de(dossier: Dossier, user: User) -> dict:
    """The dossier's congé VAE with its notice and answer periods, and whether `user` may
    record it."""
    conge = CongeVae.objects.filter(dossier=dossier).first()
    dates = ("demande_le", "debut", "fin", "reponse_le")
    return {
        "conge": conge,
        # the form's values: the recorded ones, to correct them
        "valeurs": {
            **{
                name: f"{getattr(conge, name):%Y-%m-%d}" if conge and getattr(conge, name) else ""
                for name in dates
            },
            "reponse": conge.reponse if conge else "",
        },
        "textes": textes_conge(conge, today()) if conge else [],
        "par_le_candidat": bool(
            conge and conge.saisi_par_id and conge.saisi_par_id == dossier.candidat.compte_id
        ),
        "modifiable": refus_conge(dossier, user) is None,
    }


@register.simple_tag
def designation_de(dossier: Dossier, user: User):
    """The form naming the VAE dossier's accompanist, for the certifier's managers only."""
    if not user.is_certificateur_manager:
        return None
    from cqpilot.vae.forms_accompagnement import DesignationForm

    referencement = Referencement.objects.filter(
        certificateur=user.organisation, structure=dossier.accompagnateur_id
    ).first()
    return DesignationForm(by=user, initial={"referencement": referencement})
