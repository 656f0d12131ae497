// Target LVSHealth: see docs/architecture.md.
