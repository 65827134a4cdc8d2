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
# Decode budget (issue 10: six 40 MP PNGs of 131 KB each cost 42 s of CPU in one request).
# Dimensions are read from the header before any pixel is decoded. A JPEG is decoded with
# ``Image.draft`` at 1/2, 1/4 or 1/8 scale (the DCT does the scaling), so even a 50 MP phone
# photo decodes to ~3 MP; PNG and WebP have no such shortcut and are decoded in full.
#: JPEG: 50 MP fits the full-resolution mode of today's 48/50 MP phone sensors (8160×6120);
#: 108/200 MP modes are rare and are refused with a message asking for a smaller copy.
MAX_JPEG_PIXELS = 50_000_000
#: PNG/WebP: 16.8 MP (4096×4096) fits screenshots and phone photos saved as PNG/WebP at 12 MP.
MAX_LOSSLESS_PIXELS = 4096 * 4096
#: The pixels one request may decode in total (after JPEG draft scaling): six 12 MP phone JPEGs
#: decode to 6 × 3 MP; six 12 MP PNGs would be 72 MP, too much. 36 MP keeps the worst accepted
#: post under 2 s of CPU (measured by ``python -m bench.photos``).
MAX_REQUEST_DECODED_PIXELS = 36_000_000
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


def _draft_box(width: int, height: int) -> tuple[int, int]:
    """The size ``FULL_SIZE`` fitting keeps, which a JPEG draft must not go below."""
    scale = min(1.0, FULL_SIZE / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


@dataclass(frozen=True)
class _Probe:
    format: str
    width: int
    height: int
    decoded_pixels: int  # what decoding will cost, after the JPEG draft


def _probe(upload, name: str) -> _Probe:
    """Read the header only (no pixel data): format, size and the pixels decoding will cost."""
    not_an_image = PhotoError(_("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name})
    if upload.size > MAX_UPLOAD_BYTES:
        raise PhotoError(_("“%(name)s” is larger than 8 MB.") % {"name": name})
    if upload.size == 0:
        raise PhotoError(_("“%(name)s” is empty.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                width, height = probe.size
                limit = MAX_JPEG_PIXELS if probe.format == "JPEG" else MAX_LOSSLESS_PIXELS
                if width * height > limit:
                    raise PhotoError(
                        _("“%(name)s” is too large in pixels (%(width)d×%(height)d): at most %(mp)d megapixels "
                          "for this format. Please send a smaller copy.")
                        % {"name": name, "width": width, "height": height, "mp": limit // 1_000_000}
                    )
                decoded = width * height
                if probe.format == "JPEG":
                    probe.draft("RGB", _draft_box(width, height))  # only records the scale: cheap
                    decoded = probe.size[0] * probe.size[1]
                fmt = probe.format
                probe.verify()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # > 89 MP, refused by Pillow
        raise PhotoError(
            _("“%(name)s” is too large in pixels: at most %(mp)d megapixels. Please send a smaller copy.")
            % {"name": name, "mp": MAX_JPEG_PIXELS // 1_000_000}
        ) from error
    except UnidentifiedImageError as error:
        raise not_an_image from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # truncated or corrupt data
        raise not_an_image from error
    return _Probe(fmt, width, height, decoded)


def process_upload(upload, *, probe: _Probe | None = None) -> ProcessedPhoto:
    """Validate one uploaded file and return it re-encoded, resized and stripped of metadata.

    Accepts JPEG up to 50 MP and PNG/WebP up to 16.8 MP, 8 MB each; raises :class:`PhotoError`
    with a message naming the file otherwise. Writes nothing.
    """
    name = getattr(upload, "name", "") or _("photo")
    probe = probe or _probe(upload, name)
    not_an_image = PhotoError(_("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as source:
                if source.format == "JPEG":
                    source.draft("RGB", _draft_box(source.width, source.height))
                source.load()
                image = ImageOps.exif_transpose(source)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise not_an_image from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # truncated or corrupt data
        raise not_an_image from error
    full, width, height = _fit_and_encode(image, FULL_SIZE)
    # The thumbnail is made from the fitted image, not from the full decode: a fraction of the work.
    thumbnail, thumbnail_width, thumbnail_height = _fit_and_encode(image, THUMBNAIL_SIZE)
    return ProcessedPhoto(full, width, height, thumbnail, thumbnail_width, thumbnail_height)


def _fit_and_encode(image: Image.Image, box: int) -> tuple[bytes, int, int]:
    """Fit ``image`` into ``box``×``box`` **in place** and return it as WebP bytes and its size.

    ``reducing_gap``: an integer box reduction first, then LANCZOS on a small image (far cheaper
    than LANCZOS over 16 MP, and indistinguishable at these sizes).
    """
    image.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    # No exif=, icc_profile= or xmp= arguments: the new file carries pixels only.
    # method=2: a third of method 4's CPU for a 1600 px image, a few per cent larger files.
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=2)
    return buffer.getvalue(), image.width, image.height


def process_uploads(uploads) -> list[ProcessedPhoto]:
    """Validate every upload's header first, then the request's pixel budget, then decode each.

    Raises :class:`PhotoError` for the first bad one, or when together they would cost more than
    ``MAX_REQUEST_DECODED_PIXELS`` to decode — before any of them is decoded.
    """
    uploads = list(uploads)
    probes = [_probe(upload, getattr(upload, "name", "") or _("photo")) for upload in uploads]
    if sum(p.decoded_pixels for p in probes) > MAX_REQUEST_DECODED_PIXELS:
        raise PhotoError(
            _("These photos are too large to process together (at most %(mp)d megapixels per post). "
              "Send smaller copies, or fewer photos at once.") % {"mp": MAX_REQUEST_DECODED_PIXELS // 1_000_000}
        )
    return [process_upload(upload, probe=probe) for upload, probe in zip(uploads, probes, strict=True)]


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
