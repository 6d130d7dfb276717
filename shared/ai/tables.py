"""Per-tenant AI reply configuration and a log of every billable AI or ingestion action."""

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant, User
from shared.conversations.tables import Conversation


class AiConfig(Table, tablename="ai_configs"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    model_type = Varchar(length=50, default="local", null=False)  # local | strong
    model_name = Varchar(length=100, default="", null=False)
    temperature = Numeric(digits=(3, 2), default=Decimal("0.30"), null=False)
    max_tokens = Integer(default=300, null=False)
    system_prompt = Text(null=True, default=None)
    tone = Varchar(length=50, default="professional_friendly", null=False)
    autopilot_mode = Varchar(length=10, default="draft", null=False)  # auto | draft | off
    # Handoff topics, business hours, budget and routing preferences; validated by the AI config API.
    policy = JSONB(default={}, null=False)
    is_active = Boolean(default=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class UsageLog(Table, tablename="usage_logs"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    conversation_id = ForeignKey(
        references=Conversation, null=True, default=None, on_delete=OnDelete.set_null
    )
    action = Varchar(length=100, null=False)  # ai_reply | embedding | ingestion | ...
    model_used = Varchar(length=100, null=True, default=None)
    prompt_tokens = Integer(default=0, null=False)
    completion_tokens = Integer(default=0, null=False)
    tokens_used = Integer(default=0, null=False)
    cost = Numeric(digits=(12, 6), default=Decimal("0"), null=False)  # in PLN
    latency_ms = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ModelQualification(Table, tablename="model_qualifications"):
    """One run of `bench.answer_eval --record` against a model: deployment-wide, not tenant data.

    A model may reply on autopilot when its newest row passed (a later failed run revokes it).
    Append-only for the app role (SELECT, INSERT).
    """

    id = UUID(primary_key=True)
    model = Varchar(length=200, null=False, index=True)
    passed = Boolean(null=False)
    # The printed figures and the thresholds they were held against, and which answer set was run.
    figures = JSONB(default={}, null=False)
    thresholds = JSONB(default={}, null=False)
    answer_set = Varchar(length=100, default="", null=False)
    created_at = Timestamptz(default=TimestamptzNow())
