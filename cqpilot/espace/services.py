"""Candidates' accounts: invited by the certifier or their OF, they set their password from the
e-mailed link (the same link and pages as an invited OF account, core.invitations).

A candidate's account has no organisation and no role: every area's querysets give it its own
rows only (`Dossier.objects.visible_to`…), and the espace middleware keeps it out of the staff
pages.
"""

from django.db import transaction

from cqpilot.core.invitations import InvitationRefusee, set_password_link
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import User
from cqpilot.core.permissions import EDIT_DOSSIERS, is_accompagnateur_vae
from cqpilot.dossiers.models import Candidat, Dossier

from .login_link import request_page_url


def may_invite(candidat: Candidat, by: User) -> bool:
    """The certifier's managers and the candidate's OF: who may edit one of their dossiers. Not
    a VAE accompanist: the account it opened would read the candidate's dossiers with every
    certifier, and stay its own once it no longer accompanies him."""
    return (
        EDIT_DOSSIERS(by)
        and not is_accompagnateur_vae(by)
        and Dossier.objects.visible_to(by).filter(candidat=candidat).exists()
    )


@transaction.atomic
def invite_candidat(candidat: Candidat, *, email: str, by: User, base_url: str) -> User:
    """Create (or renew the link of) the candidate's account and e-mail it after commit. The
    account's creation and its link to the candidate are journaled (auditlog)."""
    if not may_invite(candidat, by):
        raise InvitationRefusee("Vous ne pouvez pas inviter ce candidat.")
    email = email.strip().lower()
    user = candidat.compte
    if user is not None and user.has_usable_password():
        raise InvitationRefusee(
            f"{candidat} a déjà activé son espace ({user.email}) : il peut demander un nouveau "
            "mot de passe depuis la page de connexion."
        )
    if User.objects.filter(username__iexact=email).exclude(pk=getattr(user, "pk", None)).exists():
        raise InvitationRefusee(f"L'adresse {email} est déjà celle d'un autre compte.")
    if user is None:
        user = User(username=email, first_name=candidat.prenom1, last_name=candidat.nom_naissance)
        user.set_unusable_password()
    user.username = user.email = email
    user.save()
    if candidat.compte_id != user.pk:
        candidat.compte = user
        candidat.save(update_fields=["compte", "updated_at"])
    link = set_password_link(user, base_url=base_url)
    message = (
        f"Bonjour {candidat.prenom1},\n\n"
        f"{by.get_full_name() or by.username} ({by.organisation or 'cqpilot'}) vous ouvre votre "
        "espace candidat : vous y suivez votre dossier de certification, déposez les pièces "
        "demandées, retrouvez vos convocations et vos résultats.\n\n"
        f"Choisissez votre mot de passe en suivant ce lien :\n\n{link}\n\n"
        f"Votre identifiant est {email}.\n\n"
        "Vous pouvez aussi vous connecter sans mot de passe : demandez un lien de connexion, "
        "valable une seule fois, à cette adresse :\n\n"
        f"{request_page_url(base_url)}\n"
    )
    send_after_commit(subject="Votre espace candidat cqpilot", body=message, to=[email])
    return user
