"""Shipshape server: the Litestar shell around the sync engine."""

import os

os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
