"""Run a command in this Python and print its peak resident memory as it exits.

    python bench/peak.py scrapy crawlall ...      # the scrapy CLI
    python bench/peak.py bench/floor.py ...       # a script

Prints ``PEAK_KB <VmHWM>`` on stderr at exit: the kernel's high-water mark of this
process image. The bench reads it instead of wait4's ru_maxrss, which also counts the
pages a child shared with the bench between fork and exec (the bench holds the whole
generated fleet: ru_maxrss read 1.9 GB for a crawl that never passed 260 MB).
"""

import atexit
import runpy
import sys


def report_peak() -> None:
    with open("/proc/self/status") as status:
        peak = status.read().split("VmHWM:")[1].split()[0]
    sys.stderr.write(f"PEAK_KB {peak}\n")


def parse_peak_mb(output: str) -> float | None:
    """The peak a run printed, in MB, or None when it printed none."""
    if "PEAK_KB " not in output:
        return None
    return int(output.rsplit("PEAK_KB ", 1)[1].split()[0]) / 1024


if __name__ == "__main__":
    atexit.register(report_peak)
    target, sys.argv = sys.argv[1], sys.argv[1:]
    if target == "scrapy":
        from scrapy.cmdline import execute

        execute()
    else:
        runpy.run_path(target, run_name="__main__")
