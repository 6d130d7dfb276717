from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T18:02:33:001380"
VERSION = "1.38.0"
DESCRIPTION = "knowledge document generation and filename"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="bokai", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="KnowledgeDocument",
        tablename="knowledge_documents",
        column_name="active_generation",
        db_column_name="active_generation",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="KnowledgeDocument",
        tablename="knowledge_documents",
        column_name="filename",
        db_column_name="filename",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 255,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
