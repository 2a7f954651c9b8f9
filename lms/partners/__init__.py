"""Partner companies for managers: the channel dashboard, company pages, exports."""
