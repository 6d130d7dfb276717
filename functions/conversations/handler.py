"""Conversations function: the seller's inbox — list, search, read, reply, approve, take over, resolve."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shared.auth.guard import requires
from shared.auth.principal import Principal
from shared.conversations import errors, handoff, queries, replies
from shared.conversations.schemas import (
    ConversationDetail,
    ConversationPage,
    ConversationView,
    ManualReply,
    MessagePage,
    MessageView,
    ReplyText,
)
from shared.http.app import make_function_app
from shared.http.domain_errors import DomainErrors

Caller = NamedDependency[Principal]
Cursor = Annotated[str | None, QueryParameter(name="cursor", description="nextCursor of the previous page")]
READ, WRITE = [requires("read")], [requires("write")]


_call = DomainErrors(errors.NotFound, errors.InvalidRequest, errors.StateConflict).answer


@get("/conversations", summary="Conversations, most recent activity first; filter and search",
     guards=READ)
async def list_conversations(
    principal: Caller,
    status: Annotated[str | None, QueryParameter(name="status", description="open | waiting_for_human | resolved")] = None,
    platform: Annotated[str | None, QueryParameter(name="platform")] = None,
    needs_human: Annotated[bool | None, QueryParameter(name="needsHuman")] = None,
    q: Annotated[str | None, QueryParameter(name="q", description="customer name or message text")] = None,
    platform_conversation_id: Annotated[str | None, QueryParameter(
        name="platformConversationId", description="the platform's (or your shop's) own id of the conversation",
        max_length=255)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=100)] = 25,
) -> ConversationPage:
    return await _call(queries.list_conversations(principal.tenant_id, status=status, platform=platform,
                                                  needs_human=needs_human, q=q, cursor=cursor, limit=limit,
                                                  platform_conversation_id=platform_conversation_id))


@get("/conversations/{conversation_id:uuid}", summary="One conversation with its first messages (oldest first)",
     guards=READ)
async def get_conversation(
    principal: Caller, conversation_id: FromPath[UUID],
    messages_limit: Annotated[int, QueryParameter(name="messagesLimit", ge=1, le=200)] = 50,
) -> ConversationDetail:
    return await _call(queries.get_conversation(principal.tenant_id, conversation_id,
                                                messages_limit=messages_limit))


@get("/conversations/{conversation_id:uuid}/messages", summary="Further messages, oldest first", guards=READ)
async def list_messages(
    principal: Caller, conversation_id: FromPath[UUID], cursor: Cursor = None,
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=200)] = 50,
) -> MessagePage:
    return await _call(queries.list_messages(principal.tenant_id, conversation_id, cursor=cursor, limit=limit))


@post("/conversations/{conversation_id:uuid}/replies", summary="Write a reply yourself (sent at once)",
      guards=WRITE, status_code=201)
async def write_reply(principal: Caller, conversation_id: FromPath[UUID],
                      data: JSONBody[ManualReply]) -> MessageView:
    return await _call(replies.manual_reply(principal.tenant_id, principal.user_id, conversation_id,
                                            data.text, data.in_reply_to_message_id))


@patch("/replies/{reply_id:uuid}", summary="Edit a draft reply", guards=WRITE)
async def edit_reply(principal: Caller, reply_id: FromPath[UUID], data: JSONBody[ReplyText]) -> MessageView:
    return await _call(replies.edit_draft(principal.tenant_id, principal.user_id, reply_id, data.text))


@post("/replies/{reply_id:uuid}/approve", summary="Approve a draft: it is sent once (approving again is a no-op)",
      guards=WRITE, status_code=200)
async def approve_reply(principal: Caller, reply_id: FromPath[UUID]) -> MessageView:
    return await _call(replies.approve(principal.tenant_id, principal.user_id, reply_id))


@post("/replies/{reply_id:uuid}/discard", summary="Discard a draft, a not-yet-sent or a failed reply",
      guards=WRITE, status_code=200)
async def discard_reply(principal: Caller, reply_id: FromPath[UUID]) -> MessageView:
    return await _call(replies.discard(principal.tenant_id, principal.user_id, reply_id))


def _conversation_action(path: str, summary: str, action):
    @post(f"/conversations/{{conversation_id:uuid}}/{path}", summary=summary, guards=WRITE, status_code=200,
          name=f"conversation-{path}", operation_id=f"conversation_{path.replace('-', '_')}")
    async def handler(principal: Caller, conversation_id: FromPath[UUID]) -> ConversationView:
        return await _call(action(principal.tenant_id, conversation_id))

    return handler


conversation_actions = [
    _conversation_action("take-over", "Take the conversation over: the AI stops answering in it",
                         handoff.take_over),
    _conversation_action("hand-back", "Hand the conversation back to the AI", handoff.hand_back),
    _conversation_action("resolve", "Mark the conversation resolved", handoff.resolve),
    _conversation_action("reopen", "Reopen a resolved conversation", handoff.reopen),
]

app = make_function_app(
    "conversations",
    [list_conversations, get_conversation, list_messages, write_reply, edit_reply, approve_reply, discard_reply,
     *conversation_actions],
    description="The seller's inbox: conversations from every channel, AI drafts to approve, manual replies, "
                "taking a conversation over from the AI and resolving it.",
)
