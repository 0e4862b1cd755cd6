"""Own-fleet delivery: planning routes from sealed packages, reading them, and the dispatcher's changes."""
