"""Voice menus (IVR) as data plus a pure engine that walks them.

``flows`` loads and validates the YAML files in ``ivr_flows/``; ``engine`` turns a call's state and
what the provider posted back into the next actions. Neither touches Flask, the database or Twilio,
so every path through a menu can be tested without a phone line.
"""
