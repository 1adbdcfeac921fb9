"""The status page: a static site (HTML, JSON, Atom) per locale in S3, rebuilt whole on every publish from the
page's own view of the incidents (kept at publication time), showing only what was approved.

- ``models``, ``logic``  its inputs and what it shows; ``levels`` outage levels and uptime; ``texts`` its words
- ``view``              one locale's view; ``pages`` its documents (index, incident pages, 404, Atom, index.json);
                        ``api`` the same in Statuspage's public API v2
- ``build``             every file of the site; ``channel`` the ``status_page`` channel that writes them
- ``records``           the materialised view the channel keeps and reads (one query, whatever the history)
- ``serving``           each file's content type and cache lifetime, and the index rewriting CloudFront does
                        (``viewer_request.js``, its CloudFront Function twin)
"""
