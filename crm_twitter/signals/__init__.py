"""Signal receivers, registered by ``CrmTwitterConfig.ready``: edges that translate a Django signal
into a service call, nothing more."""
