from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.core.french import accorde, compte
from cqpilot.core.models import Organisation
from cqpilot.referentiels.models import FicheAction, ImportStatus
from cqpilot.referentiels.rncp_import import check_rncp_export, import_rncp_export


class Command(BaseCommand):
    help = (
        "Importe l'export open data RNCP/RS de France compétences (XML v4.1 ou zip) : "
        "certifications et versions brouillon de leurs référentiels."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="export_fiches_RNCP_V4_1_….xml, …RS… ou le zip")
        parser.add_argument("--fiche", default="", help="n'importer que cette fiche (RNCP12345)")
        parser.add_argument(
            "--organisation",
            default="",
            help="SIRET ou identifiant de l'organisation certificatrice à qui rattacher les fiches",
        )
        parser.add_argument(
            "--modele",
            action="store_true",
            help="importer les fiches que l'organisation ne certifie pas comme modèles qui lui "
            "sont propres (sans numéro RNCP/RS), au lieu de les refuser",
        )
        parser.add_argument(
            "--importer-valides",
            action="store_true",
            help="enregistrer les fiches valides même si d'autres sont en erreur",
        )
        parser.add_argument(
            "--verifier",
            action="store_true",
            help="dire ce que l'import ferait de chaque fiche, sans rien enregistrer",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        organisation = None
        if options["modele"] and not options["organisation"]:
            raise CommandError(
                "--modele demande --organisation : un modèle appartient à une organisation."
            )
        if options["organisation"]:
            key = options["organisation"]
            organisation = Organisation.objects.filter(siret=key).first() or (
                Organisation.objects.filter(pk=key).first() if key.isdigit() else None
            )
            if organisation is None:
                raise CommandError(f"Aucune organisation n'a le SIRET ou l'identifiant {key}.")
            if not organisation.is_certificateur:
                raise CommandError(f"{organisation} n'est pas un certificateur.")
        run = check_rncp_export if options["verifier"] else import_rncp_export
        report = run(
            path,
            file_name=path.name,
            fiche=options["fiche"],
            organisation=organisation,
            keep_valid=options["importer_valides"],
            as_model=options["modele"],
        )
        for warning in report.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"Erreur — {error}"))
        for line in report.detail:
            if line["action"] == FicheAction.REFUS:
                self.stderr.write(
                    self.style.ERROR(f"Refusée — Ligne {line['ligne']} : {line['raison']}")
                )
            elif line["action"] == FicheAction.MODELE:
                self.stdout.write(f"Modèle — Ligne {line['ligne']} : {line['raison']}")
        if options["verifier"]:
            self.stdout.write(
                f"Vérification : {compte(report.fiches_lues, 'fiche lue', 'fiches lues')}, "
                f"{report.certifications_creees} à créer, "
                f"{report.certifications_mises_a_jour} à mettre à jour, "
                f"{report.fiches_refusees} {accorde(report.fiches_refusees, 'refusée')}. "
                + (
                    "L'import échouerait. "
                    if report.status == ImportStatus.ECHOUE
                    else f"{compte(report.blocs_importes, 'bloc serait importé', 'blocs seraient importés')}. "
                )
                + "Rien n'a été enregistré."
            )
            return
        summary = (
            f"{compte(report.fiches_lues, 'fiche lue', 'fiches lues')}, "
            f"{report.fiches_importees} {accorde(report.fiches_importees, 'importée')}, "
            f"{report.fiches_refusees} {accorde(report.fiches_refusees, 'refusée')}, "
            f"{compte(report.certifications_creees, 'certification créée', 'certifications créées')}, "
            f"{compte(report.blocs_importes, 'bloc')}."
        )
        if report.status == ImportStatus.ECHOUE:
            raise CommandError(f"Import échoué, rien n'a été enregistré. {summary}")
        self.stdout.write(self.style.SUCCESS(f"{report.get_status_display()} : {summary}"))
