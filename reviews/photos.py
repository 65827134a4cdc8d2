"""Review photos: validate an upload with Pillow and re-encode it; store and delete the files.

Every photo is decoded and re-encoded (WebP), so what is stored carries no metadata: EXIF
(GPS position, camera serial), XMP and ICC profiles are dropped, and the EXIF orientation is
applied to the pixels first. Files are written only after every upload of a request has been
validated, and :func:`files_removed_on_failure` deletes what was written when the database
transaction around it does not commit — so a failed review leaves no orphan file.
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decoded size limit (a 40 MP camera photo), against decompression bombs
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
FULL_SIZE = 1600
THUMBNAIL_SIZE = 320
WEBP_QUALITY = 82


class PhotoError(Exception):
    """An upload that is not an acceptable photo; the message is shown to the user."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """A validated photo, re-encoded in memory and not yet written anywhere."""

    full: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def encode_webp(image: Image.Image, box: int) -> tuple[bytes, int, int]:
    """``image`` fitted into ``box``×``box`` pixels, as WebP bytes without metadata, and its size."""
    copy = image.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif=, icc_profile= or xmp= arguments: the new file carries pixels only.
    copy.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue(), copy.width, copy.height


def process_upload(upload) -> ProcessedPhoto:
    """Validate one uploaded file and return it re-encoded, resized and stripped of metadata.

    Accepts JPEG, PNG and WebP up to 8 MB and 40 megapixels; raises :class:`PhotoError` with
    a message naming the file otherwise. Writes nothing.
    """
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > MAX_UPLOAD_BYTES:
        raise PhotoError(_("“%(name)s” is larger than 8 MB.") % {"name": name})
    if upload.size == 0:
        raise PhotoError(_("“%(name)s” is empty.") % {"name": name})
    not_an_image = PhotoError(_("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError(_("“%(name)s” is too large in pixels.") % {"name": name})
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as source:
                source.load()
                image = ImageOps.exif_transpose(source)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise not_an_image from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # truncated or corrupt data
        raise not_an_image from error
    full, width, height = encode_webp(image, FULL_SIZE)
    thumbnail, thumbnail_width, thumbnail_height = encode_webp(image, THUMBNAIL_SIZE)
    return ProcessedPhoto(full, width, height, thumbnail, thumbnail_width, thumbnail_height)


def process_uploads(uploads) -> list[ProcessedPhoto]:
    """Validate every upload first; raise :class:`PhotoError` for the first bad one."""
    return [process_upload(upload) for upload in uploads]


def write_files(photo: ProcessedPhoto, written: list[str]) -> tuple[str, str]:
    """Write the photo and its thumbnail to storage; append their names to ``written``."""
    stem = f"reviews/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    full_name = default_storage.save(f"{stem}.webp", ContentFile(photo.full))
    written.append(full_name)
    thumbnail_name = default_storage.save(f"{stem}-thumb.webp", ContentFile(photo.thumbnail))
    written.append(thumbnail_name)
    return full_name, thumbnail_name


def delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def delete_files_on_commit(names: list[str]) -> None:
    """Delete stored files once the current transaction commits (a rollback keeps them)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: delete_files(names))


@contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """Yield a list to record written file names in; delete them if the block raises.

    Wrap the whole ``transaction.atomic()`` block with it, so that a failure to commit is
    caught too.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException:
        delete_files(written)
        raise
