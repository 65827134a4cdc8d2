"""CPU cost of the photos of one review post, for the worst uploads the limits let through.

``python -m bench.photos [--repeat 3]`` builds each case in memory (Pillow), runs the review
photo pipeline on it (header checks, request pixel budget, decode with JPEG draft, EXIF
rotation, WebP full size + thumbnail) exactly as a review post does, and prints the process
CPU seconds per request (best of ``--repeat``) and whether it was accepted. The budget is
< 2 s of CPU per request. Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import io
import os
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()


def _upload(name: str, fmt: str, size: tuple[int, int], noisy: bool = False):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    if noisy:  # camera-like content: smooth shapes with texture, which compresses like a photo
        image = Image.effect_noise((size[0] // 16, size[1] // 16), 80).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    else:  # flat colour: a tiny file that decodes to many pixels (the 131 KB PNGs)
        image = Image.new("RGB", size, (180, 90, 40))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def _cases():
    from reviews import photos

    side_png = int((photos.MAX_REQUEST_DECODED_PIXELS / 6) ** 0.5)
    return [
        ("issue 10: six 6300×6300 flat PNGs", [("PNG", (6300, 6300), False)] * 6),
        ("two 4096×4096 PNGs + one 2580×2580", [("PNG", (4096, 4096), False)] * 2 + [("PNG", (2580, 2580), False)]),
        ("two 4096×4096 noisy PNGs (largest lossless)", [("PNG", (4096, 4096), True)] * 2),
        (f"six {side_png}×{side_png} noisy PNGs (budget)", [("PNG", (side_png, side_png), True)] * 6),
        (f"six {side_png}×{side_png} noisy WebPs (budget)", [("WEBP", (side_png, side_png), True)] * 6),
        ("six 8160×6120 JPEGs (50 MP phone)", [("JPEG", (8160, 6120), True)] * 6),
        ("six 4032×3024 JPEGs (12 MP phone)", [("JPEG", (4032, 3024), True)] * 6),
        ("one 16320×12240 JPEG (200 MP)", [("JPEG", (16320, 12240), False)]),
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.photos", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is printed (default 3)")
    args = parser.parse_args(argv)
    _setup_django()
    from reviews import photos

    print(f"bench.photos: limits JPEG {photos.MAX_JPEG_PIXELS / 1e6:.1f} MP, PNG/WebP "
          f"{photos.MAX_LOSSLESS_PIXELS / 1e6:.1f} MP, {photos.MAX_REQUEST_DECODED_PIXELS / 1e6:.0f} MP decoded per "
          f"request; process CPU seconds per review post, best of {args.repeat}")
    print(f"{'case':<44}{'upload MB':>10}{'CPU s':>8}{'÷ 2 s budget':>14}  outcome")
    for label, spec in _cases():
        uploads = [_upload(f"{n}.{fmt.lower()}", fmt, size, noisy) for n, (fmt, size, noisy) in enumerate(spec)]
        megabytes = sum(u.size for u in uploads) / 2**20
        best, outcome = float("inf"), ""
        for _ in range(args.repeat):
            start = time.process_time()
            try:
                photos.process_uploads(uploads)
                outcome = "accepted"
            except photos.PhotoError as error:
                outcome = f"refused: {str(error)[:60]}"
            best = min(best, time.process_time() - start)
        print(f"{label:<44}{megabytes:>10.2f}{best:>8.2f}{best / 2:>14.2f}  {outcome}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
