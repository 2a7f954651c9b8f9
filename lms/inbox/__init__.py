"""The notification centre's pages."""
