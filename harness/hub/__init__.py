"""Where bytes come from (the Hub cache, a replica, a lock's views), and proof they are the pinned ones."""
