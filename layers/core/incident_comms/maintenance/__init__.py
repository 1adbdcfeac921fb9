"""Scheduled maintenance: a window of planned work on some components, told to customers ahead, while it runs and
when it is done (issue 18, item 5).

- ``models``  a maintenance and its statuses
- ``logic``   declaring one (every problem named, nothing kept), what the page shows of it at an instant
"""
