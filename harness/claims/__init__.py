"""What the cards claim, and the record a claim ends in: pure data (stdlib and yaml)."""
