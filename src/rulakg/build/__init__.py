"""Building the store: sources → named graphs → a new on-disk store, swapped in when it passes its checks."""

from rulakg.build.builder import BuildError, BuildResult, build

__all__ = ["BuildError", "BuildResult", "build"]
