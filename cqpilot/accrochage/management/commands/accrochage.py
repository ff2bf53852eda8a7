"""`cqpilot accrochage modele|xml|verifier|rejetes`: the standalone tool on the command line.

The command line keeps no history: a holder keeps his idTechnique from his identity, or from the
« Identifiant technique » column (`rejetes` writes the rejected holders with theirs).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.accrochage.autonome.columns import holders_template
from cqpilot.accrochage.autonome.conformity import Refused, check_flux
from cqpilot.accrochage.autonome.generation import CdcIds, generate
from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.rapport import RapportError, parse_rapport
from cqpilot.accrochage.schema import SCHEMAS
from cqpilot.core.french import accorde, compte


class Command(BaseCommand):
    help = "Accrochage certificateur : fichiers XML de la Caisse des Dépôts."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        modele = actions.add_parser("modele", help="écrire le modèle xlsx des titulaires")
        modele.add_argument("-o", "--sortie", default="modele-titulaires.xlsx")
        xml = actions.add_parser("xml", help="produire les fichiers XML à partir des titulaires")
        xml.add_argument("titulaires", help="classeur .xlsx ou fichier .csv (voir le modèle)")
        xml.add_argument("--id-client", required=True, help="identifiant client CDC (8 caractères)")
        xml.add_argument("--id-contrat", required=True, help="numéro de contrat CDC")
        xml.add_argument("--id-client-emetteur", default="", help="si un tiers dépose pour vous")
        xml.add_argument("--schema", default="1.1.2", choices=sorted(SCHEMAS))
        xml.add_argument(
            "--lignes-valides",
            action="store_true",
            help="écrire le XML des lignes valides, et les autres, annotées, dans un classeur",
        )
        xml.add_argument(
            "-o",
            "--sortie",
            default="flux.xml",
            help="flux.xml ; au-delà des limites de la CDC : flux-1.xml, flux-2.xml…",
        )
        verifier = actions.add_parser(
            "verifier", help="vérifier un fichier XML contre le schéma officiel de la CDC"
        )
        verifier.add_argument("fichier")
        verifier.add_argument("--schema", default="1.1.2", choices=sorted(SCHEMAS))
        rejetes = actions.add_parser(
            "rejetes",
            help="écrire les titulaires rejetés par la CDC, avec leur identifiant technique",
        )
        rejetes.add_argument("fichier", help="le fichier XML déposé")
        rejetes.add_argument("accuse", help="son accusé de traitement")
        rejetes.add_argument("-o", "--sortie", default="titulaires-rejetes.xlsx")

    def handle(self, *args, **options) -> None:
        getattr(self, options["action"])(options)

    def modele(self, options) -> None:
        Path(options["sortie"]).write_bytes(holders_template().getvalue())
        self.stdout.write(self.style.SUCCESS(f"Modèle écrit : {options['sortie']}"))

    def xml(self, options) -> None:
        source, target = Path(options["titulaires"]), Path(options["sortie"])
        if not source.is_file():
            raise CommandError(f"Fichier introuvable : {source}")
        if not target.parent.is_dir():
            raise CommandError(f"Dossier introuvable : {target.parent}")
        with source.open("rb") as file:
            result = generate(
                file,
                source.name,
                directory=target.parent,
                stem=target.name.removesuffix(".xml"),
                ids=CdcIds(
                    options["id_client"], options["id_contrat"], options["id_client_emetteur"]
                ),
                schema=options["schema"],
                valid_rows_only=options["lignes_valides"],
            )
        for warning in result.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        for error in result.errors:
            self.stderr.write(self.style.ERROR(f"Erreur — {error}"))
        if result.error_count > len(result.errors):
            self.stderr.write(f"… {result.error_count} erreurs en tout.")
        if result.faulty_workbook is not None:
            self.stdout.write(f"Lignes en erreur, annotées : {result.faulty_workbook}")
        if not result.files:
            raise CommandError(
                f"{compte(result.error_count, 'erreur')} : aucun fichier XML n'a été écrit."
                if result.error_count
                else "Aucun fichier XML n'a été écrit."
            )
        for written in result.files:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{written.path} écrit : {compte(written.passages, 'passage')}, "
                    f"{written.size:,} octets, conforme au schéma de la Caisse des Dépôts (idFlux "
                    f"{written.id_flux})."
                )
            )

    def verifier(self, options) -> None:
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            problems, count = check_flux(path, options["schema"])
        except Refused as refusal:
            raise CommandError(str(refusal)) from refusal
        except OSError as error:
            raise CommandError(f"Le fichier ne peut pas être lu ({error.strerror}).") from error
        if problems:
            raise CommandError(" ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} est conforme au schéma {options['schema']} de la Caisse des Dépôts "
                f"({compte(count, 'passage')})."
            )
        )

    def rejetes(self, options) -> None:
        from cqpilot.accrochage.autonome.workbooks import rejected_workbook

        flux, accuse = Path(options["fichier"]), Path(options["accuse"])
        for path in (flux, accuse):
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
        try:
            with accuse.open("rb") as file:
                rapport = parse_rapport(file)
            rapport.check_answers(_id_flux(flux))
        except RapportError as error:
            raise CommandError(str(error)) from error
        whole = "Fichier rejeté en entier" if rapport.file_errors else ""
        rows = [
            (ref.code, passage, rapport.rejected.get(passage.id_technique) or whole)
            for ref, passage in read_flux(flux)
            if passage.id_technique in rapport.rejected or whole
        ]
        Path(options["sortie"]).write_bytes(rejected_workbook(rows).getvalue())
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['sortie']} écrit : "
                f"{compte(len(rows), 'titulaire rejeté', 'titulaires rejetés')}, avec leur "
                f"identifiant technique. Corrigez-{accorde(len(rows), 'le', 'les')}, puis "
                "produisez un nouveau fichier."
            )
        )


def _id_flux(path: Path) -> str:
    from lxml import etree

    from cqpilot.accrochage.flux import q

    with path.open("rb") as stream:
        for _event, element in etree.iterparse(
            stream, events=("end",), tag=q("idFlux"), resolve_entities=False, no_network=True
        ):
            return element.text or ""
    return ""
