"""The one Piccolo app: every table (see server/schema.py for where each is described), and the migrations folder."""

import os

from piccolo.conf.apps import AppConfig

from server.schema import TABLES

APP_CONFIG = AppConfig(
    app_name="shipshape",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
)
