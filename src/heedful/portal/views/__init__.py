"""Views of the customer portal (auth, tickets) and of the anonymous web form (support).

They parse input, find objects through heedful.portal.access, and change things only
through actions; bad input is a readable 4xx page, never a 500."""
