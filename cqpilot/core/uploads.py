"""What one uploaded file may cost the server: its size, and what the zip inside it unpacks to.

A few kilobytes can ask for gigabytes once unzipped (issue « Contenus hostiles… »): every reader
checks these limits before it reads, and a refusal is a French sentence naming the limit. The
limits themselves are settings (settings.py, « What one uploaded file may cost the server »).
"""

import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

MEGABYTE = 1024 * 1024
LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # the 30 bytes before a member's name (APPNOTE 4.3.7)
INFLATE_CHUNK = MEGABYTE


class UploadRefused(Exception):
    """The file is beyond a limit; the message says which, in French."""


def megabytes(size: int) -> str:
    if size < MEGABYTE:
        return f"{max(1, round(size / 1024))} Ko"
    value = size / MEGABYTE
    if value >= 10:
        return f"{value:.0f} Mo"
    return f"{value:.1f}".replace(".", ",").removesuffix(",0") + " Mo"


def thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def size_of(file: BinaryIO) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        size = file.seek(0, 2)
        file.seek(position)
    return size


def size_problem(file: BinaryIO, limit: int) -> str | None:
    size = size_of(file)
    if size > limit:
        return f"Le fichier pèse {megabytes(size)} : {megabytes(limit)} au plus."
    return None


def read_at_most(file: BinaryIO, limit: int) -> bytes:
    """The whole file, or UploadRefused when it is larger than `limit` (checked without reading
    more than `limit` bytes, whatever the file claims)."""
    content = file.read(limit + 1)
    if len(content) > limit:
        raise UploadRefused(f"Le fichier dépasse {megabytes(limit)}.")
    return content


# --- Zip archives ------------------------------------------------------------------------------


def check_zip(archive: zipfile.ZipFile, *, max_size: int, max_ratio: int | None = None) -> None:
    """Refuse, on what the archive declares, a zip that would unpack to more than `max_size`
    bytes, a member growing more than `max_ratio` times (a zip bomb: real exports and workbooks
    grow about ten times), and what readers could disagree on: a name twice (case aside, as
    calamine looks names up), an encrypted member, a compression other than deflate."""
    seen: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename.lower()
        if name in seen:
            raise UploadRefused(f"L'archive contient deux fois le fichier {info.filename}.")
        seen.add(name)
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise UploadRefused(
                f"Le fichier {info.filename} de l'archive est chiffré ou compressé d'une manière "
                "non prise en charge : enregistrez-le à nouveau, sans mot de passe."
            )
        total += info.file_size
        if total > max_size:
            raise UploadRefused(
                f"Une fois décompressé, le fichier dépasserait {megabytes(max_size)} : "
                "découpez-le, ou vérifiez qu'il s'agit bien du bon fichier."
            )
        if max_ratio and info.file_size > max_ratio * max(info.compress_size, 1) + MEGABYTE:
            raise UploadRefused(
                f"Le fichier {info.filename} de l'archive grossirait plus de {max_ratio} fois "
                "une fois décompressé, ce qu'aucun export réel ne fait : archive refusée."
            )


def check_zip_layout(content: bytes) -> None:
    """One way only to read the archive: it starts with its first member and ends with a single
    end-of-archive record, so that Python and calamine (Rust) see the same members."""
    tail = len(content) - (22 + 0xFFFF)  # the record and the longest comment it may carry
    if not content.startswith(b"PK\x03\x04") or content.count(b"PK\x05\x06", max(0, tail)) != 1:
        raise UploadRefused(
            "Ce fichier n'est pas une archive ordinaire : enregistrez-le à nouveau."
        )


def inflate(content: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, a chunk at a time, never more than its declared size: the compressed
    data must end with exactly that size and checksum. Python's zipfile stops at the declared
    size; another reader (calamine) trusts the compressed stream, which may go on for gigabytes."""
    header = LOCAL_HEADER.unpack_from(content, info.header_offset)
    start = info.header_offset + LOCAL_HEADER.size + header[9] + header[10]
    data = memoryview(content)[start : start + info.compress_size]
    if header[0] != b"PK\x03\x04" or len(data) != info.compress_size:
        raise UploadRefused(f"Le fichier {info.filename} de l'archive est tronqué.")
    produced, crc = 0, 0
    for chunk in _decompressed(data, info):
        produced += len(chunk)
        if produced > info.file_size:
            raise UploadRefused(
                f"Le fichier {info.filename} de l'archive est plus gros qu'elle ne le déclare."
            )
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != info.file_size or crc != info.CRC:
        raise UploadRefused(f"Le fichier {info.filename} de l'archive est endommagé.")


def _decompressed(data: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type == zipfile.ZIP_STORED:
        for start in range(0, len(data), INFLATE_CHUNK):
            yield bytes(data[start : start + INFLATE_CHUNK])
        return
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    pending: bytes | memoryview = data
    try:
        while not decompressor.eof:
            chunk = decompressor.decompress(pending, INFLATE_CHUNK)
            pending = decompressor.unconsumed_tail
            if not chunk and not pending:
                raise UploadRefused(f"Le fichier {info.filename} de l'archive est tronqué.")
            yield chunk
    except zlib.error as error:
        raise UploadRefused(f"Le fichier {info.filename} de l'archive est endommagé.") from error
