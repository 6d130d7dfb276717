"""Transactional outbox: a job is written in the same transaction as the work it starts.

``stage`` inserts the job row inside the caller's tenant transaction; ``publish`` enqueues it right
after the commit (best effort) and marks it sent. Whatever ``publish`` could not enqueue (Redis
restarting, the process killed between commit and enqueue) the relay in the worker finds and
enqueues (``shared.outbox.relay``). Jobs can therefore run twice; every consumer is idempotent.
"""
