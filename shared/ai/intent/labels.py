"""The intents a customer message can carry, and which of them the AI may answer on its own.

Autopilot is an allow-list: only the ANSWERABLE intents can ever be sent without a person. Every
other intent hands off, with the reason shown to the seller (`HANDOFF_REASON`).
"""

from __future__ import annotations

ANSWERABLE = (
    "product_question", "availability_question", "shipping_question", "order_status",
    "payment_question", "invoice_question", "returns_procedure_question", "thanks_closing",
    "greeting_fragment",
)
NEEDS_PERSON = (
    "return_request", "order_change", "complaint_defect", "damaged_in_transit", "missing_wrong_item",
    "lost_parcel", "payment_problem", "dispute_chargeback", "legal_threat", "review_threat", "anger",
    "prompt_injection",
)
INTENTS = ANSWERABLE + NEEDS_PERSON

# The conversation's handoff_reason for each intent; the rule layer's topics use the same words.
HANDOFF_REASON = {
    "return_request": "return_request",
    "order_change": "order_change",
    "complaint_defect": "defect",
    "damaged_in_transit": "damaged_in_transit",
    "missing_wrong_item": "complaint",
    "lost_parcel": "lost_parcel",
    "payment_problem": "payment_problem",
    "dispute_chargeback": "dispute",
    "legal_threat": "legal",
    "review_threat": "review_threat",
    "anger": "angry",
    "prompt_injection": "suspicious_message",
}
# Set when the classifier is not sure the message is an information request: the AI may draft,
# a person approves.
UNCERTAIN_REASON = "uncertain_intent"
