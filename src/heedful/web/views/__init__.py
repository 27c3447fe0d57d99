"""Views of the agent workspace, one module per area.

Every view parses its input, finds objects through heedful.tickets.access, and
changes things only through the actions; it never saves a model itself.
"""
