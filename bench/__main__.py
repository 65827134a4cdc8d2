"""Run every benchmark module that exists: ``python -m bench [name ...]``."""

import importlib
import sys

MODULES = ["reviews", "qa", "experts", "chat", "search", "feed", "photos", "seo", "notifications"]


def main() -> None:
    wanted = sys.argv[1:] or MODULES
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bench.{name}":
                print(f"bench.{name}: not written yet")
                continue
            raise
        print(f"=== bench.{name} ===", flush=True)
        module.main([])


if __name__ == "__main__":
    main()
