"""Recompute the reputation ledger from the votes and content states, and every stored total
from the ledger (``experts.rebuild``). Exit status 1 with ``--check`` when anything differs."""

from django.core.management.base import BaseCommand, CommandError

from experts.rebuild import rebuild_reputation


class Command(BaseCommand):
    help = "Rebuild reputation: the ledger from votes and content, the totals from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences, write nothing (exit 1 if any)")
        parser.add_argument("--from-scratch", action="store_true",
                            help="reverse every live event and write all anew (history is kept)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, check: bool, from_scratch: bool, no_progress: bool, **options):
        report = rebuild_reputation(check_only=check, from_scratch=from_scratch, progress=not no_progress)
        self.stdout.write(
            f"entitlements {report.entitlements}, live events before {report.live_before}; "
            f"reversed {report.reversed}, written {report.added}; fixed totals {report.totals_fixed}, "
            f"category totals {report.categories_fixed}, profiles {report.profiles_fixed}; "
            f"Experts +{report.experts_gained} −{report.experts_lost}"
        )
        self.stdout.write("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.seconds.items()))
        if check and not report.exact:
            raise CommandError("The stored reputation differs from the rebuild (see above).")
        if report.exact:
            self.stdout.write(self.style.SUCCESS("The stored reputation was exact."))
