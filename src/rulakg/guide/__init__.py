"""The documentation site (MkDocs, served at ``/docs/guide``): hand-written pages in ``docs/``, sections of the
READMEs included by reference, and pages generated from the ontology and the built store (the data dictionary,
the saved queries, the model diagram)."""

from rulakg.guide.site import GUIDE_DIR, GuideError, build_guide

__all__ = ["GUIDE_DIR", "GuideError", "build_guide"]
