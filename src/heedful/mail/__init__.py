"""Email in: one ingest pipeline (raw stored first, then parsed and threaded) fed by
``heedful mail import``, the SMTP/LMTP listener and IMAP polling. See docs/email.md."""
