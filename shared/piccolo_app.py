"""The Piccolo app holding every table; its migrations live in the top-level piccolo_migrations/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from shared.accounts.tables import Membership, Tenant, User
from shared.ai.tables import AiConfig, ModelQualification, UsageLog
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation, HandoffLog, Message
from shared.events.tables import EventDelivery, EventEndpoint
from shared.inbox.tables import InboxEvent
from shared.knowledge.tables import CuratedAnswer, KnowledgeDocument
from shared.orders.tables import OrderSnapshotRow
from shared.outbox.tables import OutboxJob

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "piccolo_migrations"

# Tables whose rows belong to one tenant: RLS is enabled and forced on each (see the RLS migration).
TENANT_TABLES = (
    Tenant,
    Membership,
    ChannelAccount,
    Conversation,
    Message,
    KnowledgeDocument,
    CuratedAnswer,
    AiConfig,
    UsageLog,
    InboxEvent,
    OutboxJob,
    HandoffLog,
    EventEndpoint,
    EventDelivery,
    OrderSnapshotRow,
)

APP_CONFIG = AppConfig(
    app_name="bokai",
    migrations_folder_path=str(MIGRATIONS_DIR),
    # Deployment-wide tables: users (scoped by user_tx) and which models qualified for autopilot.
    table_classes=[User, ModelQualification, *TENANT_TABLES],
    migration_dependencies=[],
    commands=[],
)
