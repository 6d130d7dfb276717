"""The order snapshot as sentences the model may quote and the send verifier checks against.

Written in Polish like the prompt, with the words customers use ("paczka", "przesyłka", "wysłane",
"status"), so a question about the parcel is recognised as answered by the order. One sentence per
fact, without semicolons or parentheses: the verifier's question-coverage check reads a quote piece by
piece (shared.ai.verify.stems), and "status of my parcel" must stand in one piece. Dates in Polish
writing (d.m.rrrr, hh:mm, Warsaw time) so the verifier compares them as the dates they are. No
personal data is in the snapshot, so none reaches the prompt.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from shared.orders.schemas import OrderSnapshot

WARSAW = ZoneInfo("Europe/Warsaw")
ORDER_STATUS = {"BOUGHT": "kupione, formularz dostawy nieuzupełniony", "FILLED_IN": "czeka na płatność",
                "READY_FOR_PROCESSING": "opłacone, do realizacji", "CANCELLED": "anulowane",
                "canceled": "anulowane", "new": "nowe", "in progress": "w realizacji", "prepared": "przygotowane",
                "finalized": "zrealizowane", "returned": "zwrócone"}
FULFILLMENT_STATUS = {"NEW": "nowe", "PROCESSING": "w realizacji", "READY_FOR_SHIPMENT": "gotowe do wysyłki",
                      "READY_FOR_PICKUP": "gotowe do odbioru", "SENT": "wysłane", "PICKED_UP": "odebrane",
                      "CANCELLED": "anulowane", "SUSPENDED": "wstrzymane"}
TRACKING_STATUS = {"PENDING": "przygotowana, czeka na nadanie", "IN_TRANSIT": "w drodze",
                   "RELEASED_FOR_DELIVERY": "wydana kurierowi do doręczenia", "AVAILABLE_FOR_PICKUP": "czeka na odbiór",
                   "NOTICE_LEFT": "nieudana próba doręczenia, zostawiono awizo", "DELIVERED": "doręczona",
                   "RETURNED": "zwracana do nadawcy", "ISSUE": "problem z doręczeniem"}
RETURN_STATUS = {"CREATED": "zgłoszony", "DISPATCHED": "nadany przez kupującego", "IN_TRANSIT": "w drodze do sklepu",
                 "DELIVERED": "dotarł do sklepu", "FINISHED": "zakończony, pieniądze zwrócone",
                 "REJECTED": "odrzucony", "WAREHOUSE_DELIVERED": "dotarł do magazynu",
                 "WAREHOUSE_VERIFICATION": "w weryfikacji w magazynie"}
REFUND_STATUS = {"NEW": "zlecony", "IN_PROGRESS": "w trakcie", "SUCCESS": "wykonany", "CANCELED": "anulowany",
                 "FAILURE": "nieudany"}


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(WARSAW).strftime("%-d.%m.%Y") if moment else None


def _moment(moment: datetime | None) -> str | None:
    return moment.astimezone(WARSAW).strftime("%-d.%m.%Y, godz. %H:%M") if moment else None


def _quantity(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def order_facts(snapshot: OrderSnapshot) -> list[str]:
    """One sentence per fact; empty parts are left out rather than guessed."""
    facts = [f"Zamówienie nr {snapshot.order_id}" + (f" złożono {_day(snapshot.placed_at)}." if snapshot.placed_at
                                                     else ".")]
    if snapshot.items:
        facts.append("Produkty w zamówieniu: " + "; ".join(
            f"{item.name} – sztuk: {_quantity(item.quantity)}" for item in snapshot.items) + ".")
    if snapshot.status:
        facts.append(f"Status zamówienia: {ORDER_STATUS.get(snapshot.status, snapshot.status)}.")
    if snapshot.paid is True:
        facts.append("Płatność za zamówienie: opłacone" + (f" {_day(snapshot.paid_at)}." if snapshot.paid_at else "."))
    elif snapshot.paid is False:
        facts.append("Płatność za zamówienie: nieopłacone.")
    if snapshot.fulfillment_status:
        status = FULFILLMENT_STATUS.get(snapshot.fulfillment_status, snapshot.fulfillment_status)
        facts.append(f"Realizacja zamówienia przez sklep: {status}.")
    if snapshot.delivery_method:
        facts.append(f"Sposób dostawy: {snapshot.delivery_method}.")
    for shipment in snapshot.shipments:
        parcel = f"Przesyłka, czyli paczka, nadana przez przewoźnika {shipment.carrier or ''}".rstrip()
        parcel += f", numer przesyłki {shipment.waybill}" if shipment.waybill else ""
        if shipment.status:
            parcel += f", ostatni status przesyłki u przewoźnika: {TRACKING_STATUS.get(shipment.status, shipment.status)}"
            parcel += f", {_moment(shipment.status_at)}" if shipment.status_at else ""
        facts.append(parcel + ".")
    for returned in snapshot.returns:
        since = f", zgłoszony {_day(returned.created_at)}" if returned.created_at else ""
        facts.append(f"Zwrot towaru: {RETURN_STATUS.get(returned.status, returned.status)}{since}.")
    for refund in snapshot.refunds:
        amount = f" {refund.amount.replace('.', ',')} {refund.currency or ''}".rstrip() if refund.amount else ""
        facts.append(f"Zwrot pieniędzy{amount}: {REFUND_STATUS.get(refund.status, refund.status)}.")
    return facts
