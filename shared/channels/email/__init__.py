"""Email channel: inbound mail arrives through functions/webhooks; replies go out by SMTP (sender.py)."""

# Key under messages.meta holding a customer email's headers; the SMTP sender threads replies with it.
EMAIL_META_KEY = "email"
