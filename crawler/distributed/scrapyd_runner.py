"""A Scrapyd runner that runs the deployed egg unzipped.

Scrapyd 1.6's own runner (``scrapyd.runner``) puts the uploaded egg, a zip file, on
``sys.path``. This project reads some of its package files as files (the numbered
migrations, the enriching code's fingerprint, the gazetteer cache's key), which a zip
does not have. This runner extracts each egg version once into a folder beside the
eggs and runs Scrapy from there. In scrapyd.conf: ``runner =
crawler.distributed.scrapyd_runner`` (see deploy/scrapyd.conf); the host needs the
project's dependencies installed (`make setup`), since an egg carries none.
"""

from __future__ import annotations

import configparser
import os
import shutil
import sys
import zipfile
from pathlib import Path

from scrapyd import Config
from scrapyd.utils import initialize_component


def unpacked_egg(project: str) -> Path | None:
    """The folder holding the project's egg (the version asked for, else the newest)."""
    config = Config()
    storage = initialize_component(config, "eggstorage", "scrapyd.eggstorage.FilesystemEggStorage")
    _version, egg = storage.get(project, os.environ.get("SCRAPYD_EGG_VERSION"))
    if egg is None:
        return None
    with egg:
        egg_path = Path(egg.name)
        target = egg_path.parent / f"{egg_path.stem}-unpacked"
        if not target.is_dir():
            partial = target.with_name(f"{target.name}.{os.getpid()}")
            with zipfile.ZipFile(egg) as archive:
                archive.extractall(partial)
            try:
                partial.rename(target)  # atomic: two jobs starting at once both end here
            except OSError:
                shutil.rmtree(partial, ignore_errors=True)
    return target


def settings_module(unpacked: Path) -> str | None:
    entry_points = configparser.ConfigParser()
    entry_points.read(unpacked / "EGG-INFO" / "entry_points.txt")
    return entry_points.get("scrapy", "settings", fallback=None)


def main() -> None:
    unpacked = unpacked_egg(os.environ["SCRAPY_PROJECT"])
    if unpacked is not None:
        # This module was imported from the installed project: forget that copy, so the
        # deployed version is the one that runs.
        for name in [n for n in sys.modules if n == "crawler" or n.startswith("crawler.")]:
            del sys.modules[name]
        sys.path.insert(0, str(unpacked))
        module = settings_module(unpacked)
        if module:
            os.environ.setdefault("SCRAPY_SETTINGS_MODULE", module)
    from scrapy.cmdline import execute

    execute()


if __name__ == "__main__":
    main()
