// Target LVSReactor: see docs/architecture.md.
