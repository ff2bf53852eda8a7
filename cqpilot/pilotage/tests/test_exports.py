"""CSV exports open in a French Excel: semicolons, and decimals with a comma."""

from decimal import Decimal

from cqpilot.pilotage.exports import table_csv
from cqpilot.pilotage.stats import Table


def test_csv_decimals_are_written_with_a_comma_and_other_values_as_they_are():
    table = Table(
        slug="t",
        title="T",
        headers=["Libellé", "Taux", "Montant", "Nombre", "Vide", "Texte", "Écart"],
        rows=[["A", 33.3, Decimal("1250.50"), 4, None, "v1.2", -2.5]],
    )

    header, line = table_csv(table).decode("utf-8-sig").splitlines()

    assert header == "Libellé;Taux;Montant;Nombre;Vide;Texte;Écart"
    assert line == "A;33,3;1250,50;4;;v1.2;-2,5"  # a number, not a neutralised formula
