"""The status page: a static site (HTML, JSON, Atom) per locale in S3, rebuilt whole from the store on
every publish, showing only what was approved.

- ``models``, ``logic``  its inputs and what it shows; ``view`` one locale's view; ``texts`` its words
- ``build``             every file of the site; ``channel`` the ``status_page`` channel that writes them
- ``serving``           each file's content type and cache lifetime, and the index rewriting CloudFront does
                        (``viewer_request.js``, its CloudFront Function twin)
"""
