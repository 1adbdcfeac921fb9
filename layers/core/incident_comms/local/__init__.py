"""The local stack: the same handlers and template over an embedded AWS (moto), with a clock you can move.

moto is imported only when ``incident-comms local`` runs; it is an install extra, never in the Lambda layer.
"""
