"""Test doubles shipped with the package (a fake Hub); product code never imports them."""
