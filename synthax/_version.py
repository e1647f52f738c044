"""synthax's version, read from the installed package's metadata (pyproject.toml's `version`)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synthax")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
