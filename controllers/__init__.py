"""Strategy controllers for hbot-fleet.

Mirrors Hummingbot's bot tree (`/home/hummingbot/controllers`) so that a controller is imported as
`controllers.<controller_type>.<controller_name>` both inside a bot and in the backtester.
"""
