"""E-mail: the outbox (written with its cause), the SMTP transport and the delivery worker."""
