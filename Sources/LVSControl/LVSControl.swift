// Target LVSControl: see docs/architecture.md.
