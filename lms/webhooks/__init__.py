"""Webhooks per the Standard Webhooks specification: endpoints, events written to their outbox
in the transaction of their cause, signed deliveries with retries, the delivery log."""
