"""Knowledge documents uploaded by a seller; the chunks and vectors live in Weaviate."""

from piccolo.columns import UUID, BigInt, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant, User


class KnowledgeDocument(Table, tablename="knowledge_documents"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    title = Varchar(length=255, null=False)
    filename = Varchar(length=255, null=True, default=None)
    # Object key relative to the tenant's prefix in the documents bucket.
    object_key = Varchar(length=500, null=False)
    content_type = Varchar(length=100, null=True, default=None)  # detected from content
    size_bytes = BigInt(default=0, null=False)
    sha256 = Varchar(length=64, null=True, default=None)  # duplicate-upload detection
    # pending | processing | ready | failed
    status = Varchar(length=20, default="pending", null=False)
    error = Varchar(length=1000, null=True, default=None)
    chunk_count = Integer(default=0, null=False)
    progress_percent = Integer(default=0, null=False)
    # Chunks in Weaviate carry the generation that indexed them; search only trusts chunks of the
    # active generation, so re-ingestion swaps a document's chunks atomically.
    active_generation = Varchar(length=32, null=True, default=None)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CuratedAnswer(Table, tablename="curated_answers"):
    """A seller's exact answer to a known question, used verbatim when a customer asks it."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    question = Varchar(length=500, null=False)
    answer = Text(null=False)
    enabled = Boolean(default=True, null=False)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
