"""The « À faire » of a VAE accompanist (AAP): the demandes it has to complete and file for the
candidates it accompanies. Both items open the « Recevabilité VAE » page, which lists them."""

from datetime import date

from django.db.models import Exists, OuterRef
from django.urls import reverse

from cqpilot.core.french import compte
from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.vae.models import DemandeRecevabilite, StatutDemande


def accompagnateur_section(user: User, today: date, section, item):
    """`section` and `item` are todo.Section and todo.Item (passed in: todo imports this)."""
    incompletes = (
        DemandeRecevabilite.objects.visible_to(user).filter(statut=StatutDemande.INCOMPLETE).count()
    )
    sans_demande = (
        Dossier.objects.visible_to(user)
        .filter(
            voie_acces=VoieAcces.VAE,
            accompagnateur=user.organisation,
            state=DossierState.INSCRIT,
        )
        .exclude(Exists(DemandeRecevabilite.objects.filter(dossier=OuterRef("pk"))))
        .count()
    )
    url = reverse("vae:demande_list")
    return section(
        "Vos candidats en VAE",
        [
            item(
                "vae_incomplete",
                incompletes,
                compte(
                    incompletes,
                    "demande de recevabilité attend des pièces",
                    "demandes de recevabilité attendent des pièces",
                ),
                url,
            ),
            item(
                "vae_a_deposer",
                sans_demande,
                compte(
                    sans_demande,
                    "demande de recevabilité est à déposer",
                    "demandes de recevabilité sont à déposer",
                ),
                url,
            ),
        ],
    )
