"""Run by the openbadges venv's Python: validate one badge with the 1EdTech verifier, offline.

Usage: ob_validate.py URL | --baked FILE.png
Prints the verifier's report as JSON. The Open Badges v2 JSON-LD context is served from the
copy the package ships; every other fetch goes to the URLs given (a local test server).
"""

import json
import sys

from openbadges import verify
from openbadges.verifier import utils
from openbadges.verifier.openbadges_context import (OPENBADGES_CONTEXT_V2_DICT,
                                                    OPENBADGES_CONTEXT_V2_URI)

CONTEXT_URLS = {OPENBADGES_CONTEXT_V2_URI, OPENBADGES_CONTEXT_V2_URI + "/",
                "https://openbadgespec.org/v2/context.json"}
_original = utils.CachableDocumentLoader.__call__


def _load(self, url):
    if url in CONTEXT_URLS:
        return {"contextUrl": None, "documentUrl": url,
                "document": json.dumps(OPENBADGES_CONTEXT_V2_DICT)}
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise RuntimeError("offline test: refusing to fetch " + url)
    return _original(self, url)


utils.CachableDocumentLoader.__call__ = _load


def main(argv):
    if argv[1] == "--baked":
        with open(argv[2], "rb") as fh:
            report = verify(fh, use_cache=False)
    else:
        report = verify(argv[1], use_cache=False)
    print(json.dumps({"report": report["report"], "graph": report["graph"]}, default=str))


if __name__ == "__main__":
    main(sys.argv)
