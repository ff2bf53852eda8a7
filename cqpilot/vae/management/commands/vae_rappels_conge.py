from django.core.management.base import BaseCommand

from cqpilot.vae.rappel_conge import rappels_conge
from cqpilot.vae.recevabilite import today


class Command(BaseCommand):
    help = (
        "Rappelle au candidat, à son organisme et à son accompagnateur VAE les congés VAE dont "
        "la réponse de l'employeur est attendue depuis plus de 15 jours (une fois ; à lancer "
        "chaque jour)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(self.style.SUCCESS(f"Congés VAE : {rappels_conge(today())}."))
