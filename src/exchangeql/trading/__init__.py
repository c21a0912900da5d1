"""Trading: accounts and their credentials, gateway tokens, the write-ahead order journal, the order flow,
and reconciliation of orders whose fate is unknown.

Import-light on purpose: adapters import `trading.credentials`, which must not pull in the journal or the
service.
"""
