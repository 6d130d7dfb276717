"""eMAG order context: what the seller (and later the AI) sees next to an eMAG buyer's e-mail.

eMAG offers no API to read or answer buyer messages (see the README, "eMAG"), so its buyers' mail
reaches BOK-AI through an e-mail channel bound to the eMAG channel. What eMAG's API does give is the
order: a mail that names an order number of this seller gets the order's status, date, products and
the customer's name (``order/read``), and every order callback eMAG sends later refreshes that
context on the messages that named the order.
"""

from __future__ import annotations

import logging
import re
from uuid import UUID

import msgspec

from shared.channels.connection import load_connection
from shared.channels.emag.client import ORDER_STATUS, EmagClient, Order, basic_token
from shared.channels.errors import NotConnected, PlatformError, PlatformUnavailable, RateLimited
from shared.channels.inbound import ORDER_REF_META_KEY, order_ref
from shared.channels.platform_settings import EmagSettings
from shared.settings import load
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.channels.emag")

ORDER_META_KEY = "emagOrder"
ORDER_IDS_META_KEY = "emagOrderIds"
ACCOUNT_META_KEY = "emagAccountId"
MAX_ORDER_IDS = 5
# "Comanda nr. 412345678", "order #412345678", "rendelés 412345678", "поръчка № 412345678": eMAG order
# numbers are plain integers; a number counts only after one of those words, never alone (a phone
# number or an amount must not turn into an order lookup).
_ORDER_NUMBER = re.compile(
    r"(?:comand[aă]|comenzii|order|rendel[eé]s|megrendel[eé]s|поръчка(?:та)?|заявка)"
    r"(?:\s*(?:nr\.?|no\.?|n°|№|#|:|-|number|num[aă]rul|sz[aá]m[aá]?|номер|id))*\s*(\d{6,12})\b", re.IGNORECASE)


def order_numbers(*texts: str | None) -> list[str]:
    found: list[str] = []
    for text in texts:
        for number in _ORDER_NUMBER.findall(text or ""):
            if number not in found:
                found.append(number)
    return found[:MAX_ORDER_IDS]


def context_of(order: Order) -> dict:
    """The stored shape (messages.meta.emagOrder); no address, phone or e-mail of the customer."""
    return {"orderId": str(order.id), "status": ORDER_STATUS.get(order.status, str(order.status)),
            "placedAt": order.date, "customerName": order.customer.name if order.customer else None,
            "products": [{"partNumber": p.part_number, "name": p.name, "quantity": p.quantity}
                         for p in order.products[:20]]}


async def read_order(tenant_id: UUID, emag_account_id: UUID, order_id: str) -> dict | None:
    """The order's context, or None when the channel has no API access or the order is not this seller's.

    Raises PlatformUnavailable/RateLimited when eMAG cannot answer now (the caller decides whether to retry).
    """
    try:
        connection = await load_connection(tenant_id, emag_account_id, platform="emag",
                                           allow_status=("connected", "paused"))
    except NotConnected:
        return None
    username, password = connection.credentials.get("apiUsername"), connection.credentials.get("apiPassword")
    if not username or not password:
        return None
    country = connection.settings.get("country", "ro")
    async with EmagClient(load(EmagSettings).api_url(country)) as client:
        try:
            order = await client.order(basic_token(username, password), order_id)
        except (PlatformUnavailable, RateLimited):
            raise
        except PlatformError as refused:
            logger.warning("eMAG order %s of account %s not readable: %s", order_id, emag_account_id,
                           type(refused).__name__)
            return None
    return context_of(order) if order is not None else None


async def message_meta(tenant_id: UUID, emag_account_id: UUID, subject: str | None,
                       text: str) -> tuple[dict, str | None]:
    """(meta for an eMAG buyer's e-mail, the customer's name from the order). Never fails the mail:
    if eMAG cannot be asked now, the mail is recorded without the context and the next order
    callback fills it in."""
    numbers = order_numbers(subject, text)
    meta: dict = {ACCOUNT_META_KEY: str(emag_account_id)}
    if not numbers:
        return meta, None
    meta[ORDER_IDS_META_KEY] = numbers
    try:
        context = await read_order(tenant_id, emag_account_id, numbers[0])
    except PlatformError as down:
        logger.warning("eMAG order context skipped for account %s: %s", emag_account_id, type(down).__name__)
        return meta, None
    if context is None:
        return meta, None
    meta[ORDER_META_KEY] = context
    # eMAG confirmed the order is this seller's (order/read with the seller's credentials): the
    # conversation is tied to it.
    meta[ORDER_REF_META_KEY] = order_ref("emag", context["orderId"], emag_account_id)
    return meta, context["customerName"]


_ENRICH = """
WITH touched AS (
    UPDATE messages m SET meta = m.meta || jsonb_build_object($4::text, $2::jsonb), updated_at = now()
      FROM conversations c
     WHERE c.id = m.conversation_id AND c.platform = 'emag' AND m.direction = 'inbound'
       AND m.meta->>$5 = $3 AND (m.meta->$6) ? $1
    RETURNING m.conversation_id)
UPDATE conversations SET customer_name = COALESCE(customer_name, $7), updated_at = now()
 WHERE id IN (SELECT conversation_id FROM touched)
RETURNING id
"""


async def apply_order_callback(tenant_id: UUID, emag_account_id: UUID, order_id: str) -> int:
    """Refresh the order's context on every buyer message that named it; returns the conversations touched.

    eMAG's callback only says "order X changed", so the order is read again; a transient eMAG failure
    raises and the inbox retries the event.
    """
    context = await read_order(tenant_id, emag_account_id, order_id)
    if context is None:
        return 0
    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch(
            _ENRICH, order_id, msgspec.json.encode(context).decode(), str(emag_account_id), ORDER_META_KEY,
            ACCOUNT_META_KEY, ORDER_IDS_META_KEY, context["customerName"])
    return len(rows)
