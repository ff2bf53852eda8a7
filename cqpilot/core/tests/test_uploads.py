"""The checks every reader of an upload shares: sizes, and what a zip declares and holds."""

import io
import zipfile

import pytest

from cqpilot.core.uploads import UploadRefused, check_zip, inflate, megabytes, size_problem


def test_sizes_are_written_in_french():
    assert [megabytes(n) for n in (200, 1536 * 1024, 2 * 1024 * 1024, 25 * 1024 * 1024)] == [
        "1 Ko",
        "1,5 Mo",
        "2 Mo",
        "25 Mo",
    ]
    assert size_problem(io.BytesIO(b"x" * 3 * 1024 * 1024), 2 * 1024 * 1024) == (
        "Le fichier pèse 3 Mo : 2 Mo au plus."
    )


def test_a_zip_growing_beyond_the_ratio_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.xml", b" " * 8 * 1024 * 1024)
    with pytest.raises(UploadRefused, match="grossirait plus de 100 fois"):
        check_zip(zipfile.ZipFile(content), max_size=2**30, max_ratio=100)


def test_an_unzipped_member_is_what_it_declares():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"<a>" + b"x" * 3_000_000 + b"</a>")
        archive.writestr("b.xml", b"<b/>", compress_type=zipfile.ZIP_STORED)
    data = content.getvalue()
    members = zipfile.ZipFile(content).infolist()
    assert [b"".join(inflate(data, info)) for info in members] == [
        b"<a>" + b"x" * 3_000_000 + b"</a>",
        b"<b/>",
    ]
