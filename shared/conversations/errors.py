"""Domain errors of the conversations service; messages are shown to the seller as they are."""

from __future__ import annotations


class ConversationsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ConversationsError):
    """Also raised for other sellers' ids: their existence is never confirmed."""


class InvalidRequest(ConversationsError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StateConflict(ConversationsError):
    """The row is not in a state that allows the action (edit a sent reply, a second live reply, ...)."""


class ReplyAlreadyExists(StateConflict):
    """The customer message already has a live reply (draft, approved, sending or sent)."""

    def __init__(self, customer_message_id: object) -> None:
        super().__init__("This customer message already has a reply (a draft, or one being sent or sent). "
                         "Edit or discard that one instead.")
        self.customer_message_id = customer_message_id
