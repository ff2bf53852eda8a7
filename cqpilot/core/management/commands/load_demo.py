from django.core.management.base import BaseCommand

from cqpilot.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Charge le jeu de données de démonstration (sans effet s'il est déjà chargé)."

    def handle(self, *args, **options) -> None:
        if load_demo():
            self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        else:
            self.stdout.write("Données de démonstration déjà présentes.")
        self.stdout.write(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for username, roles in demo_logins():
            self.stdout.write(f"  {username:28} {roles}")
