"""Offline stand-ins in the Hub cache layout, their independent references, and ways to break them."""
