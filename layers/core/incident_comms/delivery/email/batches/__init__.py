"""One batch of customer emails (at most 50 recipients), paced, never sent to anyone twice.

- ``models``     the batch, its record and each recipient's result; ``store`` the ledger and SES ports
- ``content``    the approved draft as SES template content; ``pacing`` the share of the send rate
- ``use_cases``  send one batch (``EmailBatchSender``); ``logic`` what a channel's batches add up to
"""
