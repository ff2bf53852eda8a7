"""The result of a VAE jury notified to the candidate and the accompanist within 15 days of the
jury (domaine.md §3.2, 6.; docs/vae.md), for the dossiers under the reform's regime. No HTTP.

Signing the PV applies the decisions but sends nothing to the candidate: the certifier's
gestionnaire notifies the result from the dossier's page once the PV is signed; cqpilot e-mails
the candidate (and the accompanist when an address is given) and records the day, the sender and
the addressees. The deadline is the 15th calendar day after the jury, that day included.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.validators import validate_email
from django.db import transaction

from cqpilot.core.french import compte
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.dossiers.workflow import CERTIFICATEUR, actor_of
from cqpilot.jurys.models import BlocResultat, Decision, Deliberation, JuryStatus

from .models import DemandeRecevabilite, NotificationResultatVae
from .recevabilite import VaeRefus, candidate_email, today

DELAI_NOTIFICATION_JOURS = 15


def notifier_avant_le(deliberation: Deliberation) -> date:
    return deliberation.jury.date + timedelta(days=DELAI_NOTIFICATION_JOURS)


def a_notifier(dossier: Dossier) -> Deliberation | None:
    """The dossier's last VAE deliberation on a signed PV (None: nothing to notify yet). Under
    the reform's regime only (a demande recorded, not on the old Cerfa form), as vae/jury.py."""
    reform = DemandeRecevabilite.objects.filter(dossier=dossier, ancien_regime=False)
    if dossier.voie_acces != VoieAcces.VAE or not reform.exists():
        return None
    return (
        Deliberation.objects.filter(dossier=dossier, jury__status=JuryStatus.SIGNE)
        .select_related("jury", "dossier__candidat", "dossier__certification")
        .order_by("-jury__date", "-pk")
        .first()
    )


def _texte_resultat(deliberation: Deliberation) -> str:
    dossier = deliberation.dossier
    intitule = dossier.certification.intitule
    if deliberation.decision == Decision.TOTALE:
        return f"Le jury vous attribue la certification « {intitule} »."
    if deliberation.decision == Decision.PARTIELLE:
        blocs = [
            f"{d.bloc.code} — {d.bloc.intitule}"
            for d in deliberation.blocs.select_related("bloc").order_by("bloc__ordre")
            if d.resultat == BlocResultat.VALIDE
        ]
        return (
            f"Le jury valide une partie de la certification « {intitule} », les blocs de "
            f"compétences acquis :\n" + "\n".join(f"- {b}" for b in blocs)
        )
    return f"Le jury ne valide pas la certification « {intitule} »."


@transaction.atomic
def notifier_resultat(
    deliberation: Deliberation,
    *,
    by: User,
    courriel_accompagnateur: str = "",
    par_courrier: bool = False,
) -> NotificationResultatVae:
    """E-mails the jury's result to the candidate (and the accompanist) and records it; or
    records that the certifier sent it by post (`par_courrier`: no e-mail)."""
    deliberation = (
        Deliberation.objects.select_for_update(of=("self",))
        .select_related("jury", "dossier__candidat__compte", "dossier__certification")
        .get(pk=deliberation.pk)
    )
    dossier = deliberation.dossier
    if actor_of(by, dossier) != CERTIFICATEUR:
        raise VaeRefus("Réservé aux gestionnaires du certificateur.")
    if a_notifier(dossier) != deliberation:
        raise VaeRefus("Le résultat se notifie une fois le PV du jury signé.")
    if NotificationResultatVae.objects.filter(deliberation=deliberation).exists():
        raise VaeRefus("Le résultat de ce jury a déjà été notifié.")
    to = [email] if (email := candidate_email(dossier)) else []
    if courriel_accompagnateur := courriel_accompagnateur.strip():
        try:
            validate_email(courriel_accompagnateur)
        except Exception as error:
            raise VaeRefus(
                "Le courriel de l'accompagnateur n'est pas une adresse valide."
            ) from error
        to.append(courriel_accompagnateur)
    jury = deliberation.jury
    if par_courrier:
        return NotificationResultatVae.objects.create(
            deliberation=deliberation, notifiee_le=today(), par=by, destinataires="par courrier"
        )
    if not to:
        raise VaeRefus(
            "Le candidat n'a pas d'adresse électronique : indiquez celle de l'accompagnateur, "
            "ou notifiez le résultat par courrier et enregistrez-le comme tel."
        )
    notification = NotificationResultatVae.objects.create(
        deliberation=deliberation, notifiee_le=today(), par=by, destinataires=", ".join(to)
    )
    send_after_commit(
        subject=f"Résultat de votre jury VAE du {jury.date:%d/%m/%Y}",
        body=(
            f"Bonjour {dossier.candidat.prenom1},\n\n"
            f"Le jury de validation des acquis de l'expérience du {jury.date:%d/%m/%Y} s'est "
            f"prononcé sur votre dossier.\n\n{_texte_resultat(deliberation)}\n\n"
            f"{by.organisation or ''}\n"
        ),
        to=to,
    )
    return notification


def texte_notification(deliberation: Deliberation, on: date) -> str:
    """« à notifier avant le … » (with the days left or late), or when it was notified."""
    limite = notifier_avant_le(deliberation)
    notification = NotificationResultatVae.objects.filter(deliberation=deliberation).first()
    if notification is not None:
        late = (notification.notifiee_le - limite).days
        return f"résultat notifié le {notification.notifiee_le:%d/%m/%Y}" + (
            f", {compte(late, 'jour', 'jours')} après le délai de 15 jours" if late > 0 else ""
        )
    left = (limite - on).days
    if left >= 0:
        return f"résultat à notifier avant le {limite:%d/%m/%Y} inclus"
    return (
        f"résultat à notifier : en retard de {compte(-left, 'jour', 'jours')} (il fallait "
        f"avant le {limite:%d/%m/%Y})"
    )


@dataclass(frozen=True)
class EtatNotification:
    deliberation: Deliberation | None
    texte: str
    notifiable: bool  # the form is shown


def etat_notification(dossier: Dossier, user: User, on: date) -> EtatNotification:
    deliberation = a_notifier(dossier)
    if deliberation is None:
        return EtatNotification(None, "", False)
    notifiable = (
        actor_of(user, dossier) == CERTIFICATEUR
        and not NotificationResultatVae.objects.filter(deliberation=deliberation).exists()
    )
    return EtatNotification(deliberation, texte_notification(deliberation, on), notifiable)
