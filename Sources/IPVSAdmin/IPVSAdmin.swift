// Target IPVSAdmin: see docs/architecture.md.
