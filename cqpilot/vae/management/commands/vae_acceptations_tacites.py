from django.core.management.base import BaseCommand

from cqpilot.vae.recevabilite import today
from cqpilot.vae.tacite import acceptations_tacites


class Command(BaseCommand):
    help = (
        "Rend recevables, par acceptation tacite, les demandes de recevabilité VAE complètes "
        "dont le délai de décision est écoulé sans décision (à lancer chaque jour)."
    )

    def handle(self, *args, **options) -> None:
        bilan = acceptations_tacites(today())
        for demande, refus in bilan.refusees:
            self.stderr.write(f"Demande {demande.pk} ({demande.dossier.candidat}) : {refus}")
        self.stdout.write(self.style.SUCCESS(f"Recevabilité VAE : {bilan}."))
