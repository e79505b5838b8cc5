"""Routing: daily collection routes over container sites, route sheets and pickup facts."""
