"""Piccolo configuration: the engine comes from DATABASE_URL (app role at runtime, owner for migrations)."""

from piccolo.conf.apps import AppRegistry

from shared.infra.postgres import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(apps=["shared.piccolo_app"])
