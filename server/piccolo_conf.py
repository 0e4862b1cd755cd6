"""Piccolo configuration: the engine chosen by DATABASE_URL, and the one Piccolo app."""

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.settings import DatabaseConfig

_config = DatabaseConfig.from_url(os.environ.get("DATABASE_URL"))

DB: Engine
if _config.dialect == "postgres":
    DB = PostgresEngine(config={"dsn": _config.dsn})
else:
    # timeout = busy timeout in seconds: a writer waits for the lock instead of failing at once.
    DB = SQLiteEngine(path=_config.path, timeout=30)

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])
